#pragma once
// Weight initializers with Keras definitions. Glorot keeps the activation
// variance steady in both passes (tanh, sigmoid, softmax); He compensates for
// ReLU zeroing half its inputs. All draws come from the caller's Rng, so a
// seed fixes the weights.
#include <cmath>
#include <cstddef>
#include <span>
#include <variant>

#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/tensor.hpp"

namespace xtnn {

/// Uniform in ±sqrt(6 / (fan_in + fan_out)).
struct GlorotUniform {};
/// Truncated normal with variance 2 / (fan_in + fan_out).
struct GlorotNormal {};
/// Uniform in ±sqrt(6 / fan_in).
struct HeUniform {};
/// Truncated normal with variance 2 / fan_in.
struct HeNormal {};
/// All zeros; the usual bias initializer.
struct Zeros {};
/// Every value equal to `value`.
struct Constant {
    double value;
    explicit Constant(double constant_value) : value(constant_value) {
        if (!std::isfinite(value)) detail::fail("Constant initializer: value must be finite");
    }
};

/// Any of the initializers above.
using Initializer = std::variant<GlorotUniform, GlorotNormal, HeUniform, HeNormal, Zeros, Constant>;

/// Ready-made instances with the Keras names; xavier_* are the same as glorot_*.
inline constexpr GlorotUniform glorot_uniform{};
inline constexpr GlorotNormal glorot_normal{};
inline constexpr GlorotUniform xavier_uniform{};
inline constexpr GlorotNormal xavier_normal{};
inline constexpr HeUniform he_uniform{};
inline constexpr HeNormal he_normal{};
inline constexpr Zeros zeros{};

namespace detail {

// Standard deviation of a unit normal truncated to ±2: dividing by it makes
// the truncated draw have exactly the intended variance (Keras does the same).
inline constexpr double truncated_normal_stddev = 0.87962566103423978;

template <Real T>
void fill_uniform(std::span<T> values, double limit, Rng& rng) {
    for (T& v : values) v = static_cast<T>(rng.uniform(-limit, limit));
}

// Redraws anything beyond two standard deviations, as Keras' truncated normal.
template <Real T>
void fill_truncated_normal(std::span<T> values, double variance, Rng& rng) {
    const double stddev = std::sqrt(variance) / truncated_normal_stddev;
    for (T& v : values) {
        double z = rng.normal();
        while (std::abs(z) > 2.0) z = rng.normal();
        v = static_cast<T>(stddev * z);
    }
}

inline double positive_fan(std::size_t fan, const char* what) {
    if (fan == 0) fail("initialize: ", what, " must be positive");
    return static_cast<double>(fan);
}

}  // namespace detail

/// Fills `values` (a kernel with `fan_in` inputs and `fan_out` outputs) from `rng`.
template <Real T>
void initialize(const Initializer& initializer, std::span<T> values, std::size_t fan_in,
                std::size_t fan_out, Rng& rng) {
    struct Visitor {
        std::span<T> values;
        std::size_t fan_in;
        std::size_t fan_out;
        Rng& rng;

        double glorot_fan() const {
            return detail::positive_fan(fan_in + fan_out, "fan_in + fan_out");
        }
        double he_fan() const { return detail::positive_fan(fan_in, "fan_in"); }

        void operator()(GlorotUniform) const {
            detail::fill_uniform(values, std::sqrt(6.0 / glorot_fan()), rng);
        }
        void operator()(GlorotNormal) const {
            detail::fill_truncated_normal(values, 2.0 / glorot_fan(), rng);
        }
        void operator()(HeUniform) const {
            detail::fill_uniform(values, std::sqrt(6.0 / he_fan()), rng);
        }
        void operator()(HeNormal) const {
            detail::fill_truncated_normal(values, 2.0 / he_fan(), rng);
        }
        void operator()(Zeros) const {
            for (T& v : values) v = T(0);
        }
        void operator()(const Constant& c) const {
            for (T& v : values) v = static_cast<T>(c.value);
        }
    };
    std::visit(Visitor{values, fan_in, fan_out, rng}, initializer);
}

}  // namespace xtnn
