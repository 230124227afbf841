#pragma once
// Mean squared error: the regression loss, mean of (pred − target)² over all elements.
#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/tensor.hpp"
#include "common.hpp"

namespace xtnn {

/// mean((pred − target)²) over every element; gradient 2·(pred − target) / count.
struct MeanSquaredError {
    /// The loss of a batch.
    template <Real T>
    T value(const Tensor<T>& pred, const Tensor<T>& target) const {
        detail::check_loss_inputs(pred, target, name());
        return evaluate<T>(pred, target, nullptr);
    }

    /// The loss, with d loss / d pred written to `grad` (resized only on a shape change).
    template <Real T>
    T value_and_gradient(const Tensor<T>& pred, const Tensor<T>& target, Tensor<T>& grad) const {
        detail::check_loss_inputs(pred, target, name());
        ensure_shape(grad, pred.shape(0), pred.shape(1));
        return evaluate<T>(pred, target, grad.data());
    }

    /// Throws unless `target` has one finite value per model output.
    template <Real T>
    void validate_targets(const Tensor<T>& target, std::size_t model_outputs) const {
        detail::check_target_columns(target, model_outputs, name());
        for (std::size_t i = 0; i < target.size(); ++i) {
            if (!std::isfinite(target.data()[i])) {
                detail::fail(name(), ": targets must be finite; found ", target.data()[i], " at ",
                             detail::element_position(i, target.shape(1)));
            }
        }
    }

    std::string_view name() const { return "mean_squared_error"; }

private:
    // The one loop behind both entry points; `grad` may be null.
    template <Real T>
    static T evaluate(const Tensor<T>& pred, const Tensor<T>& target, T* grad) {
        const std::size_t count = pred.size();
        const double inv_count = 1.0 / static_cast<double>(count);
        double sum = 0.0;
        for (std::size_t i = 0; i < count; ++i) {
            const double diff =
                static_cast<double>(pred.data()[i]) - static_cast<double>(target.data()[i]);
            sum += diff * diff;
            if (grad) grad[i] = static_cast<T>(2.0 * diff * inv_count);
        }
        return static_cast<T>(sum * inv_count);
    }
};

}  // namespace xtnn
