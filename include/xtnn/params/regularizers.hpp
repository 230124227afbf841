#pragma once
// Weight penalties with Keras semantics: L1 adds l1·Σ|w| to the loss, L2 adds
// l2·Σw² (no ½ factor), L1L2 adds both. A layer applies one to its kernel.
// Any type meeting RegularizerFor is accepted too; the built-ins keep their
// own vectorized loop and only user types pay an indirect call (per kernel and
// step, never per weight).
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "../kernels/elementwise.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"

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

/// A user-defined penalty, for float and double kernels: its value, its
/// gradient added (+=) to `grad`, and the text model summaries show.
template <class R>
concept RegularizerFor =
    std::copy_constructible<R> &&
    requires(const R& r, std::span<const float> kf, std::span<float> gf, std::span<const double> kd,
             std::span<double> gd) {
        { r.penalty(kf) } -> std::convertible_to<double>;
        { r.penalty(kd) } -> std::convertible_to<double>;
        r.add_gradient(kf, gf);
        r.add_gradient(kd, gd);
        { r.describe() } -> std::convertible_to<std::string>;
    };

/// Holds any RegularizerFor type, so Regularizer stays a closed variant whose
/// built-in alternatives keep their fast path.
class CustomRegularizer {
public:
    // The copy constructor must win without asking RegularizerFor<CustomRegularizer>: that question asks
    // whether CustomRegularizer is copyable, which asks this constructor again (clang recurses).
    template <class R>
        requires(!std::same_as<std::remove_cvref_t<R>, CustomRegularizer> && RegularizerFor<R>)
    CustomRegularizer(R regularizer)  // implicit, so a user type converts to Regularizer
        : impl_(std::make_shared<const Holder<R>>(std::move(regularizer))) {}

    template <Real T>
    double penalty(std::span<const T> kernel) const {
        return impl_->penalty(kernel);
    }
    template <Real T>
    void add_gradient(std::span<const T> kernel, std::span<T> grad) const {
        impl_->add_gradient(kernel, grad);
    }
    std::string describe() const { return impl_->describe(); }

private:
    struct Interface {
        virtual ~Interface() = default;
        virtual double penalty(std::span<const float> kernel) const = 0;
        virtual double penalty(std::span<const double> kernel) const = 0;
        virtual void add_gradient(std::span<const float> kernel, std::span<float> grad) const = 0;
        virtual void add_gradient(std::span<const double> kernel, std::span<double> grad) const = 0;
        virtual std::string describe() const = 0;
    };
    template <class R>
    struct Holder final : Interface {
        explicit Holder(R r) : regularizer(std::move(r)) {}
        double penalty(std::span<const float> kernel) const override { return regularizer.penalty(kernel); }
        double penalty(std::span<const double> kernel) const override { return regularizer.penalty(kernel); }
        void add_gradient(std::span<const float> kernel, std::span<float> grad) const override {
            regularizer.add_gradient(kernel, grad);
        }
        void add_gradient(std::span<const double> kernel, std::span<double> grad) const override {
            regularizer.add_gradient(kernel, grad);
        }
        std::string describe() const override { return regularizer.describe(); }
        R regularizer;
    };

    std::shared_ptr<const Interface> impl_;
};

/// Any of the penalties above, or a user type (converted to CustomRegularizer).
using Regularizer = std::variant<NoRegularizer, L1, L2, L1L2, CustomRegularizer>;

namespace detail {

struct PenaltyFactors {
    double l1 = 0.0;
    double l2 = 0.0;
};

// Every built-in regularizer is an L1L2 with some factors zero, so one loop
// serves all. A user regularizer has no factors.
inline PenaltyFactors penalty_factors(const Regularizer& regularizer) {
    struct Visitor {
        PenaltyFactors operator()(NoRegularizer) const { return {}; }
        PenaltyFactors operator()(const L1& r) const { return {r.l1, 0.0}; }
        PenaltyFactors operator()(const L2& r) const { return {0.0, r.l2}; }
        PenaltyFactors operator()(const L1L2& r) const { return {r.l1, r.l2}; }
        PenaltyFactors operator()(const CustomRegularizer&) const { return {}; }
    };
    return std::visit(Visitor{}, regularizer);
}

}  // namespace detail

/// True when the regularizer adds anything, so callers can skip the work
/// otherwise; a user regularizer always counts as active.
inline bool is_active(const Regularizer& regularizer) {
    if (std::holds_alternative<CustomRegularizer>(regularizer)) return true;
    const auto factors = detail::penalty_factors(regularizer);
    return factors.l1 > 0.0 || factors.l2 > 0.0;
}

namespace detail {

// The penalty of `kernel`, and when `grad` is not null its gradient
// l1·sign(w) + 2·l2·w added to `grad`, in one vectorized pass. The sums are
// kept per lane in T over chunks and added up in double: long kernels lose no
// precision. (An explicit loop rather than detail::elementwise: accumulators
// captured by a kernel would live in memory, as the gradient stores may alias
// them.) The loop is compute-bound, so L2 alone, the common case, is compiled
// without the |w| and sign work (WithL1 = false).
template <bool WithL1, Real T>
double penalty_loop(std::span<const T> kernel, T* grad, double l1, double l2) {
    const auto l1_t = static_cast<T>(l1);
    const auto two_l2 = static_cast<T>(2.0 * l2);
    auto slope = [=](auto w) {
        using V = decltype(w);
        if constexpr (WithL1) {
            const V sign = detail::select(w > V(0), V(1), V(0)) - detail::select(w < V(0), V(1), V(0));
            return l1_t * sign + two_l2 * w;
        } else {
            return two_l2 * w;
        }
    };
    using B = xsimd::batch<T>;
    constexpr std::size_t chunk = 4096;
    const T* w = kernel.data();
    const std::size_t n = kernel.size();
    double abs_sum = 0.0;
    double square_sum = 0.0;
    std::size_t i = 0;
    while (i + B::size <= n) {
        B abs_lanes(T(0)), square_lanes(T(0));
        for (const std::size_t end = std::min(n, i + chunk); i + B::size <= end; i += B::size) {
            const B v = B::load_unaligned(w + i);
            if constexpr (WithL1) abs_lanes += xsimd::abs(v);
            square_lanes += v * v;
            if (grad != nullptr) (B::load_unaligned(grad + i) + slope(v)).store_unaligned(grad + i);
        }
        abs_sum += static_cast<double>(xsimd::hadd(abs_lanes));
        square_sum += static_cast<double>(xsimd::hadd(square_lanes));
    }
    for (; i < n; ++i) {
        if constexpr (WithL1) abs_sum += std::abs(static_cast<double>(w[i]));
        square_sum += static_cast<double>(w[i]) * static_cast<double>(w[i]);
        if (grad != nullptr) grad[i] += slope(w[i]);
    }
    return l1 * abs_sum + l2 * square_sum;
}

template <Real T>
double custom_penalty_pass(const CustomRegularizer& regularizer, std::span<const T> kernel, T* grad) {
    if (grad != nullptr) regularizer.add_gradient<T>(kernel, std::span<T>(grad, kernel.size()));
    return regularizer.penalty<T>(kernel);
}

template <Real T>
double penalty_pass(const Regularizer& regularizer, std::span<const T> kernel, T* grad) {
    if (const auto* custom = std::get_if<CustomRegularizer>(&regularizer)) {
        return custom_penalty_pass(*custom, kernel, grad);
    }
    const auto [l1, l2] = penalty_factors(regularizer);
    if (l1 == 0.0 && l2 == 0.0) return 0.0;
    return l1 == 0.0 ? penalty_loop<false>(kernel, grad, l1, l2) : penalty_loop<true>(kernel, grad, l1, l2);
}

inline void check_penalty_gradient_size(std::size_t kernel, std::size_t grad) {
    if (kernel != grad) {
        fail("add_penalty_gradient: kernel has ", kernel, " values but gradient has ", grad);
    }
}

}  // namespace detail

/// The penalty l1·Σ|w| + l2·Σw² of `kernel`, accumulated in double (for a
/// user regularizer, its own penalty).
template <Real T>
double penalty(const Regularizer& regularizer, std::span<const T> kernel) {
    return detail::penalty_pass<T>(regularizer, kernel, nullptr);
}

/// Adds d penalty / d w = l1·sign(w) + 2·l2·w to `grad` (sign(0) = 0, as Keras),
/// or a user regularizer's own gradient.
template <Real T>
void add_penalty_gradient(const Regularizer& regularizer, std::span<const T> kernel,
                          std::span<T> grad) {
    detail::check_penalty_gradient_size(kernel.size(), grad.size());
    detail::penalty_pass<T>(regularizer, kernel, grad.data());
}

/// Both at once, reading the kernel once: adds the gradient to `grad` and
/// returns the penalty (what a training step needs).
template <Real T>
double add_penalty_gradient_and_value(const Regularizer& regularizer, std::span<const T> kernel,
                                      std::span<T> grad) {
    detail::check_penalty_gradient_size(kernel.size(), grad.size());
    return detail::penalty_pass<T>(regularizer, kernel, grad.data());
}

/// Human-readable form for model summaries, e.g. "L2(0.001)"; a user
/// regularizer describes itself.
inline std::string describe(const Regularizer& regularizer) {
    struct Visitor {
        std::string operator()(NoRegularizer) const { return "None"; }
        std::string operator()(const L1& r) const { return detail::concat("L1(", r.l1, ")"); }
        std::string operator()(const L2& r) const { return detail::concat("L2(", r.l2, ")"); }
        std::string operator()(const L1L2& r) const {
            return detail::concat("L1L2(l1=", r.l1, ", l2=", r.l2, ")");
        }
        std::string operator()(const CustomRegularizer& r) const { return r.describe(); }
    };
    return std::visit(Visitor{}, regularizer);
}

}  // namespace xtnn
