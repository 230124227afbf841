#pragma once
// RMSProp (Hinton): divides each step by a running root mean square of the gradient.
#include <cmath>
#include <span>
#include <string_view>
#include <vector>

#include "../core/tensor.hpp"
#include "../kernels/elementwise.hpp"
#include "optimizer.hpp"

namespace xtnn {

/// Hyper-parameters of RMSProp.
struct RMSPropOptions {
    double learning_rate = 1e-3;
    double rho = 0.9;  ///< decay of the squared-gradient mean, in [0, 1)
    double epsilon = 1e-7;
    double momentum = 0.0;  ///< in [0, 1); 0 keeps no momentum buffer
};

/// Keras' RMSProp: s = ρ·s + (1−ρ)·g², increment = lr·g / √(s + ε) (ε inside the
/// root, as Keras and TensorFlow), then p −= increment, or with momentum
/// u = momentum·u + increment and p −= u.
template <Real T>
class RMSProp : public OptimizerBase<RMSProp<T>, T, RMSPropOptions> {
    using Base = OptimizerBase<RMSProp<T>, T, RMSPropOptions>;

public:
    explicit RMSProp(double learning_rate = RMSPropOptions{}.learning_rate,
                     double rho = RMSPropOptions{}.rho, double epsilon = RMSPropOptions{}.epsilon,
                     double momentum = RMSPropOptions{}.momentum)
        : RMSProp(RMSPropOptions{learning_rate, rho, epsilon, momentum}) {}

    explicit RMSProp(const RMSPropOptions& options) : Base(options, "rmsprop") {
        detail::checked_decay_rate(options.rho, "rmsprop", "rho");
        detail::checked_positive(options.epsilon, "rmsprop", "epsilon");
        detail::checked_decay_rate(options.momentum, "rmsprop", "momentum");
    }

    /// One update of every parameter from its gradient.
    void step(std::span<T> params, std::span<const T> grads) {
        this->begin_step(params, grads);
        const auto& o = this->options();
        const auto lr = static_cast<T>(o.learning_rate);
        const auto rho = static_cast<T>(o.rho);
        const auto one_minus_rho = static_cast<T>(1.0 - o.rho);
        const auto eps = static_cast<T>(o.epsilon);
        const auto mu = static_cast<T>(o.momentum);
        if (o.momentum == 0.0) {
            detail::elementwise(
                params.size(),
                [=](auto g, auto& p, auto& s) {
                    using std::sqrt;
                    s = rho * s + one_minus_rho * g * g;
                    p -= lr * g / sqrt(s + eps);
                },
                grads.data(), params.data(), square_mean_.data());
        } else {
            detail::elementwise(
                params.size(),
                [=](auto g, auto& p, auto& s, auto& u) {
                    using std::sqrt;
                    s = rho * s + one_minus_rho * g * g;
                    u = mu * u + lr * g / sqrt(s + eps);
                    p -= u;
                },
                grads.data(), params.data(), square_mean_.data(), momentum_.data());
        }
    }

    /// Calls f("velocity", mean of g²) and, with momentum on, f("momentum", u).
    /// The names are Keras'.
    template <class F>
    void visit_state(F&& f) {
        f(std::string_view("velocity"), square_mean_);
        if (this->options().momentum > 0.0) f(std::string_view("momentum"), momentum_);
    }
    /// The mean of g²: a checkpoint with a negative one is rejected.
    static constexpr std::string_view nonnegative_state = "velocity";

private:
    std::vector<T> square_mean_;
    std::vector<T> momentum_;
};

}  // namespace xtnn
