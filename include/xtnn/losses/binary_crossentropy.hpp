#pragma once
// Binary cross-entropy for independent yes/no outputs (one or several columns),
// mean over all elements, Keras semantics.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/tensor.hpp"
#include "../layers/activations.hpp"
#include "common.hpp"

namespace xtnn {

/// −mean(y·log p + (1 − y)·log(1 − p)).
///
/// from_logits = false: `pred` are probabilities, clipped to [ε, 1 − ε] like Keras
/// (no gradient flows where the clip bites). from_logits = true: `pred` are logits and
/// the loss is max(z, 0) − z·y + log1p(e^−|z|), finite for any z.
///
/// Fuses with Sigmoid (train/fusion.hpp): for a model ending in Sigmoid, fit skips
/// that layer's backward pass and calls value_and_gradient_from_logits with the
/// Sigmoid's input: the result is exact even where the sigmoid saturates to 0 or 1.
struct BinaryCrossEntropy {
    using fused_activation = Sigmoid;

    bool from_logits = false;
    double epsilon = 1e-7;

    /// The loss of a batch.
    template <Real T>
    T value(const Tensor<T>& pred, const Tensor<T>& target) const {
        if (from_logits) return value_from_logits(pred, target);
        detail::check_loss_inputs(pred, target, name());
        return probabilities<T>(pred, target, nullptr);
    }

    /// The loss, with d loss / d pred written to `grad` (resized only on a shape change).
    template <Real T>
    T value_and_gradient(const Tensor<T>& pred, const Tensor<T>& target, Tensor<T>& grad) const {
        if (from_logits) return value_and_gradient_from_logits(pred, target, grad);
        detail::check_loss_inputs(pred, target, name());
        ensure_shape(grad, pred.shape(0), pred.shape(1));
        return probabilities<T>(pred, target, grad.data());
    }

    /// The loss of sigmoid(logits), whatever `from_logits` says.
    template <Real T>
    T value_from_logits(const Tensor<T>& logits, const Tensor<T>& target) const {
        detail::check_loss_inputs(logits, target, name());
        return evaluate_logits<T>(logits, target, nullptr);
    }

    /// The loss of sigmoid(logits) and its gradient sigmoid(z) − y (over the count)
    /// with respect to the logits.
    template <Real T>
    T value_and_gradient_from_logits(const Tensor<T>& logits, const Tensor<T>& target,
                                     Tensor<T>& grad_logits) const {
        detail::check_loss_inputs(logits, target, name());
        ensure_shape(grad_logits, logits.shape(0), logits.shape(1));
        return evaluate_logits<T>(logits, target, grad_logits.data());
    }

    /// Throws unless `target` has one column per model output, all 0 or 1.
    template <Real T>
    void validate_targets(const Tensor<T>& target, std::size_t model_outputs) const {
        detail::check_target_columns(target, model_outputs, name());
        for (std::size_t i = 0; i < target.size(); ++i) {
            const T y = target.data()[i];
            if (y != T(0) && y != T(1)) {
                detail::fail(name(), ": labels must be 0 or 1; found ", y, " at ",
                             detail::element_position(i, target.shape(1)));
            }
        }
    }

    std::string_view name() const { return "binary_crossentropy"; }

private:
    // Both probability entry points; `grad` may be null.
    template <Real T>
    T probabilities(const Tensor<T>& pred, const Tensor<T>& target, T* grad) const {
        detail::check_epsilon(epsilon, name());
        const std::size_t count = pred.size();
        const double inv_count = 1.0 / static_cast<double>(count);
        double sum = 0.0;
        for (std::size_t i = 0; i < count; ++i) {
            const auto p = static_cast<double>(pred.data()[i]);
            const auto y = static_cast<double>(target.data()[i]);
            const double clipped = detail::clip_probability(p, epsilon);
            sum -= y * std::log(clipped) + (1.0 - y) * std::log(1.0 - clipped);
            if (grad) {
                const double slope = (1.0 - y) / (1.0 - clipped) - y / clipped;
                grad[i] = detail::inside_clip_range(p, epsilon)
                              ? static_cast<T>(slope * inv_count)
                              : T(0);
            }
        }
        return static_cast<T>(sum * inv_count);
    }

    // Both logit entry points; `grad` may be null.
    template <Real T>
    static T evaluate_logits(const Tensor<T>& logits, const Tensor<T>& target, T* grad) {
        const std::size_t count = logits.size();
        const double inv_count = 1.0 / static_cast<double>(count);
        double sum = 0.0;
        for (std::size_t i = 0; i < count; ++i) {
            const auto z = static_cast<double>(logits.data()[i]);
            const auto y = static_cast<double>(target.data()[i]);
            // Cancel the large terms first so a saturated but correct logit keeps its tiny loss.
            sum += (std::max(z, 0.0) - z * y) + std::log1p(std::exp(-std::abs(z)));
            if (grad) {
                // σ(z) − y written so neither label subtracts two numbers near 1.
                const double slope = (1.0 - y) * detail::sigmoid(z) - y * detail::sigmoid(-z);
                grad[i] = static_cast<T>(slope * inv_count);
            }
        }
        return static_cast<T>(sum * inv_count);
    }
};

}  // namespace xtnn
