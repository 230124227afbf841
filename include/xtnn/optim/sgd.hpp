#pragma once
// Stochastic gradient descent, optionally with (Nesterov) momentum.
#include <span>
#include <string_view>
#include <vector>

#include "../core/tensor.hpp"
#include "../kernels/elementwise.hpp"
#include "optimizer.hpp"

namespace xtnn {

/// Hyper-parameters of SGD.
struct SGDOptions {
    double learning_rate = 0.01;
    double momentum = 0.0;  ///< in [0, 1); 0 keeps no state
    bool nesterov = false;  ///< needs momentum > 0
};

/// Keras' SGD: without momentum p −= lr·g; with it
/// v = momentum·v − lr·g, then p += v, or p += momentum·v − lr·g with Nesterov.
/// (PyTorch keeps v/−lr instead; the two agree while lr is constant.)
template <Real T>
class SGD : public OptimizerBase<SGD<T>, T, SGDOptions> {
    using Base = OptimizerBase<SGD<T>, T, SGDOptions>;

public:
    explicit SGD(double learning_rate = SGDOptions{}.learning_rate,
                 double momentum = SGDOptions{}.momentum, bool nesterov = SGDOptions{}.nesterov)
        : SGD(SGDOptions{learning_rate, momentum, nesterov}) {}

    explicit SGD(const SGDOptions& options) : Base(options, "sgd") {
        detail::checked_decay_rate(options.momentum, "sgd", "momentum");
        if (options.nesterov && options.momentum == 0.0) {
            detail::fail("sgd: nesterov needs momentum > 0");
        }
    }

    /// One update of every parameter from its gradient.
    void step(std::span<T> params, std::span<const T> grads) {
        this->begin_step(params, grads);
        const auto& options = this->options();
        const auto lr = static_cast<T>(options.learning_rate);
        const auto mu = static_cast<T>(options.momentum);
        if (options.momentum == 0.0) {
            detail::elementwise(
                params.size(), [lr](auto g, auto& p) { p -= lr * g; }, grads.data(),
                params.data());
        } else if (options.nesterov) {
            detail::elementwise(
                params.size(),
                [lr, mu](auto g, auto& p, auto& v) {
                    v = mu * v - lr * g;
                    p += mu * v - lr * g;
                },
                grads.data(), params.data(), velocity_.data());
        } else {
            detail::elementwise(
                params.size(),
                [lr, mu](auto g, auto& p, auto& v) {
                    v = mu * v - lr * g;
                    p += v;
                },
                grads.data(), params.data(), velocity_.data());
        }
    }

    /// Calls f("momentum", velocity) when momentum is on; plain SGD has no state.
    template <class F>
    void visit_state(F&& f) {
        if (this->options().momentum > 0.0) f(std::string_view("momentum"), velocity_);
    }

private:
    std::vector<T> velocity_;
};

}  // namespace xtnn
