#pragma once
// QuantileTransformer: each feature mapped through its own empirical CDF,
// fitted on the training split, onto a uniform distribution on [0, 1] or a
// standard normal one, as scikit-learn's QuantileTransformer:
//
//   fit:       n_quantiles quantiles per feature at the references 0, 1/(n-1),
//              ..., 1 (NumPy's linear percentile), made nondecreasing
//   transform: linear interpolation from the quantiles to the references; on
//              repeated quantiles (ties) the mean of interpolating upwards and
//              downwards. Values at or beyond the first / last quantile map to
//              0 / 1. normal output: Phi^-1 of that, where values within 1e-7 of
//              (or beyond) the first / last quantile map to the clip value
//              Phi^-1(1e-7 - 2^-52) ~ -5.2 / its negation, so nothing is infinite
//   inverse_transform: the reverse interpolation (after Phi for normal output);
//              outside (0, 1) (or within 1e-7 of its ends, normal) it gives
//              the first / last quantile
//
// A constant feature maps to 0 (normal: -5.2) at or below its value and to 1
// (5.2) above it, as in scikit-learn.
//
// Stricter than scikit-learn: fewer training rows than n_quantiles is an error
// (scikit-learn lowers n_quantiles to the row count and warns), NaN or Inf is
// an error (scikit-learn ignores NaN in fit and keeps it), and every row is used
// (scikit-learn samples 100,000 rows of larger sets).
#include <algorithm>
#include <cstddef>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "fitted_transform.hpp"
#include "normal_distribution.hpp"
#include "numpy_math.hpp"

namespace xtnn {

enum class QuantileOutput { uniform, normal };

struct QuantileTransformerOptions {
    std::size_t n_quantiles = 1000;  // at least 2, at most the training rows
    QuantileOutput output = QuantileOutput::uniform;
};

template <Real T>
class QuantileTransformer : public detail::FittedTransform<T, QuantileTransformer<T>> {
public:
    static constexpr std::string_view name = "QuantileTransformer";

    explicit QuantileTransformer(QuantileTransformerOptions options = {}) : options_(options) {
        if (options_.n_quantiles < 2) {
            detail::fail(name, ": n_quantiles must be at least 2, got ", options_.n_quantiles);
        }
        references_ = detail::linspace(0.0, 1.0, options_.n_quantiles);
    }

    const QuantileTransformerOptions& options() const { return options_; }
    bool fitted() const { return !quantiles_.empty(); }
    std::size_t columns() const { return quantiles_.size() / options_.n_quantiles; }

    /// The n_quantiles fitted quantiles of one feature, nondecreasing.
    std::span<const T> quantiles(std::size_t feature) const {
        if (feature >= columns()) detail::fail(name, ".quantiles: feature ", feature, " of ", columns());
        return std::span<const T>(quantiles_).subspan(feature * options_.n_quantiles, options_.n_quantiles);
    }

    void fit(const Tensor<T>& X) {
        const std::string who = detail::concat(name, ".fit");
        detail::check_fit_input(X, who);
        if (X.shape(0) < options_.n_quantiles) {
            detail::fail(who, ": ", X.shape(0), " rows are too few for n_quantiles = ", options_.n_quantiles,
                         " (need at least that many rows; lower n_quantiles)");
        }
        std::vector<T> quantiles;
        quantiles.reserve(X.shape(1) * options_.n_quantiles);
        for (std::size_t c = 0; c < X.shape(1); ++c) {
            const std::vector<double> sorted = detail::sorted_column(X, c);
            // Percentiles in percent, as scikit-learn passes them to NumPy.
            for (const double reference : references_) {
                quantiles.push_back(static_cast<T>(detail::percentile_of_sorted(sorted, reference * 100.0)));
            }
            // Rounding can break monotonicity between nearly equal quantiles (numpy#14685).
            const auto first = quantiles.end() - static_cast<std::ptrdiff_t>(options_.n_quantiles);
            std::partial_sum(first, quantiles.end(), first, [](T a, T b) { return std::max(a, b); });
        }
        quantiles_ = std::move(quantiles);
    }

    void transform_inplace(Tensor<T>& X) const { map_inplace(X, "transform", &QuantileTransformer::forward); }

    Tensor<T> transform(const Tensor<T>& X) const { return this->transformed_copy(X); }

    Tensor<T> inverse_transform(const Tensor<T>& X) const {
        Tensor<T> result = X;
        map_inplace(result, "inverse_transform", &QuantileTransformer::inverse);
        return result;
    }

    /// Options and quantiles are the saved state (detail::FittedTransform::visit_state):
    /// a loaded transformer maps exactly as the saved one, with its options; loaded
    /// values are validated, and on a problem the transformer is left unfitted.
    /// Empty quantiles (an unfitted transformer was saved) leave it unfitted.

private:
    friend class detail::FittedTransform<T, QuantileTransformer<T>>;

    // scikit-learn's BOUNDS_THRESHOLD: how close to the ends the normal output is clipped.
    static constexpr double bounds_threshold = 1e-7;

    struct State {
        std::vector<T> options;  // n_quantiles, output (0 uniform, 1 normal)
        std::vector<T> quantiles;
    };

    template <class S, class F>
    static void visit(S& state, F& f) {
        f(std::string_view("quantile_transformer.options"), state.options);
        f(std::string_view("quantile_transformer.quantiles"), state.quantiles);
    }

    State state() const {
        return {{static_cast<T>(options_.n_quantiles), static_cast<T>(options_.output == QuantileOutput::normal)},
                quantiles_};
    }

    void restore(State state) {
        constexpr std::size_t most = std::size_t{1} << 24;  // counts stay exact in float
        const auto& o = state.options;
        const auto n_quantiles = o.size() == 2 ? detail::whole_number(o[0], 2, most) : std::nullopt;
        const auto output = o.size() == 2 ? detail::whole_number(o[1], 0, 1) : std::nullopt;
        std::string problem;
        if (!n_quantiles || !output) {
            problem = "'quantile_transformer.options' must hold n_quantiles >= 2 and output 0 or 1";
        } else if (state.quantiles.size() % *n_quantiles != 0) {
            problem = detail::concat("'quantile_transformer.quantiles' has ", state.quantiles.size(),
                                     " values, not a multiple of n_quantiles = ", *n_quantiles);
        }
        for (std::size_t at = 0; problem.empty() && at < state.quantiles.size(); at += *n_quantiles) {
            const auto feature = state.quantiles.begin() + static_cast<std::ptrdiff_t>(at);
            if (!std::is_sorted(feature, feature + static_cast<std::ptrdiff_t>(*n_quantiles))) {
                problem = detail::concat("the quantiles of feature ", at / *n_quantiles, " are not ascending");
            }
        }
        if (!problem.empty()) {
            quantiles_.clear();
            detail::fail(name, ": invalid state: ", problem);
        }
        options_ = {*n_quantiles, *output == 1 ? QuantileOutput::normal : QuantileOutput::uniform};
        references_ = detail::linspace(0.0, 1.0, options_.n_quantiles);
        quantiles_ = std::move(state.quantiles);
    }

    using Map = double (QuantileTransformer::*)(double, std::span<const T>) const;

    void map_inplace(Tensor<T>& X, std::string_view operation, Map map) const {
        detail::check_fitted_input(X, fitted(), columns(), detail::concat(name, ".", operation));
        for (std::size_t c = 0; c < columns(); ++c) {
            const std::span<const T> q = quantiles(c);
            for (std::size_t r = 0; r < X.shape(0); ++r) {
                X(r, c) = static_cast<T>((this->*map)(static_cast<double>(X(r, c)), q));
            }
        }
    }

    double forward(double x, std::span<const T> q) const {
        const std::size_t n = q.size();
        const auto quantile = [&](std::size_t k) { return static_cast<double>(q[k]); };
        const auto reference = [&](std::size_t k) { return references_[k]; };
        // Upwards and downwards (on the mirrored points), so a run of equal
        // quantiles maps to the middle of its references.
        const double up = detail::interp(x, n, quantile, reference);
        const double down = detail::interp(
            -x, n, [&](std::size_t k) { return -quantile(n - 1 - k); },
            [&](std::size_t k) { return -reference(n - 1 - k); });
        double u = 0.5 * (up - down);
        const bool normal = options_.output == QuantileOutput::normal;
        const double margin = normal ? bounds_threshold : 0.0;
        if (normal ? x + margin > quantile(n - 1) : x == quantile(n - 1)) u = 1.0;
        if (normal ? x - margin < quantile(0) : x == quantile(0)) u = 0.0;
        if (!normal) return u;
        return std::clamp(detail::standard_normal_quantile(u), normal_clip().low, normal_clip().high);
    }

    double inverse(double x, std::span<const T> q) const {
        const std::size_t n = q.size();
        const bool normal = options_.output == QuantileOutput::normal;
        const double u = normal ? detail::standard_normal_cdf(x) : x;
        const double margin = normal ? bounds_threshold : 0.0;
        if (normal ? u - margin < 0.0 : u == 0.0) return static_cast<double>(q[0]);
        if (normal ? u + margin > 1.0 : u == 1.0) return static_cast<double>(q[n - 1]);
        return detail::interp(
            u, n, [&](std::size_t k) { return references_[k]; },
            [&](std::size_t k) { return static_cast<double>(q[k]); });
    }

    struct Clip {
        double low;
        double high;
    };

    // The normal output's range, Phi^-1(1e-7 - eps) to Phi^-1(1 - (1e-7 - eps)),
    // each end computed as scikit-learn does.
    static const Clip& normal_clip() {
        static const Clip clip{
            detail::standard_normal_quantile(bounds_threshold - std::numeric_limits<double>::epsilon()),
            detail::standard_normal_quantile(1.0 - (bounds_threshold - std::numeric_limits<double>::epsilon()))};
        return clip;
    }

    QuantileTransformerOptions options_;
    std::vector<double> references_;  // linspace(0, 1, n_quantiles)
    std::vector<T> quantiles_;        // feature after feature, n_quantiles each
};

}  // namespace xtnn
