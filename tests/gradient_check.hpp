#pragma once
// Finite-difference gradient checks in double precision, shared by the layer,
// container and loss tests.
#include <cmath>
#include <cstdint>
#include <functional>

#include <xtnn/core/module.hpp>
#include <xtnn/params/model_parameters.hpp>
#include <xtnn/core/random.hpp>
#include <xtnn/core/tensor.hpp>

namespace xtnn::testing {

inline Tensor<double> random_tensor(std::size_t rows, std::size_t cols, std::uint64_t seed,
                                    double scale = 1.0) {
    Rng rng(seed);
    Tensor<double> t = Tensor<double>::from_shape({rows, cols});
    for (auto& v : t) v = scale * rng.normal();
    return t;
}

// Element i in storage order (xtensor's t[i] on a 2-D tensor means t(0, i)).
inline double flat(const Tensor<double>& t, std::size_t i) { return t.data()[i]; }
inline double flat(const std::vector<double>& v, std::size_t i) { return v[i]; }

// ‖a − b‖ / (‖a‖ + ‖b‖), the usual relative error of a gradient check.
template <class A, class B>
double relative_error(const A& a, const B& b) {
    double diff = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double ai = flat(a, i), bi = flat(b, i);
        diff += (ai - bi) * (ai - bi);
        na += ai * ai;
        nb += bi * bi;
    }
    const double denom = std::sqrt(na) + std::sqrt(nb);
    return denom == 0 ? 0 : std::sqrt(diff) / denom;
}

struct GradientErrors {
    double input = 0;
    double parameters = 0;
};

// Checks d/dθ of L = Σ R ⊙ module(X) for the input X and every trainable
// parameter. `before_forward` runs before every forward pass (e.g. to reseed
// Dropout so each pass draws the same mask).
template <class M>
GradientErrors check_gradients(M& module, Tensor<double> x, Mode mode = Mode::train,
                               const std::function<void(M&)>& before_forward = {},
                               double h = 1e-5) {
    auto run = [&](const Tensor<double>& input) -> const Tensor<double>& {
        if (before_forward) before_forward(module);
        return module.forward(input, mode);
    };
    const Tensor<double>& y0 = run(x);
    const Tensor<double> weights = random_tensor(y0.shape(0), y0.shape(1), 99);
    auto loss = [&](const Tensor<double>& input) {
        const Tensor<double>& y = run(input);
        double s = 0;
        for (std::size_t i = 0; i < y.size(); ++i) s += weights.data()[i] * y.data()[i];
        return s;
    };

    GradientErrors errors;
    std::vector<double> param_analytic;
    if constexpr (Parametric<M>) zero_gradients(module);
    loss(x);
    const Tensor<double> analytic_dx = module.backward(weights);
    if constexpr (Parametric<M>) {
        auto grads = parameters(module).grads;
        param_analytic.assign(grads.begin(), grads.end());
    }

    Tensor<double> numeric_dx = Tensor<double>::from_shape(x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) {
        double& xi = x.data()[i];
        const double keep = xi;
        xi = keep + h;
        const double up = loss(x);
        xi = keep - h;
        const double down = loss(x);
        xi = keep;
        numeric_dx.data()[i] = (up - down) / (2 * h);
    }
    errors.input = relative_error(analytic_dx, numeric_dx);

    if constexpr (Parametric<M>) {
        auto values = parameters(module).values;
        std::vector<double> numeric(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            const double keep = values[i];
            values[i] = keep + h;
            const double up = loss(x);
            values[i] = keep - h;
            const double down = loss(x);
            values[i] = keep;
            numeric[i] = (up - down) / (2 * h);
        }
        errors.parameters = relative_error(param_analytic, numeric);
    }
    return errors;
}

}  // namespace xtnn::testing
