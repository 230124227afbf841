#pragma once
// KBinsDiscretizer: each feature cut into bins fitted on the training split,
// then replaced by its bin index (ordinal) or by one indicator column per bin
// (one_hot), as scikit-learn's KBinsDiscretizer with encode "ordinal" or
// "onehot-dense" and strategy "uniform" or "quantile":
//
//   uniform:  n_bins bins of equal width between the feature's min and max
//   quantile: edges at the feature's percentiles 0, 100/n_bins, ..., 100
//             (NumPy's linear method); bins narrower than 1e-8 are dropped as
//             scikit-learn drops them, so a feature with many ties may get
//             fewer bins: n_bins() tells how many each feature got
//
// A value's bin is the number of inner edges <= it (values beyond the training
// range fall into the first or last bin). A constant feature gets one bin and
// maps to 0, as in scikit-learn (which warns). One-hot output is
// output_width() = the sum of n_bins() wide, feature after feature.
// inverse_transform maps each bin to its centre; for a constant feature that
// is its value (scikit-learn gives NaN).
//
// Stricter than scikit-learn: fewer training rows than n_bins is an error
// (scikit-learn drops the empty bins it would get), NaN or Inf is an error
// everywhere, and every row is used (no subsampling).
#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "fitted_transform.hpp"
#include "numpy_math.hpp"

namespace xtnn {

enum class BinStrategy { uniform, quantile };
enum class BinEncoding { ordinal, one_hot };

struct KBinsOptions {
    std::size_t n_bins = 5;  // at least 2
    BinStrategy strategy = BinStrategy::quantile;
    BinEncoding encode = BinEncoding::one_hot;
};

template <Real T>
class KBinsDiscretizer : public detail::FittedTransform<T, KBinsDiscretizer<T>> {
public:
    static constexpr std::string_view name = "KBinsDiscretizer";

    explicit KBinsDiscretizer(KBinsOptions options = {}) : options_(options) {
        if (options_.n_bins < 2) detail::fail(name, ": n_bins must be at least 2, got ", options_.n_bins);
    }

    const KBinsOptions& options() const { return options_; }
    bool fitted() const { return !bins_.empty(); }
    /// Input width (features).
    std::size_t columns() const { return bins_.size(); }
    /// Bins per feature; below options().n_bins where quantile bins collapsed, 1 for a constant feature.
    const std::vector<std::size_t>& n_bins() const { return bins_; }

    /// Columns transform produces: columns() (ordinal) or the sum of n_bins() (one_hot).
    std::size_t output_width() const {
        if (!fitted()) detail::fail(name, ".output_width: called before fit");
        return options_.encode == BinEncoding::ordinal ? columns() : first_bin_.back();
    }

    /// The n_bins()[feature] + 1 edges of one feature, ascending.
    std::span<const T> bin_edges(std::size_t feature) const {
        if (feature >= columns()) detail::fail(name, ".bin_edges: feature ", feature, " of ", columns());
        return std::span<const T>(edges_).subspan(first_edge(feature), bins_[feature] + 1);
    }

    void fit(const Tensor<T>& X) {
        const std::string who = detail::concat(name, ".fit");
        detail::check_fit_input(X, who);
        if (X.shape(0) < options_.n_bins) {
            detail::fail(who, ": ", X.shape(0), " rows are too few for ", options_.n_bins,
                         " bins (need at least one row per bin)");
        }
        std::vector<std::size_t> bins;
        std::vector<T> edges;
        for (std::size_t c = 0; c < X.shape(1); ++c) {
            const std::vector<T> feature_edges = fit_edges(detail::sorted_column(X, c));
            bins.push_back(feature_edges.size() - 1);
            edges.insert(edges.end(), feature_edges.begin(), feature_edges.end());
        }
        set_fitted(std::move(bins), std::move(edges));
    }

    Tensor<T> transform(const Tensor<T>& X) const {
        detail::check_fitted_input(X, fitted(), columns(), detail::concat(name, ".transform"));
        Tensor<T> result = Tensor<T>::from_shape({X.shape(0), output_width()});
        result.fill(T{0});
        for (std::size_t r = 0; r < X.shape(0); ++r) {
            for (std::size_t c = 0; c < columns(); ++c) {
                const std::size_t bin = bin_of(c, X(r, c));
                if (options_.encode == BinEncoding::ordinal) result(r, c) = static_cast<T>(bin);
                else result(r, first_bin_[c] + bin) = T{1};
            }
        }
        return result;
    }

    /// Bin indices (ordinal) or one-hot rows back to the centre of each bin.
    Tensor<T> inverse_transform(const Tensor<T>& binned) const {
        const std::string who = detail::concat(name, ".inverse_transform");
        if (!fitted()) detail::fail(who, ": called before fit");
        check_columns(binned, output_width(), who);
        Tensor<T> result = Tensor<T>::from_shape({binned.shape(0), columns()});
        for (std::size_t r = 0; r < binned.shape(0); ++r) {
            for (std::size_t c = 0; c < columns(); ++c) {
                const std::size_t bin = options_.encode == BinEncoding::ordinal ? ordinal_bin(binned, r, c, who)
                                                                                 : one_hot_bin(binned, r, c, who);
                const T* edge = edges_.data() + first_edge(c) + bin;
                result(r, c) = (edge[0] + edge[1]) * T{0.5};
            }
        }
        return result;
    }

    /// Options, bins per feature and edges are the saved state
    /// (detail::FittedTransform::visit_state): a loaded discretizer transforms
    /// exactly as the saved one, with its options; loaded values are validated,
    /// and on a problem the discretizer is left unfitted. Empty bins and edges
    /// (an unfitted discretizer was saved) leave it unfitted.

private:
    friend class detail::FittedTransform<T, KBinsDiscretizer<T>>;

    struct State {
        std::vector<T> options;  // n_bins, strategy (0 uniform, 1 quantile), encode (0 ordinal, 1 one_hot)
        std::vector<T> n_bins;
        std::vector<T> bin_edges;
    };

    template <class S, class F>
    static void visit(S& state, F& f) {
        f(std::string_view("kbins_discretizer.options"), state.options);
        f(std::string_view("kbins_discretizer.n_bins"), state.n_bins);
        f(std::string_view("kbins_discretizer.bin_edges"), state.bin_edges);
    }

    State state() const {
        State state{{static_cast<T>(options_.n_bins), static_cast<T>(options_.strategy == BinStrategy::quantile),
                     static_cast<T>(options_.encode == BinEncoding::one_hot)},
                    {},
                    edges_};
        for (const std::size_t bins : bins_) state.n_bins.push_back(static_cast<T>(bins));
        return state;
    }

    void restore(State state) {
        KBinsOptions options;
        std::vector<std::size_t> bins;
        const std::string problem = read_state(state, options, bins);
        if (!problem.empty()) {
            set_fitted({}, {});
            detail::fail(name, ": invalid state: ", problem);
        }
        options_ = options;
        set_fitted(std::move(bins), std::move(state.bin_edges));
    }

    // Reads `options` and `bins` from `state`; returns what is wrong, or "".
    static std::string read_state(const State& state, KBinsOptions& options, std::vector<std::size_t>& bins) {
        constexpr std::size_t most = std::size_t{1} << 24;  // counts stay exact in float
        const auto& o = state.options;
        const auto n_bins = o.size() == 3 ? detail::whole_number(o[0], 2, most) : std::nullopt;
        const auto strategy = o.size() == 3 ? detail::whole_number(o[1], 0, 1) : std::nullopt;
        const auto encode = o.size() == 3 ? detail::whole_number(o[2], 0, 1) : std::nullopt;
        if (!n_bins || !strategy || !encode) {
            return "'kbins_discretizer.options' must hold n_bins >= 2, strategy 0 or 1 and encode 0 or 1";
        }
        options = {*n_bins, *strategy == 1 ? BinStrategy::quantile : BinStrategy::uniform,
                   *encode == 1 ? BinEncoding::one_hot : BinEncoding::ordinal};
        std::size_t edge_count = 0;
        for (const T value : state.n_bins) {
            const auto feature_bins = detail::whole_number(value, 1, most);
            if (!feature_bins) return detail::concat("bins per feature must be whole numbers >= 1, got ", value);
            bins.push_back(*feature_bins);
            edge_count += *feature_bins + 1;
        }
        if (edge_count != state.bin_edges.size()) {
            return detail::concat("'kbins_discretizer.bin_edges' has ", state.bin_edges.size(),
                                  " values; the bins per feature need ", edge_count);
        }
        const T* edge = state.bin_edges.data();
        for (std::size_t c = 0; c < bins.size(); edge += bins[c] + 1, ++c) {
            if (!std::is_sorted(edge, edge + bins[c] + 1)) {
                return detail::concat("the bin edges of feature ", c, " are not ascending");
            }
        }
        return {};
    }

    void set_fitted(std::vector<std::size_t> bins, std::vector<T> edges) {
        bins_ = std::move(bins);
        edges_ = std::move(edges);
        first_bin_.assign(1, 0);
        for (const std::size_t b : bins_) first_bin_.push_back(first_bin_.back() + b);
    }

    // A feature's edges start after n_bins + 1 edges of each earlier feature.
    std::size_t first_edge(std::size_t feature) const { return first_bin_[feature] + feature; }

    std::vector<T> fit_edges(const std::vector<double>& sorted) const {
        const double low = sorted.front();
        const double high = sorted.back();
        if (low == high) return {static_cast<T>(low), static_cast<T>(high)};
        const std::size_t count = options_.n_bins + 1;
        if (options_.strategy == BinStrategy::uniform) {
            const std::vector<double> edges = detail::linspace(low, high, count);
            return {edges.begin(), edges.end()};
        }
        const std::vector<double> percents = detail::linspace(0.0, 100.0, count);
        std::vector<T> rounded(count);
        for (std::size_t k = 0; k < count; ++k) rounded[k] = static_cast<T>(detail::percentile_of_sorted(sorted, percents[k]));
        // scikit-learn keeps an edge only if it lies more than 1e-8 above the
        // edge before it (kept or not); the first edge always stays.
        std::vector<T> kept{rounded[0]};
        for (std::size_t k = 1; k < count; ++k) {
            if (static_cast<double>(rounded[k]) - static_cast<double>(rounded[k - 1]) > 1e-8) kept.push_back(rounded[k]);
        }
        // Only a range of at most n_bins * 1e-8 keeps no second edge: one bin then.
        if (kept.size() < 2) return {static_cast<T>(low), static_cast<T>(high)};
        return kept;
    }

    std::size_t bin_of(std::size_t feature, T value) const {
        const T* inner = edges_.data() + first_edge(feature) + 1;
        return static_cast<std::size_t>(std::upper_bound(inner, inner + bins_[feature] - 1, value) - inner);
    }

    std::size_t ordinal_bin(const Tensor<T>& binned, std::size_t r, std::size_t c, std::string_view who) const {
        const auto bin = detail::whole_number(binned(r, c), 0, bins_[c] - 1);
        if (!bin) {
            detail::fail(who, ": row ", r, ", column ", c, " holds ", binned(r, c), "; feature ", c,
                         " takes a bin index from 0 to ", bins_[c] - 1);
        }
        return *bin;
    }

    std::size_t one_hot_bin(const Tensor<T>& binned, std::size_t r, std::size_t c, std::string_view who) const {
        const T* block = &binned(r, first_bin_[c]);
        const std::size_t width = bins_[c];
        const bool zeros_and_ones = std::all_of(block, block + width, [](T v) { return v == T{0} || v == T{1}; });
        if (!zeros_and_ones || std::count(block, block + width, T{1}) != 1) {
            detail::fail(who, ": row ", r, ", columns ", first_bin_[c], " to ", first_bin_[c + 1] - 1,
                         " (feature ", c, ") are not one-hot: need a single 1 among zeros");
        }
        return static_cast<std::size_t>(std::find(block, block + width, T{1}) - block);
    }

    KBinsOptions options_;
    std::vector<std::size_t> bins_;
    std::vector<T> edges_;               // feature after feature, n_bins + 1 each
    std::vector<std::size_t> first_bin_;  // running sum of bins_: each feature's first one-hot column
};

}  // namespace xtnn
