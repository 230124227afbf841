#pragma once
// Weight penalties with Keras semantics: L1 adds l1·Σ|w| to the loss, L2 adds
// l2·Σw² (no ½ factor), L1L2 adds both. A layer applies one to its kernel.
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "error.hpp"
#include "tensor.hpp"

namespace xtnn {

namespace detail {

// A penalty factor must be a finite λ ≥ 0: a negative one would reward large weights.
inline double checked_penalty_factor(double factor, std::string_view who) {
    if (!std::isfinite(factor) || factor < 0.0) {
        fail(who, ": penalty factor must be finite and >= 0, got ", factor);
    }
    return factor;
}

}  // namespace detail

/// No penalty; the default for every layer.
struct NoRegularizer {};

/// Lasso penalty l1·Σ|w|; pushes weights to exactly zero.
struct L1 {
    double l1;
    explicit L1(double l1_factor) : l1(detail::checked_penalty_factor(l1_factor, "L1")) {}
};

/// Ridge (weight-decay) penalty l2·Σw².
struct L2 {
    double l2;
    explicit L2(double l2_factor) : l2(detail::checked_penalty_factor(l2_factor, "L2")) {}
};

/// Elastic-net penalty l1·Σ|w| + l2·Σw².
struct L1L2 {
    double l1;
    double l2;
    explicit L1L2(double l1_factor, double l2_factor)
        : l1(detail::checked_penalty_factor(l1_factor, "L1L2")),
          l2(detail::checked_penalty_factor(l2_factor, "L1L2")) {}
};

/// Any of the penalties above.
using Regularizer = std::variant<NoRegularizer, L1, L2, L1L2>;

namespace detail {

struct PenaltyFactors {
    double l1 = 0.0;
    double l2 = 0.0;
};

// Every regularizer is an L1L2 with some factors zero, so one loop serves all.
inline PenaltyFactors penalty_factors(const Regularizer& regularizer) {
    struct Visitor {
        PenaltyFactors operator()(NoRegularizer) const { return {}; }
        PenaltyFactors operator()(const L1& r) const { return {r.l1, 0.0}; }
        PenaltyFactors operator()(const L2& r) const { return {0.0, r.l2}; }
        PenaltyFactors operator()(const L1L2& r) const { return {r.l1, r.l2}; }
    };
    return std::visit(Visitor{}, regularizer);
}

}  // namespace detail

/// True when the regularizer adds anything, so callers can skip the work otherwise.
inline bool is_active(const Regularizer& regularizer) {
    const auto factors = detail::penalty_factors(regularizer);
    return factors.l1 > 0.0 || factors.l2 > 0.0;
}

/// The penalty l1·Σ|w| + l2·Σw² of `kernel`, accumulated in double.
template <Real T>
double penalty(const Regularizer& regularizer, std::span<const T> kernel) {
    const auto [l1, l2] = detail::penalty_factors(regularizer);
    double abs_sum = 0.0;
    double square_sum = 0.0;
    for (const T w : kernel) {
        const auto x = static_cast<double>(w);
        abs_sum += std::abs(x);
        square_sum += x * x;
    }
    return l1 * abs_sum + l2 * square_sum;
}

/// Adds d penalty / d w = l1·sign(w) + 2·l2·w to `grad` (sign(0) = 0, as Keras).
template <Real T>
void add_penalty_gradient(const Regularizer& regularizer, std::span<const T> kernel,
                          std::span<T> grad) {
    if (kernel.size() != grad.size()) {
        detail::fail("add_penalty_gradient: kernel has ", kernel.size(),
                     " values but gradient has ", grad.size());
    }
    const auto [l1, l2] = detail::penalty_factors(regularizer);
    if (l1 == 0.0 && l2 == 0.0) return;
    const auto l1_t = static_cast<T>(l1);
    const auto two_l2 = static_cast<T>(2.0 * l2);
    for (std::size_t i = 0; i < kernel.size(); ++i) {
        const T w = kernel[i];
        const T sign = static_cast<T>((w > T(0)) - (w < T(0)));
        grad[i] += l1_t * sign + two_l2 * w;
    }
}

/// Human-readable form for model summaries, e.g. "L2(0.001)".
inline std::string describe(const Regularizer& regularizer) {
    struct Visitor {
        std::string operator()(NoRegularizer) const { return "None"; }
        std::string operator()(const L1& r) const { return detail::concat("L1(", r.l1, ")"); }
        std::string operator()(const L2& r) const { return detail::concat("L2(", r.l2, ")"); }
        std::string operator()(const L1L2& r) const {
            return detail::concat("L1L2(l1=", r.l1, ", l2=", r.l2, ")");
        }
    };
    return std::visit(Visitor{}, regularizer);
}

}  // namespace xtnn
