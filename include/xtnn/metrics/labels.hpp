#pragma once
// How the classification metrics read model outputs (`pred`, one row per
// sample) and targets. One output column means a binary model: its output is a
// score and `threshold` turns it into a class. Several columns mean one per
// class: the predicted class is the argmax, and the target is either one column
// of class ids or one-hot rows of the same width as `pred`.
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../losses/common.hpp"

namespace xtnn::detail {

// Checks that targets fit predictions; returns the number of classes (2 for one column).
template <Real T>
std::size_t classification_classes(const Tensor<T>& pred, const Tensor<T>& target,
                                   std::string_view who) {
    if (pred.shape(0) == 0) fail(who, ": empty input");
    if (pred.shape(1) == 0) fail(who, ": predictions have no columns");
    if (target.shape(0) != pred.shape(0) ||
        (target.shape(1) != 1 && target.shape(1) != pred.shape(1))) {
        fail(who, ": targets of shape ", target.shape(0), " x ", target.shape(1),
             " do not fit predictions ", pred.shape(0), " x ", pred.shape(1),
             " (expected one column of labels, or one-hot rows)");
    }
    return pred.shape(1) == 1 ? 2 : pred.shape(1);
}

template <Real T>
std::size_t argmax_of_row(const Tensor<T>& t, std::size_t row) {
    const T* first = t.data() + row * t.shape(1);
    return static_cast<std::size_t>(std::max_element(first, first + t.shape(1)) - first);
}

template <Real T>
std::size_t predicted_class(const Tensor<T>& pred, std::size_t row, double threshold) {
    if (pred.shape(1) == 1) return static_cast<double>(pred(row, 0)) >= threshold ? 1 : 0;
    return argmax_of_row(pred, row);
}

template <Real T>
std::size_t actual_class(const Tensor<T>& target, std::size_t row, std::size_t classes,
                         std::string_view who) {
    if (target.shape(1) > 1) return argmax_of_row(target, row);
    return class_id(target, row, classes, who);
}

template <Real T>
void require_single_column(const Tensor<T>& pred, std::string_view who) {
    if (pred.shape(1) != 1) {
        fail(who, ": needs a binary model (one output column), got ", pred.shape(1), " columns");
    }
}

// a / b, or 0 when b is 0 (nothing to measure counts as a score of 0, as Keras).
inline double ratio_or_zero(std::size_t a, std::size_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

}  // namespace xtnn::detail

namespace xtnn {

/// The class each row of `pred` stands for: the argmax of its columns, or for
/// a one-column (binary) model 1 where pred ≥ threshold and 0 elsewhere.
template <Real T>
std::vector<std::size_t> predicted_classes(const Tensor<T>& pred, double threshold = 0.5) {
    if (pred.shape(1) == 0) detail::fail("predicted_classes: predictions have no columns");
    std::vector<std::size_t> classes(pred.shape(0));
    for (std::size_t row = 0; row < classes.size(); ++row) classes[row] = detail::predicted_class(pred, row, threshold);
    return classes;
}

}  // namespace xtnn
