#pragma once
// AUC: the area under the ROC curve of a binary model, exact.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "labels.hpp"

namespace xtnn {

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

}  // namespace xtnn
