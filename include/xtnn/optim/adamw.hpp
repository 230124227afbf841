#pragma once
// AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the gradient.
#include <span>
#include <string_view>

#include "../core/tensor.hpp"
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
class AdamW : public detail::AdamFamily<AdamW<T>, T, AdamWOptions> {
    using Base = detail::AdamFamily<AdamW<T>, T, AdamWOptions>;

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
        this->adam_step(params, grads, 1.0 - this->options().learning_rate * this->options().weight_decay);
    }
};

}  // namespace xtnn
