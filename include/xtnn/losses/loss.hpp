#pragma once
// The Loss concept: what fit, Trainer and check_gradients need of a loss.
//
//   T value(const Tensor<T>& pred, const Tensor<T>& target) const;
//       The mean loss of a batch (pred and target of one shape).
//   T value_and_gradient(const Tensor<T>& pred, const Tensor<T>& target, Tensor<T>& grad) const;
//       The same, with d loss / d pred written into `grad` (resized only on a shape change).
//   void validate_targets(const Tensor<T>& target, std::size_t model_outputs) const;
//       Throws an xtnn::error naming the first bad label; called once per dataset.
//   std::string_view name() const;    // "binary_crossentropy", as Keras
//
// A loss may also name the output activation it fuses with (train/fusion.hpp).
#include <concepts>
#include <cstddef>
#include <string_view>

#include "../core/tensor.hpp"

namespace xtnn {

template <class L, class T>
concept Loss = Real<T> && requires(const L& loss, const Tensor<T>& pred, const Tensor<T>& target,
                                   Tensor<T>& grad, std::size_t outputs) {
    { loss.value(pred, target) } -> std::convertible_to<double>;
    { loss.value_and_gradient(pred, target, grad) } -> std::convertible_to<double>;
    loss.validate_targets(target, outputs);
    { loss.name() } -> std::convertible_to<std::string_view>;
};

}  // namespace xtnn
