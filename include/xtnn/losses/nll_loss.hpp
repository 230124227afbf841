#pragma once
// Negative log-likelihood of log-probabilities (PyTorch's nll_loss, mean
// reduction): the loss for a model ending in LogSoftmax.
#include <algorithm>
#include <cstddef>
#include <string_view>

#include "../core/tensor.hpp"
#include "../layers/log_softmax.hpp"
#include "common.hpp"

namespace xtnn {

/// −mean over rows of pred[row, label], where `pred` holds log-probabilities and
/// `target` holds either one column of class ids 0 … k−1 or one-hot rows of k columns.
///
/// Fuses with LogSoftmax (train/fusion.hpp): for a model ending in LogSoftmax, fit
/// skips that layer's backward pass and calls value_and_gradient_from_logits with its
/// input z, computing log_softmax(z) and then the NLL in one pass with the gradient
/// (softmax(z) − onehot(y)) / N: finite and exact for any logits.
struct NLLLoss {
    using fused_activation = LogSoftmax;

    /// The loss of a batch of log-probabilities.
    template <Real T>
    T value(const Tensor<T>& pred, const Tensor<T>& target) const {
        check_inputs(pred, target);
        return log_likelihood<T>(pred, target, nullptr);
    }

    /// The loss, with d loss / d pred written to `grad` (resized only on a shape change).
    template <Real T>
    T value_and_gradient(const Tensor<T>& pred, const Tensor<T>& target, Tensor<T>& grad) const {
        check_inputs(pred, target);
        ensure_shape(grad, pred.shape(0), pred.shape(1));
        return log_likelihood<T>(pred, target, grad.data());
    }

    /// The loss of log_softmax(logits).
    template <Real T>
    T value_from_logits(const Tensor<T>& logits, const Tensor<T>& target) const {
        check_inputs(logits, target);
        return detail::softmax_cross_entropy(logits, labels(target, logits.shape(1)), static_cast<T*>(nullptr));
    }

    /// The loss of log_softmax(logits) and its gradient (softmax(z) − onehot(y)) / N
    /// with respect to the logits.
    template <Real T>
    T value_and_gradient_from_logits(const Tensor<T>& logits, const Tensor<T>& target,
                                     Tensor<T>& grad_logits) const {
        check_inputs(logits, target);
        ensure_shape(grad_logits, logits.shape(0), logits.shape(1));
        return detail::softmax_cross_entropy(logits, labels(target, logits.shape(1)), grad_logits.data());
    }

    /// Throws unless the model has at least two outputs and `target` is one column of
    /// integer class ids in [0, model_outputs) or one-hot rows of model_outputs columns.
    template <Real T>
    void validate_targets(const Tensor<T>& target, std::size_t model_outputs) const {
        detail::check_class_count(model_outputs, name());
        if (target.shape(0) == 0) detail::fail(name(), ": no targets");
        if (target.shape(1) != 1 && target.shape(1) != model_outputs) {
            detail::fail(name(), ": targets must be one column of class ids or one-hot rows of ",
                         model_outputs, " columns, got ", target.shape(1), " columns");
        }
        const auto label_of = labels(target, model_outputs);
        for (std::size_t row = 0; row < target.shape(0); ++row) label_of(row);
    }

    std::string_view name() const { return "nll_loss"; }

private:
    template <Real T>
    void check_inputs(const Tensor<T>& pred, const Tensor<T>& target) const {
        if (pred.size() == 0) detail::fail(name(), ": empty batch");
        if (target.shape(0) != pred.shape(0) || (target.shape(1) != 1 && target.shape(1) != pred.shape(1))) {
            detail::fail(name(), ": expected targets of shape ", pred.shape(0), " x 1 (class ids) or ",
                         pred.shape(0), " x ", pred.shape(1), " (one-hot rows) for predictions ",
                         pred.shape(0), " x ", pred.shape(1), ", got ", target.shape(0), " x ",
                         target.shape(1));
        }
    }

    // The class of each target row, checked as it is read: a bad label would
    // index out of bounds.
    template <Real T>
    auto labels(const Tensor<T>& target, std::size_t classes) const {
        return [this, &target, classes](std::size_t row) {
            return target.shape(1) == 1 ? detail::class_id(target, row, classes, name())
                                        : detail::one_hot_class(target, row, name());
        };
    }

    // Both entry points on log-probabilities; `grad` may be null.
    template <Real T>
    T log_likelihood(const Tensor<T>& pred, const Tensor<T>& target, T* grad) const {
        const std::size_t rows = pred.shape(0);
        const std::size_t classes = pred.shape(1);
        const double inv_rows = 1.0 / static_cast<double>(rows);
        if (grad) std::fill(grad, grad + pred.size(), T(0));
        const auto label_of = labels(target, classes);
        double sum = 0.0;
        for (std::size_t row = 0; row < rows; ++row) {
            const std::size_t label = label_of(row);
            sum -= static_cast<double>(pred(row, label));
            if (grad) grad[row * classes + label] = static_cast<T>(-inv_rows);
        }
        return static_cast<T>(sum * inv_rows);
    }
};

}  // namespace xtnn
