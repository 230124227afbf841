#pragma once
// The Metric concept: a callable scoring a model's outputs against targets,
// as evaluate and fit's validation use it: metric(pred, target) -> double.
#include <concepts>

#include "../core/tensor.hpp"

namespace xtnn {

template <class M, class T>
concept Metric = Real<T> && requires(const M& metric, const Tensor<T>& pred, const Tensor<T>& target) {
    { metric(pred, target) } -> std::convertible_to<double>;
};

}  // namespace xtnn
