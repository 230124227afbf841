#pragma once
// Per-column affine scalers, x' = (x - offset) / scale, fitted on the training
// split only and then applied unchanged to every split (fitting on validation
// or test data would leak it into training).
//
//   StandardScaler: offset "mean", scale = population std (ddof 0, as sklearn)
//   MinMaxScaler:   offset "min",  scale = max - min, mapping onto [0, 1]
//                   (note: sklearn's scale_ is the reciprocal, 1 / (max - min))
//
// A constant column gets scale 1, so it maps to 0 instead of NaN.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../core/check_finite.hpp"

namespace xtnn {
namespace detail {

// State, validation and transforms shared by the scalers. Derived supplies
// fit(X) and the static names `scaler_name` and `offset_name`.
template <Real T, class Derived>
class AffineColumnScaler {
public:
    bool fitted() const { return !scale_.empty(); }
    std::size_t columns() const { return scale_.size(); }
    const std::vector<T>& scale() const { return scale_; }

    void transform_inplace(Tensor<T>& X) const {
        check_input(X, "transform");
        for (std::size_t r = 0; r < X.shape(0); ++r) {
            T* row = X.data() + r * columns();
            for (std::size_t c = 0; c < columns(); ++c) row[c] = (row[c] - offset_[c]) / scale_[c];
        }
    }

    Tensor<T> transform(const Tensor<T>& X) const {
        Tensor<T> result = X;
        transform_inplace(result);
        return result;
    }

    Tensor<T> fit_transform(const Tensor<T>& X) {
        static_cast<Derived&>(*this).fit(X);
        return transform(X);
    }

    Tensor<T> inverse_transform(const Tensor<T>& X) const {
        check_input(X, "inverse_transform");
        Tensor<T> result = X;
        for (std::size_t r = 0; r < result.shape(0); ++r) {
            T* row = result.data() + r * columns();
            for (std::size_t c = 0; c < columns(); ++c) row[c] = row[c] * scale_[c] + offset_[c];
        }
        return result;
    }

    // Restores a saved state after validating it (equal non-zero lengths,
    // finite values, positive scales); on failure the scaler is left unfitted.
    void set_state(std::vector<T> offset, std::vector<T> scale) {
        offset_ = std::move(offset);
        scale_ = std::move(scale);
        validate_state();
    }

    // Calls f(name, values) for each state array, for saving and loading.
    // Values loaded through it are validated as by set_state; a state that
    // stays empty (an unfitted scaler was saved) leaves the scaler unfitted.
    template <class F>
    void visit_state(F&& f) {
        f(std::string_view(Derived::offset_name), offset_);
        f(std::string_view("scale"), scale_);
        if (!offset_.empty() || !scale_.empty()) validate_state();
    }

    template <class F>
    void visit_state(F&& f) const {
        f(std::string_view(Derived::offset_name), std::as_const(offset_));
        f(std::string_view("scale"), std::as_const(scale_));
    }

protected:
    const std::vector<T>& offset() const { return offset_; }

    // `column_fit(first, stride, rows)` returns {offset, spread} of one column.
    template <class ColumnFit>
    void fit_columns(const Tensor<T>& X, ColumnFit&& column_fit) {
        const std::string who = concat(Derived::scaler_name, ".fit");
        if (X.shape(0) == 0) fail(who, ": needs at least one row");
        check_finite(X, who);
        const std::size_t n = X.shape(1);
        std::vector<T> offset(n);
        std::vector<T> scale(n);
        for (std::size_t c = 0; c < n; ++c) {
            const auto [center, spread] = column_fit(X.data() + c, n, X.shape(0));
            offset[c] = static_cast<T>(center);
            scale[c] = spread > 0.0 ? static_cast<T>(spread) : T{1};
        }
        set_state(std::move(offset), std::move(scale));
    }

private:
    void check_input(const Tensor<T>& X, std::string_view operation) const {
        if (!fitted()) fail(Derived::scaler_name, ".", operation, ": called before fit");
        check_columns(X, columns(), concat(Derived::scaler_name, ".", operation));
    }

    void validate_state() {
        std::string problem;
        if (scale_.empty() || offset_.size() != scale_.size()) {
            problem = concat("'", Derived::offset_name, "' has ", offset_.size(),
                             " values and 'scale' has ", scale_.size(),
                             " (need the same, non-zero count)");
        }
        for (std::size_t c = 0; problem.empty() && c < scale_.size(); ++c) {
            if (!std::isfinite(offset_[c]) || !std::isfinite(scale_[c]) || !(scale_[c] > 0)) {
                problem =
                    concat("column ", c, " has ", Derived::offset_name, " ", offset_[c],
                           " and scale ", scale_[c], " (need finite values and a positive scale)");
            }
        }
        if (!problem.empty()) {
            offset_.clear();
            scale_.clear();
            fail(Derived::scaler_name, ": invalid state: ", problem);
        }
    }

    std::vector<T> offset_;
    std::vector<T> scale_;
};

struct ColumnFit {
    double center;
    double spread;
};

}  // namespace detail

template <Real T>
class StandardScaler : public detail::AffineColumnScaler<T, StandardScaler<T>> {
public:
    static constexpr std::string_view scaler_name = "StandardScaler";
    static constexpr std::string_view offset_name = "mean";

    void fit(const Tensor<T>& X) {
        this->fit_columns(X, [](const T* first, std::size_t stride, std::size_t rows) {
            // Corrected two-pass, in double whatever T is: the second pass
            // cancels the rounding error of the first mean, so a constant
            // column gets a spread of exactly 0 (a naive pass leaves ~1e-13,
            // which would then blow its values up instead of mapping them to 0).
            const auto n = static_cast<double>(rows);
            double sum = 0.0;
            for (std::size_t r = 0; r < rows; ++r) sum += first[r * stride];
            const double rough_mean = sum / n;
            double deviation_sum = 0.0;
            double square_sum = 0.0;
            for (std::size_t r = 0; r < rows; ++r) {
                const double d = first[r * stride] - rough_mean;
                deviation_sum += d;
                square_sum += d * d;
            }
            const double variance = (square_sum - deviation_sum * deviation_sum / n) / n;
            return detail::ColumnFit{rough_mean + deviation_sum / n,
                                     std::sqrt(std::max(variance, 0.0))};
        });
    }

    const std::vector<T>& mean() const { return this->offset(); }
};

template <Real T>
class MinMaxScaler : public detail::AffineColumnScaler<T, MinMaxScaler<T>> {
public:
    static constexpr std::string_view scaler_name = "MinMaxScaler";
    static constexpr std::string_view offset_name = "min";

    void fit(const Tensor<T>& X) {
        this->fit_columns(X, [](const T* first, std::size_t stride, std::size_t rows) {
            T lo = first[0];
            T hi = first[0];
            for (std::size_t r = 1; r < rows; ++r) {
                lo = std::min(lo, first[r * stride]);
                hi = std::max(hi, first[r * stride]);
            }
            return detail::ColumnFit{static_cast<double>(lo),
                                     static_cast<double>(hi) - static_cast<double>(lo)};
        });
    }

    const std::vector<T>& min() const { return this->offset(); }
};

}  // namespace xtnn
