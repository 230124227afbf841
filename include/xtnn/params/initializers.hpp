#pragma once
// Weight initializers with Keras definitions. Glorot keeps the activation
// variance steady in both passes (tanh, sigmoid, softmax); He compensates for
// ReLU zeroing half its inputs. All draws come from the caller's Rng, so a
// seed fixes the weights. Any type meeting InitializerFor is accepted too.
#include <cmath>
#include <concepts>
#include <cstddef>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
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

/// The shape of the kernel being initialized: its number of inputs and outputs.
struct FanInfo {
    std::size_t fan_in = 0;
    std::size_t fan_out = 0;
};

/// A user-defined initializer: fills a parameter of either precision. A type
/// that draws nothing may declare `static constexpr bool needs_randomness =
/// false;` so it is applied as soon as a layer is built (as zeros and Constant).
template <class I>
concept InitializerFor = std::copy_constructible<I> &&
                         requires(const I& init, std::span<float> f, std::span<double> d,
                                  const FanInfo& fans, Rng& rng) {
                             init(f, fans, rng);
                             init(d, fans, rng);
                         };

namespace detail {

template <class I>
constexpr bool draws_random_numbers() {
    if constexpr (requires { I::needs_randomness; }) return I::needs_randomness;
    else return true;
}

}  // namespace detail

/// Holds any InitializerFor type behind one indirect call per parameter fill
/// (initialization is not a hot path), so Initializer stays a closed variant.
class CustomInitializer {
public:
    // The copy constructor must win without asking InitializerFor<CustomInitializer>: that question asks
    // whether CustomInitializer is copyable, which asks this constructor again (clang recurses).
    template <class I>
        requires(!std::same_as<std::remove_cvref_t<I>, CustomInitializer> && InitializerFor<I>)
    CustomInitializer(I init)  // implicit, so a user type converts to Initializer
        : impl_(std::make_shared<const Holder<I>>(std::move(init))),
          needs_randomness_(detail::draws_random_numbers<I>()) {}

    template <Real T>
    void operator()(std::span<T> values, const FanInfo& fans, Rng& rng) const {
        impl_->fill(values, fans, rng);
    }
    bool needs_randomness() const { return needs_randomness_; }

private:
    struct Interface {
        virtual ~Interface() = default;
        virtual void fill(std::span<float> values, const FanInfo& fans, Rng& rng) const = 0;
        virtual void fill(std::span<double> values, const FanInfo& fans, Rng& rng) const = 0;
    };
    template <class I>
    struct Holder final : Interface {
        explicit Holder(I i) : init(std::move(i)) {}
        void fill(std::span<float> values, const FanInfo& fans, Rng& rng) const override {
            init(values, fans, rng);
        }
        void fill(std::span<double> values, const FanInfo& fans, Rng& rng) const override {
            init(values, fans, rng);
        }
        I init;
    };

    std::shared_ptr<const Interface> impl_;
    bool needs_randomness_;
};

/// Any of the initializers above, or a user type (converted to CustomInitializer).
using Initializer =
    std::variant<GlorotUniform, GlorotNormal, HeUniform, HeNormal, Zeros, Constant, CustomInitializer>;

/// False for initializers that draw nothing (zeros, Constant, user types that say so).
inline bool needs_randomness(const Initializer& initializer) {
    if (const auto* custom = std::get_if<CustomInitializer>(&initializer)) return custom->needs_randomness();
    return !std::holds_alternative<Zeros>(initializer) && !std::holds_alternative<Constant>(initializer);
}

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
        void operator()(const CustomInitializer& custom) const {
            custom(values, FanInfo{fan_in, fan_out}, rng);
        }
    };
    std::visit(Visitor{values, fan_in, fan_out, rng}, initializer);
}

}  // namespace xtnn
