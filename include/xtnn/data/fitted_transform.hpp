#pragma once
// Checks shared by the fitted column transforms (Binarizer, KBinsDiscretizer,
// QuantileTransformer): fit takes a non-empty, finite training split;
// transform and inverse_transform take finite rows of the fitted width, and
// only after fit. State restored from a checkpoint stores counts and codes as
// floating-point values; whole_number reads them back. FittedTransform gives
// them the members whose logic is the same for all.
#include <cmath>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

#include "../core/check_finite.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"

namespace xtnn::detail {

template <Real T>
void check_fit_input(const Tensor<T>& X, std::string_view who) {
    if (X.shape(0) == 0) fail(who, ": needs at least one row");
    check_finite(X, who);
}

template <Real T>
void check_fitted_input(const Tensor<T>& X, bool fitted, std::size_t width, std::string_view who) {
    if (!fitted) fail(who, ": called before fit");
    check_columns(X, width, who);
    check_finite(X, who);
}

// `value` as a whole number in [low, high], or nullopt if it is not one.
template <Real T>
std::optional<std::size_t> whole_number(T value, std::size_t low, std::size_t high) {
    const auto v = static_cast<double>(value);
    if (!(v >= static_cast<double>(low) && v <= static_cast<double>(high)) || v != std::floor(v)) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(v);
}

// fit_transform, and visit_state (the contract of data/scaler.hpp, for saving
// and loading) over a snapshot: Derived supplies fit, transform, a `State`
// from state(), a static visit(state, f) naming its arrays, and restore(state),
// which validates loaded values (leaving Derived unfitted on a problem).
// Derived befriends this class so the snapshot members can stay private.
template <Real T, class Derived>
class FittedTransform {
public:
    Tensor<T> fit_transform(const Tensor<T>& X) {
        derived().fit(X);
        return derived().transform(X);
    }

    template <class F>
    void visit_state(F&& f) {
        auto state = derived().state();
        Derived::visit(state, f);
        derived().restore(std::move(state));
    }

    template <class F>
    void visit_state(F&& f) const {
        const auto state = static_cast<const Derived&>(*this).state();
        Derived::visit(state, f);
    }

protected:
    // transform for a transform that keeps the width: a copy, transformed in place.
    Tensor<T> transformed_copy(const Tensor<T>& X) const {
        Tensor<T> result = X;
        static_cast<const Derived&>(*this).transform_inplace(result);
        return result;
    }

private:
    Derived& derived() { return static_cast<Derived&>(*this); }
};

}  // namespace xtnn::detail
