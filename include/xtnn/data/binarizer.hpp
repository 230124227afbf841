#pragma once
// Binarizer: x' = 1 if x > threshold else 0, per feature, as scikit-learn's
// Binarizer (a value equal to the threshold becomes 0). One threshold for all
// features, or one per feature.
//
// scikit-learn's Binarizer learns nothing; this one still wants fit on the
// training split, which fixes the width (the one threshold is repeated per
// feature) so that transform checks it and a checkpoint restores it. Constant
// features need nothing special. There is no inverse_transform (nor in
// scikit-learn): the values are gone.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "fitted_transform.hpp"

namespace xtnn {

template <Real T>
class Binarizer : public detail::FittedTransform<T, Binarizer<T>> {
public:
    static constexpr std::string_view name = "Binarizer";

    /// One threshold for every feature.
    explicit Binarizer(T threshold = T{0}) : requested_{threshold} { check_requested(); }

    /// One threshold per feature: fit then needs exactly that many columns.
    explicit Binarizer(std::vector<T> thresholds) : requested_(std::move(thresholds)), per_feature_(true) {
        if (requested_.empty()) detail::fail(name, ": needs at least one threshold");
        check_requested();
    }

    bool fitted() const { return !threshold_.empty(); }
    std::size_t columns() const { return threshold_.size(); }
    /// One per feature once fitted.
    const std::vector<T>& threshold() const { return threshold_; }

    void fit(const Tensor<T>& X) {
        const std::string who = detail::concat(name, ".fit");
        detail::check_fit_input(X, who);
        if (!per_feature_) {
            threshold_.assign(X.shape(1), requested_[0]);
            return;
        }
        if (X.shape(1) != requested_.size()) {
            detail::fail(who, ": ", requested_.size(), " thresholds (one per feature) for input with ", X.shape(1),
                         " features (", X.shape(0), " x ", X.shape(1), ")");
        }
        threshold_ = requested_;
    }

    void transform_inplace(Tensor<T>& X) const {
        detail::check_fitted_input(X, fitted(), columns(), detail::concat(name, ".transform"));
        for (std::size_t r = 0; r < X.shape(0); ++r) {
            T* row = X.data() + r * columns();
            for (std::size_t c = 0; c < columns(); ++c) row[c] = row[c] > threshold_[c] ? T{1} : T{0};
        }
    }

    Tensor<T> transform(const Tensor<T>& X) const { return this->transformed_copy(X); }

    /// The fitted thresholds, for saving and loading (data/scaler.hpp's
    /// contract); loaded values must be finite, an empty array leaves the
    /// Binarizer unfitted.
    template <class F>
    void visit_state(F&& f) {
        f(std::string_view("binarizer.threshold"), threshold_);
        if (const std::string problem = non_finite(threshold_); !problem.empty()) {
            threshold_.clear();
            detail::fail(name, ": invalid state: 'binarizer.threshold' holds ", problem);
        }
    }

    template <class F>
    void visit_state(F&& f) const {
        f(std::string_view("binarizer.threshold"), std::as_const(threshold_));
    }

private:
    // Names the first non-finite threshold, or is empty.
    static std::string non_finite(const std::vector<T>& thresholds) {
        const auto bad = std::find_if(thresholds.begin(), thresholds.end(), [](T t) { return !std::isfinite(t); });
        if (bad == thresholds.end()) return {};
        return detail::concat("the non-finite value ", *bad, " at index ", bad - thresholds.begin());
    }

    void check_requested() const {
        if (const std::string problem = non_finite(requested_); !problem.empty()) {
            detail::fail(name, ": the thresholds must be finite; got ", problem);
        }
    }

    std::vector<T> requested_;
    bool per_feature_ = false;
    std::vector<T> threshold_;
};

}  // namespace xtnn
