#pragma once
// AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the gradient.
#include <span>
#include <string_view>

#include "../tensor.hpp"
#include "adam.hpp"
#include "optimizer.hpp"

namespace xtnn {

/// Hyper-parameters of AdamW.
struct AdamWOptions {
    double learning_rate = 1e-3;
    double weight_decay = 0.01;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-8;
};

/// As PyTorch: p ← p·(1 − lr·weight_decay), then the Adam update. Unlike an L2
/// penalty, the decay is not rescaled by Adam's per-parameter step size.
template <Real T>
class AdamW : public OptimizerBase<AdamW<T>, T, AdamWOptions> {
    using Base = OptimizerBase<AdamW<T>, T, AdamWOptions>;

public:
    explicit AdamW(double learning_rate = AdamWOptions{}.learning_rate,
                   double weight_decay = AdamWOptions{}.weight_decay,
                   double beta1 = AdamWOptions{}.beta1, double beta2 = AdamWOptions{}.beta2,
                   double epsilon = AdamWOptions{}.epsilon)
        : AdamW(AdamWOptions{learning_rate, weight_decay, beta1, beta2, epsilon}) {}

    explicit AdamW(const AdamWOptions& options) : Base(options, "adamw") {
        detail::checked_non_negative(options.weight_decay, "adamw", "weight_decay");
        detail::check_adam_betas(options.beta1, options.beta2, options.epsilon, "adamw");
    }

    /// One update of every parameter from its gradient.
    void step(std::span<T> params, std::span<const T> grads) {
        const auto t = this->begin_step(params, grads);
        const auto& o = this->options();
        moments_.update(params, grads, t, o.learning_rate, o.beta1, o.beta2, o.epsilon,
                        1.0 - o.learning_rate * o.weight_decay);
    }

    /// Calls f("m", first moments) and f("v", second moments).
    template <class F>
    void visit_state(F&& f) { moments_.visit(f); }
    /// Means of squares: a checkpoint with a negative one is rejected.
    static constexpr std::string_view nonnegative_state = "v";

private:
    detail::AdamMoments<T> moments_;
};

}  // namespace xtnn
