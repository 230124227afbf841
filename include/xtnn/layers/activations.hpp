#pragma once
// The elementwise activations: ReLU, LeakyReLU, Sigmoid, Tanh, GELU.
#include <cmath>
#include <numbers>
#include <string>

#include "../error.hpp"
#include "activation.hpp"

namespace xtnn {
namespace ops {

struct ReLU {
    template <class T> T apply(T x) const { return x > T(0) ? x : T(0); }
    template <class T> T derivative(T x, T) const { return x > T(0) ? T(1) : T(0); }
    std::string describe() const { return "ReLU"; }
};

struct LeakyReLU {
    double alpha = 0.01;
    template <class T> T apply(T x) const { return x > T(0) ? x : static_cast<T>(alpha) * x; }
    template <class T> T derivative(T x, T) const { return x > T(0) ? T(1) : static_cast<T>(alpha); }
    std::string describe() const { return detail::concat("LeakyReLU(", alpha, ")"); }
};

struct Sigmoid {
    // Both branches evaluate exp of a non-positive number: never overflows.
    template <class T> T apply(T x) const {
        if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
        const T e = std::exp(x);
        return e / (T(1) + e);
    }
    template <class T> T derivative(T, T y) const { return y * (T(1) - y); }
    std::string describe() const { return "Sigmoid"; }
};

struct Tanh {
    template <class T> T apply(T x) const { return std::tanh(x); }
    template <class T> T derivative(T, T y) const { return T(1) - y * y; }
    std::string describe() const { return "Tanh"; }
};

// Exact GELU, x·Φ(x), as PyTorch's default (not the tanh approximation).
struct GELU {
    template <class T> T apply(T x) const {
        return T(0.5) * x * (T(1) + std::erf(x * static_cast<T>(std::numbers::sqrt2 / 2)));
    }
    template <class T> T derivative(T x, T) const {
        const T cdf = T(0.5) * (T(1) + std::erf(x * static_cast<T>(std::numbers::sqrt2 / 2)));
        const T pdf = std::exp(T(-0.5) * x * x) * static_cast<T>(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2);
        return cdf + x * pdf;
    }
    std::string describe() const { return "GELU"; }
};

}  // namespace ops

struct ReLU : Activation<ops::ReLU> {};

struct LeakyReLU : Activation<ops::LeakyReLU> {
    explicit LeakyReLU(double alpha = 0.01) : Activation<ops::LeakyReLU>(checked(alpha)) {}

private:
    static ops::LeakyReLU checked(double alpha) {
        if (!std::isfinite(alpha) || alpha < 0) {
            detail::fail("LeakyReLU: alpha must be finite and >= 0, got ", alpha);
        }
        return ops::LeakyReLU{alpha};
    }
};

// When a model ends in Sigmoid and is trained with BinaryCrossEntropy, fit
// computes the loss from the Sigmoid's input (logits), so confident
// predictions lose no precision (see train.hpp).
struct Sigmoid : Activation<ops::Sigmoid> {};
struct Tanh : Activation<ops::Tanh> {};
struct GELU : Activation<ops::GELU> {};

}  // namespace xtnn
