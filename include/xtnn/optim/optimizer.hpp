#pragma once
// What every optimizer shares: hyper-parameter checks, the learning rate, the
// step count, and binding to one flat parameter buffer. Optimizers step the
// model's whole parameter block in one pass and keep their state in vectors
// sized on the first step, so no step after it allocates.
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../params/optimizer_state.hpp"

namespace xtnn {

namespace detail {

inline double checked_non_negative(double value, std::string_view who, std::string_view what) {
    if (!(std::isfinite(value) && value >= 0.0)) {
        fail(who, ": ", what, " must be finite and >= 0, got ", value);
    }
    return value;
}

inline double checked_positive(double value, std::string_view who, std::string_view what) {
    if (!(std::isfinite(value) && value > 0.0)) {
        fail(who, ": ", what, " must be finite and > 0, got ", value);
    }
    return value;
}

// Decay rates and momenta: 1 would never forget, above 1 diverges.
inline double checked_decay_rate(double value, std::string_view who, std::string_view what) {
    if (!(value >= 0.0 && value < 1.0)) fail(who, ": ", what, " must be in [0, 1), got ", value);
    return value;
}

}  // namespace detail

/// The shared part of SGD, Adam, AdamW and RMSProp. `Derived` provides
/// `visit_state(f)` over its state vectors; `Options` holds the hyper-parameters,
/// including `learning_rate`.
template <class Derived, Real T, class Options>
class OptimizerBase {
public:
    using value_type = T;

    /// The current learning rate.
    double learning_rate() const noexcept { return options_.learning_rate; }

    /// Changes the learning rate from the next step on (schedules, callbacks).
    void set_learning_rate(double learning_rate) {
        options_.learning_rate =
            detail::checked_non_negative(learning_rate, name_, "learning rate");
    }

    /// The hyper-parameters, with the current learning rate.
    const Options& options() const noexcept { return options_; }

    /// Steps taken since construction or reset().
    std::uint64_t iterations() const noexcept { return iterations_; }

    /// Restores the step count together with state loaded through visit_state.
    void set_iterations(std::uint64_t iterations) noexcept { iterations_ = iterations; }

    /// Forgets all state and the step count; the next step may have a new parameter count.
    void reset() {
        derived().visit_state([](std::string_view, std::vector<T>& buffer) { buffer.clear(); });
        iterations_ = 0;
        bound_size_.reset();
    }

    /// Short lowercase name, as Keras: "sgd", "adam", ...
    std::string_view name() const noexcept { return name_; }

protected:
    OptimizerBase(const Options& options, std::string_view name) : options_(options), name_(name) {
        set_learning_rate(options.learning_rate);
    }

    // Checks the buffers and counts the step; returns its number t ≥ 1. The
    // first step after construction or reset() binds to the parameter count
    // and zero-fills empty state vectors; state restored through visit_state
    // is kept if its size fits.
    std::uint64_t begin_step(std::span<const T> params, std::span<const T> grads) {
        const std::size_t count = params.size();
        if (grads.size() != count) {
            detail::fail(name_, ": ", count, " parameters but ", grads.size(), " gradients");
        }
        if (bound_size_ && *bound_size_ != count) {
            detail::fail(name_, ": the parameter buffer changed from ", *bound_size_, " to ", count,
                         " values; call reset() before stepping a different model");
        }
        derived().visit_state([&](std::string_view state, std::vector<T>& buffer) {
            if (buffer.empty()) buffer.assign(count, T(0));
            if (buffer.size() != count) {
                detail::fail(name_, ": state '", state, "' holds ", buffer.size(),
                             " values but there are ", count, " parameters");
            }
        });
        bound_size_ = count;
        return ++iterations_;
    }

private:
    Derived& derived() { return static_cast<Derived&>(*this); }

    Options options_;
    std::string_view name_;
    std::uint64_t iterations_ = 0;
    std::optional<std::size_t> bound_size_;
};

/// What `fit` needs of an optimizer: a step over the model's whole parameter
/// block, a learning rate schedules can change, and state a checkpoint can
/// save (OptimizerState).
template <class O>
concept Optimizer = OptimizerState<O> &&
    requires(O optimizer, std::span<typename O::value_type> params,
             std::span<const typename O::value_type> grads, double rate) {
        optimizer.step(params, grads);
        { optimizer.learning_rate() } -> std::convertible_to<double>;
        optimizer.set_learning_rate(rate);
        optimizer.reset();
        { optimizer.name() } -> std::convertible_to<std::string_view>;
    };

}  // namespace xtnn
