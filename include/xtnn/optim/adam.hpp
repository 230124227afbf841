#pragma once
// Adam (Kingma & Ba) with bias correction, in the PyTorch / Keras 2 form.
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "../core/tensor.hpp"
#include "../kernels/elementwise.hpp"
#include "optimizer.hpp"

namespace xtnn {

/// Hyper-parameters of Adam.
struct AdamOptions {
    double learning_rate = 1e-3;
    double beta1 = 0.9;    ///< decay of the gradient mean, in [0, 1)
    double beta2 = 0.999;  ///< decay of the squared-gradient mean, in [0, 1)
    double epsilon = 1e-8;
};

namespace detail {

inline void check_adam_betas(double beta1, double beta2, double epsilon, std::string_view who) {
    checked_decay_rate(beta1, who, "beta1");
    checked_decay_rate(beta2, who, "beta2");
    checked_positive(epsilon, who, "epsilon");
}

// The first and second moments Adam and AdamW keep, and the update of step t
// they share (AdamW first scales every parameter by `decay`; Adam passes 1).
// The bias corrections are folded into two scalars:
// p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
template <Real T>
class AdamMoments {
public:
    void update(std::span<T> params, std::span<const T> grads, std::uint64_t t, double learning_rate, double beta1,
                double beta2, double epsilon, double decay) {
        const auto steps = static_cast<double>(t);
        const auto step_size = static_cast<T>(learning_rate / (1.0 - std::pow(beta1, steps)));
        const auto inv_sqrt_correction2 = static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(beta2, steps)));
        const auto b1 = static_cast<T>(beta1);
        const auto b2 = static_cast<T>(beta2);
        const auto one_minus_b1 = static_cast<T>(1.0 - beta1);
        const auto one_minus_b2 = static_cast<T>(1.0 - beta2);
        const auto eps = static_cast<T>(epsilon);
        const auto keep = static_cast<T>(decay);
        elementwise(
            params.size(),
            [=](auto g, auto& p, auto& mean, auto& square_mean) {
                using std::sqrt;
                mean = b1 * mean + one_minus_b1 * g;
                square_mean = b2 * square_mean + one_minus_b2 * g * g;
                p = keep * p - step_size * mean / (sqrt(square_mean) * inv_sqrt_correction2 + eps);
            },
            grads.data(), params.data(), m_.data(), v_.data());
    }

    /// Calls f("m", first moments) and f("v", second moments).
    template <class F>
    void visit(F&& f) {
        f(std::string_view("m"), m_);
        f(std::string_view("v"), v_);
    }

private:
    std::vector<T> m_;
    std::vector<T> v_;
};

// What Adam and AdamW share: the moments, their checkpoint names and the
// update. They differ only in the decay applied to every parameter first.
template <class Derived, Real T, class Options>
class AdamFamily : public OptimizerBase<Derived, T, Options> {
public:
    /// Calls f("m", first moments) and f("v", second moments).
    template <class F>
    void visit_state(F&& f) { moments_.visit(f); }
    /// Means of squares: a checkpoint with a negative one is rejected.
    static constexpr std::string_view nonnegative_state = "v";

protected:
    using OptimizerBase<Derived, T, Options>::OptimizerBase;

    void adam_step(std::span<T> params, std::span<const T> grads, double decay) {
        const auto t = this->begin_step(params, grads);
        const auto& o = this->options();
        moments_.update(params, grads, t, o.learning_rate, o.beta1, o.beta2, o.epsilon, decay);
    }

private:
    AdamMoments<T> moments_;
};

}  // namespace detail

/// Adam: m and v are running means of g and g²; p −= lr·m̂ / (√v̂ + ε) with the
/// bias-corrected m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ). The first step moves each
/// parameter by lr·sign(g) (up to ε).
template <Real T>
class Adam : public detail::AdamFamily<Adam<T>, T, AdamOptions> {
    using Base = detail::AdamFamily<Adam<T>, T, AdamOptions>;

public:
    explicit Adam(double learning_rate = AdamOptions{}.learning_rate,
                  double beta1 = AdamOptions{}.beta1, double beta2 = AdamOptions{}.beta2,
                  double epsilon = AdamOptions{}.epsilon)
        : Adam(AdamOptions{learning_rate, beta1, beta2, epsilon}) {}

    explicit Adam(const AdamOptions& options) : Base(options, "adam") {
        detail::check_adam_betas(options.beta1, options.beta2, options.epsilon, "adam");
    }

    /// One update of every parameter from its gradient.
    void step(std::span<T> params, std::span<const T> grads) { this->adam_step(params, grads, 1.0); }
};

}  // namespace xtnn
