#pragma once
// Accuracy: the fraction of rows classified right (metrics/labels.hpp says how
// outputs and targets are read).
#include <cstddef>
#include <string_view>

#include "../core/tensor.hpp"
#include "labels.hpp"

namespace xtnn {

/// Fraction of rows whose predicted class is the target class.
struct Accuracy {
    double threshold = 0.5;  ///< one output column: pred ≥ threshold means class 1

    template <Real T>
    double operator()(const Tensor<T>& pred, const Tensor<T>& target) const {
        const std::size_t classes = detail::classification_classes(pred, target, name());
        std::size_t correct = 0;
        for (std::size_t row = 0; row < pred.shape(0); ++row) {
            correct += detail::predicted_class(pred, row, threshold) ==
                       detail::actual_class(target, row, classes, name());
        }
        return detail::ratio_or_zero(correct, pred.shape(0));
    }

    std::string_view name() const { return "accuracy"; }
};

}  // namespace xtnn
