#pragma once
// Softmax cross-entropy over k classes with integer labels (Keras'
// sparse_categorical_crossentropy): mean over rows of −log p[row, label].
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/tensor.hpp"
#include "../layers/softmax.hpp"
#include "common.hpp"

namespace xtnn {

/// −mean over rows of log softmax(pred)[label] (from_logits = true) or of
/// log clip(pred[label], ε, 1 − ε) (from_logits = false, pred are probabilities).
/// `target` is N×1 and holds class ids 0 … k−1 stored as T.
///
/// Fuses with Softmax (train/fusion.hpp): for a model ending in Softmax, fit skips
/// that layer's backward pass and calls value_and_gradient_from_logits with the
/// Softmax's input; the gradient is then simply softmax(z) − onehot(y) over N, and
/// stays exact for saturated outputs.
struct CrossEntropy {
    using fused_activation = Softmax;

    bool from_logits = true;
    double epsilon = 1e-7;

    /// The loss of a batch.
    template <Real T>
    T value(const Tensor<T>& pred, const Tensor<T>& target) const {
        if (from_logits) return value_from_logits(pred, target);
        check_inputs(pred, target);
        return probabilities<T>(pred, target, nullptr);
    }

    /// The loss, with d loss / d pred written to `grad` (resized only on a shape change).
    template <Real T>
    T value_and_gradient(const Tensor<T>& pred, const Tensor<T>& target, Tensor<T>& grad) const {
        if (from_logits) return value_and_gradient_from_logits(pred, target, grad);
        check_inputs(pred, target);
        ensure_shape(grad, pred.shape(0), pred.shape(1));
        return probabilities<T>(pred, target, grad.data());
    }

    /// The loss of softmax(logits), whatever `from_logits` says.
    template <Real T>
    T value_from_logits(const Tensor<T>& logits, const Tensor<T>& target) const {
        check_inputs(logits, target);
        return evaluate_logits<T>(logits, target, nullptr);
    }

    /// The loss of softmax(logits) and its gradient (softmax(z) − onehot(y)) / N with
    /// respect to the logits.
    template <Real T>
    T value_and_gradient_from_logits(const Tensor<T>& logits, const Tensor<T>& target,
                                     Tensor<T>& grad_logits) const {
        check_inputs(logits, target);
        ensure_shape(grad_logits, logits.shape(0), logits.shape(1));
        return evaluate_logits<T>(logits, target, grad_logits.data());
    }

    /// Throws unless `target` is one column of integer class ids in [0, model_outputs)
    /// and the model has at least two outputs.
    template <Real T>
    void validate_targets(const Tensor<T>& target, std::size_t model_outputs) const {
        detail::check_class_count(model_outputs, name());
        if (target.shape(0) == 0) detail::fail(name(), ": no targets");
        if (target.shape(1) != 1) {
            detail::fail(name(), ": targets must be one column of class ids, got ",
                         target.shape(1), " columns (one-hot targets are not supported)");
        }
        for (std::size_t row = 0; row < target.shape(0); ++row) {
            detail::class_id(target, row, model_outputs, name());
        }
    }

    std::string_view name() const { return "sparse_categorical_crossentropy"; }

private:
    template <Real T>
    void check_inputs(const Tensor<T>& pred, const Tensor<T>& target) const {
        if (pred.size() == 0) detail::fail(name(), ": empty batch");
        if (target.shape(0) != pred.shape(0) || target.shape(1) != 1) {
            detail::fail(name(), ": expected targets of shape ", pred.shape(0),
                         " x 1 (class ids) for predictions ", pred.shape(0), " x ",
                         pred.shape(1), ", got ", target.shape(0), " x ", target.shape(1));
        }
    }

    // Both probability entry points; `grad` may be null.
    template <Real T>
    T probabilities(const Tensor<T>& pred, const Tensor<T>& target, T* grad) const {
        detail::check_epsilon(epsilon, name());
        const std::size_t rows = pred.shape(0);
        const std::size_t classes = pred.shape(1);
        const double inv_rows = 1.0 / static_cast<double>(rows);
        if (grad) std::fill(grad, grad + pred.size(), T(0));
        double sum = 0.0;
        for (std::size_t row = 0; row < rows; ++row) {
            const std::size_t label = detail::class_id(target, row, classes, name());
            const auto p = static_cast<double>(pred(row, label));
            const double clipped = detail::clip_probability(p, epsilon);
            sum -= std::log(clipped);
            if (grad && detail::inside_clip_range(p, epsilon)) {
                grad[row * classes + label] = static_cast<T>(-inv_rows / clipped);
            }
        }
        return static_cast<T>(sum * inv_rows);
    }

    // Both logit entry points; `grad` may be null.
    template <Real T>
    T evaluate_logits(const Tensor<T>& logits, const Tensor<T>& target, T* grad) const {
        const std::size_t classes = logits.shape(1);
        return detail::softmax_cross_entropy(
            logits, [&](std::size_t row) { return detail::class_id(target, row, classes, name()); }, grad);
    }
};

}  // namespace xtnn
