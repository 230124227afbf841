#pragma once
// Precision, recall and F1 of a binary model (one output column), from the
// counts of its outcomes at a threshold.
#include <cstddef>
#include <string_view>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "labels.hpp"

namespace xtnn {

namespace detail {

// Counts of a binary model's outcomes.
struct BinaryCounts {
    std::size_t true_positives = 0;
    std::size_t false_positives = 0;
    std::size_t false_negatives = 0;
};

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

}  // namespace detail

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

}  // namespace xtnn
