#pragma once
// Test helpers around the public xtnn::check_gradients (train/check_gradients.hpp):
// random inputs, and the older two-number summary some tests still read.
#include <algorithm>
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

// The worst element error of the input gradient and of all parameter gradients.
struct GradientErrors {
    double input = 0;
    double parameters = 0;
};

template <class M>
GradientErrors check_gradients(M& module, Tensor<double> x, Mode mode = Mode::train) {
    const GradientReport report = xtnn::check_gradients(module, std::move(x), {.mode = mode});
    GradientErrors errors{.input = report.per_tensor.front().error};
    for (std::size_t k = 1; k < report.per_tensor.size(); ++k) {
        errors.parameters = std::max(errors.parameters, report.per_tensor[k].error);
    }
    return errors;
}

}  // namespace xtnn::testing
