#pragma once
// The confusion matrix of a classifier's outputs against its targets.
#include <algorithm>
#include <cstddef>
#include <iomanip>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "labels.hpp"

namespace xtnn {

/// Counts of (actual, predicted) class pairs.
struct ConfusionMatrix {
    std::size_t classes = 0;
    std::vector<std::size_t> counts;  ///< row-major: counts[actual * classes + predicted]

    /// How many samples of class `actual` were predicted as `predicted`.
    std::size_t at(std::size_t actual, std::size_t predicted) const {
        if (actual >= classes || predicted >= classes) {
            detail::fail(name(), ": class (", actual, ", ", predicted, ") out of range for ",
                         classes, " classes");
        }
        return counts[actual * classes + predicted];
    }

    /// A table with actual classes down and predicted classes across.
    std::string to_string() const {
        constexpr std::string_view corner = "actual\\predicted";
        std::size_t largest = classes;
        for (const std::size_t count : counts) largest = std::max(largest, count);
        const int width = static_cast<int>(std::to_string(largest).size()) + 2;
        std::ostringstream out;
        out << corner;
        for (std::size_t p = 0; p < classes; ++p) out << std::setw(width) << p;
        for (std::size_t a = 0; a < classes; ++a) {
            out << '\n' << std::setw(static_cast<int>(corner.size())) << a;
            for (std::size_t p = 0; p < classes; ++p) out << std::setw(width) << at(a, p);
        }
        return out.str();
    }

    std::string_view name() const { return "confusion_matrix"; }
};

/// The confusion matrix of `pred` against `target`; a one-column (binary)
/// model gives a 2 × 2 matrix with pred ≥ threshold counted as class 1.
template <Real T>
ConfusionMatrix confusion_matrix(const Tensor<T>& pred, const Tensor<T>& target,
                                 double threshold = 0.5) {
    constexpr std::string_view who = "confusion_matrix";
    ConfusionMatrix matrix;
    matrix.classes = detail::classification_classes(pred, target, who);
    matrix.counts.assign(matrix.classes * matrix.classes, 0);
    for (std::size_t row = 0; row < pred.shape(0); ++row) {
        const std::size_t actual = detail::actual_class(target, row, matrix.classes, who);
        ++matrix.counts[actual * matrix.classes + detail::predicted_class(pred, row, threshold)];
    }
    return matrix;
}

}  // namespace xtnn
