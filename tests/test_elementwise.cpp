// The vectorized kernels (detail::elementwise and the layers, penalty and
// optimizer built on it) give what a plain scalar loop gives: the xsimd batches
// and the scalar tail must agree element for element.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

namespace {

// Sizes around the batch width, so both the batch loop and the tail run.
const std::size_t sizes[] = {1, 3, 4, 5, 8, 13, 64, 1001};

template <class T>
std::vector<T> values(std::size_t n, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<T> v(n);
    for (auto& x : v) x = static_cast<T>(rng.normal(0.0, 3.0));
    if (n > 2) v[1] = T(0);  // the kink of ReLU, sign(0) = 0
    return v;
}

template <class T>
Tensor<T> row(const std::vector<T>& v) {
    Tensor<T> t = Tensor<T>::from_shape({1, v.size()});
    std::copy(v.begin(), v.end(), t.begin());
    return t;
}

}  // namespace

TEST_CASE_TEMPLATE("elementwise writes mutable buffers back and leaves read-only ones alone", T, float, double) {
    for (const std::size_t n : sizes) {
        const std::vector<T> a = values<T>(n, 1);
        std::vector<T> b = values<T>(n, 2);
        const std::vector<T> b0 = b;
        detail::elementwise(n, [](auto x, auto& y) { y = y * x + x; }, a.data(), b.data());
        for (std::size_t i = 0; i < n; ++i) CHECK(b[i] == b0[i] * a[i] + a[i]);
    }
}

TEST_CASE_TEMPLATE("vectorized activations equal their scalar form", T, float, double) {
    for (const std::size_t n : sizes) {
        const std::vector<T> x = values<T>(n, 3);
        const Tensor<T> input = row(x);
        ReLU relu;
        Sigmoid sigmoid;
        const Tensor<T>& r = relu.forward(input, Mode::train);
        const Tensor<T>& s = sigmoid.forward(input, Mode::train);
        const Tensor<T> g = row(values<T>(n, 4));
        const Tensor<T>& dr = relu.backward(g);
        for (std::size_t i = 0; i < n; ++i) {
            CHECK(r.data()[i] == (x[i] > 0 ? x[i] : T(0)));
            CHECK(dr.data()[i] == g.data()[i] * (x[i] > 0 ? T(1) : T(0)));
            const double expected = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
            CHECK(static_cast<double>(s.data()[i]) == doctest::Approx(expected).epsilon(1e-6));
        }
    }
}

TEST_CASE("Dropout masks are 0 or the survivor scale and apply to forward and backward alike") {
    for (const std::size_t n : sizes) {
        Dropout drop(0.3, 5);
        const std::vector<float> x = values<float>(n, 6);
        const Tensor<float> input = row(x);
        const Tensor<float> out = drop.forward(input, Mode::train);
        const Tensor<float> ones = xt::ones<float>({std::size_t{1}, n});
        const Tensor<float>& mask = drop.backward(ones);
        const auto scale = static_cast<float>(65536.0 / (65536 - 19661));  // threshold = round(0.3·65536)
        for (std::size_t i = 0; i < n; ++i) {
            CHECK((mask.data()[i] == 0.0F || mask.data()[i] == scale));
            CHECK(out.data()[i] == x[i] * mask.data()[i]);
        }
    }
}

TEST_CASE_TEMPLATE("the fused penalty pass equals the scalar formulas", T, float, double) {
    for (const std::size_t n : {std::size_t{7}, std::size_t{4099}, std::size_t{100003}}) {
        const std::vector<T> w = values<T>(n, 7);
        std::vector<T> grad = values<T>(n, 8);
        const std::vector<T> grad0 = grad;
        const L1L2 reg(0.01, 0.001);
        double abs_sum = 0, square_sum = 0;
        for (const T v : w) {
            abs_sum += std::abs(static_cast<double>(v));
            square_sum += static_cast<double>(v) * static_cast<double>(v);
        }
        const double value = add_penalty_gradient_and_value<T>(reg, w, grad);
        CHECK(value == doctest::Approx(0.01 * abs_sum + 0.001 * square_sum).epsilon(1e-6));
        CHECK(penalty<T>(reg, w) == value);
        for (std::size_t i = 0; i < n; ++i) {
            const T sign = static_cast<T>((w[i] > 0) - (w[i] < 0));
            CHECK(grad[i] == grad0[i] + (T(0.01) * sign + T(2 * 0.001) * w[i]));
        }
    }
}

TEST_CASE_TEMPLATE("detail::sum equals the exact sum up to rounding, for every length", T, float, double) {
    CHECK(detail::sum<T>(nullptr, 0) == T(0));
    for (const std::size_t n : sizes) {
        CAPTURE(n);
        const std::vector<T> v = values<T>(n, 7 + n);
        long double exact = 0, magnitude = 0;
        for (const T x : v) {
            exact += x;
            magnitude += std::abs(static_cast<long double>(x));
        }
        const long double error = std::abs(static_cast<long double>(detail::sum(v.data(), n)) - exact);
        CHECK(error <= static_cast<long double>(n) * std::numeric_limits<T>::epsilon() * magnitude);
    }
}
