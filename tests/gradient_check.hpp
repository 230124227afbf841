#pragma once
// Random inputs and a relative error for the gradient tests (the checker itself
// is the public xtnn::check_gradients, train/check_gradients.hpp).
#include <cmath>
#include <cstdint>

#include <xtnn/core/random.hpp>
#include <xtnn/core/tensor.hpp>
#include <xtnn/train/check_gradients.hpp>

namespace xtnn::testing {

inline Tensor<double> random_tensor(std::size_t rows, std::size_t cols, std::uint64_t seed,
                                    double scale = 1.0) {
    Rng rng(seed);
    Tensor<double> t = Tensor<double>::from_shape({rows, cols});
    for (auto& v : t) v = scale * rng.normal();
    return t;
}

// Standard normal draws in either floating type (float: random_tensor's values, rounded).
template <Real T>
Tensor<T> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    Rng rng(seed);
    Tensor<T> t = Tensor<T>::from_shape({rows, cols});
    for (auto& v : t) v = static_cast<T>(rng.normal());
    return t;
}

// ‖a − b‖ / (‖a‖ + ‖b‖) over two equally long sequences of numbers.
template <class A, class B>
double relative_error(const A& a, const B& b) {
    double diff = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double ai = a.data()[i], bi = b.data()[i];
        diff += (ai - bi) * (ai - bi);
        na += ai * ai;
        nb += bi * bi;
    }
    const double denom = std::sqrt(na) + std::sqrt(nb);
    return denom == 0 ? 0 : std::sqrt(diff) / denom;
}

}  // namespace xtnn::testing
