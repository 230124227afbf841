#pragma once
// Classification metrics on model outputs (`pred`, one row per sample) and
// targets. One output column means a binary model: its output is a score and
// `threshold` turns it into a class. Several columns mean one per class: the
// predicted class is the argmax, and the target is either one column of class
// ids or one-hot rows of the same width as `pred`.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"

namespace xtnn {

namespace detail {

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
    const T id = target(row, 0);
    if (!(id >= T(0) && id < static_cast<T>(classes) && std::trunc(id) == id)) {
        fail(who, ": labels must be integer class ids in [0, ", classes, "); found ", id,
             " at row ", row);
    }
    return static_cast<std::size_t>(id);
}

// Counts of a binary model's outcomes.
struct BinaryCounts {
    std::size_t true_positives = 0;
    std::size_t false_positives = 0;
    std::size_t false_negatives = 0;
};

template <Real T>
void require_single_column(const Tensor<T>& pred, std::string_view who) {
    if (pred.shape(1) != 1) {
        fail(who, ": needs a binary model (one output column), got ", pred.shape(1), " columns");
    }
}

template <Real T>
BinaryCounts binary_counts(const Tensor<T>& pred, const Tensor<T>& target, double threshold,
                           std::string_view who) {
    require_single_column(pred, who);
    classification_classes(pred, target, who);
    BinaryCounts counts;
    for (std::size_t row = 0; row < pred.shape(0); ++row) {
        const bool predicted = predicted_class(pred, row, threshold) == 1;
        const bool actual = actual_class(target, row, 2, who) == 1;
        counts.true_positives += predicted && actual;
        counts.false_positives += predicted && !actual;
        counts.false_negatives += !predicted && actual;
    }
    return counts;
}

// a / b, or 0 when b is 0 (nothing to measure counts as a score of 0, as Keras).
inline double ratio_or_zero(std::size_t a, std::size_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

}  // namespace detail

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

/// Binary precision TP / (TP + FP); 0 when nothing is predicted positive.
struct Precision {
    double threshold = 0.5;

    template <Real T>
    double operator()(const Tensor<T>& pred, const Tensor<T>& target) const {
        const auto c = detail::binary_counts(pred, target, threshold, name());
        return detail::ratio_or_zero(c.true_positives, c.true_positives + c.false_positives);
    }

    std::string_view name() const { return "precision"; }
};

/// Binary recall TP / (TP + FN); 0 when no target is positive.
struct Recall {
    double threshold = 0.5;

    template <Real T>
    double operator()(const Tensor<T>& pred, const Tensor<T>& target) const {
        const auto c = detail::binary_counts(pred, target, threshold, name());
        return detail::ratio_or_zero(c.true_positives, c.true_positives + c.false_negatives);
    }

    std::string_view name() const { return "recall"; }
};

/// Binary F1, the harmonic mean of precision and recall, 2·TP / (2·TP + FP + FN);
/// 0 when there are no true positives.
struct F1 {
    double threshold = 0.5;

    template <Real T>
    double operator()(const Tensor<T>& pred, const Tensor<T>& target) const {
        const auto c = detail::binary_counts(pred, target, threshold, name());
        return detail::ratio_or_zero(2 * c.true_positives,
                                     2 * c.true_positives + c.false_positives + c.false_negatives);
    }

    std::string_view name() const { return "f1"; }
};

/// Area under the ROC curve of a binary model: the probability that a random
/// positive scores above a random negative, ties counting one half (the
/// Mann-Whitney statistic, exact, no thresholds). Needs both classes present:
/// compute it over a whole dataset, not per batch.
struct AUC {
    template <Real T>
    double operator()(const Tensor<T>& pred, const Tensor<T>& target) const {
        detail::require_single_column(pred, name());
        detail::classification_classes(pred, target, name());
        const std::size_t n = pred.shape(0);
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        for (std::size_t row = 0; row < n; ++row) {
            if (!std::isfinite(pred(row, 0))) {
                detail::fail(name(), ": score ", pred(row, 0), " at row ", row, " is not finite");
            }
        }
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return pred(a, 0) < pred(b, 0); });

        // Sum of the positives' ranks (1-based); a run of tied scores shares its mean rank.
        double positive_rank_sum = 0.0;
        std::size_t positives = 0;
        for (std::size_t first = 0; first < n;) {
            std::size_t last = first;
            while (last + 1 < n && pred(order[last + 1], 0) == pred(order[first], 0)) ++last;
            const double mean_rank = 0.5 * static_cast<double>(first + last) + 1.0;
            for (std::size_t i = first; i <= last; ++i) {
                if (detail::actual_class(target, order[i], 2, name()) == 1) {
                    positive_rank_sum += mean_rank;
                    ++positives;
                }
            }
            first = last + 1;
        }
        const std::size_t negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            detail::fail(name(), ": undefined unless the targets hold both classes (",
                         positives, " positives, ", negatives, " negatives)");
        }
        const auto p = static_cast<double>(positives);
        return (positive_rank_sum - p * (p + 1.0) / 2.0) / (p * static_cast<double>(negatives));
    }

    std::string_view name() const { return "auc"; }
};

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
