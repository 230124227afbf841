#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <xtnn/layers/dense.hpp>
#include <xtnn/params/model_parameters.hpp>
#include <xtnn/params/regularizers.hpp>

using namespace xtnn;

TEST_CASE("penalty follows the Keras formulas") {
    const std::vector<double> w{1.0, -2.0, 0.0, 3.0};  // Σ|w| = 6, Σw² = 14
    const std::span<const double> kernel(w);

    CHECK(penalty<double>(NoRegularizer{}, kernel) == 0.0);
    CHECK(penalty<double>(L1(0.1), kernel) == doctest::Approx(0.6));
    CHECK(penalty<double>(L2(0.01), kernel) == doctest::Approx(0.14));
    CHECK(penalty<double>(L1L2(0.1, 0.01), kernel) == doctest::Approx(0.74));
}

TEST_CASE("penalty accepts float kernels and accumulates in double") {
    const std::vector<float> w{0.5f, -0.5f};
    CHECK(penalty<float>(L1L2(1.0, 1.0), std::span<const float>(w)) == doctest::Approx(1.5));
}

TEST_CASE("add_penalty_gradient adds l1*sign(w) + 2*l2*w on top of the existing gradient") {
    const std::vector<double> w{1.0, -2.0, 0.0};
    std::vector<double> grad{10.0, 10.0, 10.0};
    add_penalty_gradient<double>(L1L2(0.1, 0.01), w, grad);
    CHECK(grad[0] == doctest::Approx(10.0 + 0.1 + 0.02));
    CHECK(grad[1] == doctest::Approx(10.0 - 0.1 - 0.04));
    CHECK(grad[2] == doctest::Approx(10.0));  // sign(0) = 0

    std::vector<double> untouched{1.0, 2.0, 3.0};
    add_penalty_gradient<double>(NoRegularizer{}, w, untouched);
    CHECK(untouched == std::vector<double>{1.0, 2.0, 3.0});
}

TEST_CASE("add_penalty_gradient matches a finite difference of penalty") {
    std::vector<double> w{0.3, -0.7, 1.1, -0.2};
    const Regularizer reg = L1L2(0.05, 0.2);
    std::vector<double> grad(w.size(), 0.0);
    add_penalty_gradient<double>(reg, w, grad);
    const double h = 1e-6;
    for (std::size_t i = 0; i < w.size(); ++i) {
        const double saved = w[i];
        w[i] = saved + h;
        const double up = penalty<double>(reg, w);
        w[i] = saved - h;
        const double down = penalty<double>(reg, w);
        w[i] = saved;
        CHECK((up - down) / (2 * h) == doctest::Approx(grad[i]).epsilon(1e-8));
    }
}

TEST_CASE("add_penalty_gradient rejects mismatched sizes") {
    const std::vector<float> w{1.0f, 2.0f};
    std::vector<float> grad(3);
    CHECK_THROWS_AS(add_penalty_gradient<float>(L2(0.1), w, grad), xtnn::error);
}

TEST_CASE("negative or non-finite factors are rejected") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(L1{-0.1}, xtnn::error);
    CHECK_THROWS_AS(L2{-1e-3}, xtnn::error);
    CHECK_THROWS_AS((L1L2{0.1, -0.1}), xtnn::error);
    CHECK_THROWS_AS(L2{nan}, xtnn::error);
    CHECK_THROWS_AS(L1{inf}, xtnn::error);
    CHECK_NOTHROW(L2{0.0});
}

TEST_CASE("is_active and describe") {
    CHECK_FALSE(is_active(NoRegularizer{}));
    CHECK_FALSE(is_active(L2(0.0)));
    CHECK(is_active(L1(1e-4)));
    CHECK(is_active(L1L2(0.0, 1e-4)));

    CHECK(describe(NoRegularizer{}) == "None");
    CHECK(describe(L1(0.01)) == "L1(0.01)");
    CHECK(describe(L2(1e-3)) == "L2(0.001)");
    CHECK(describe(L1L2(0.01, 0.001)) == "L1L2(l1=0.01, l2=0.001)");
}

namespace {

// A user penalty: λ·Σ max(|w| − cap, 0)², which leaves weights inside ±cap alone.
struct WeightCap {
    double lambda;
    double cap;

    template <class T>
    double penalty(std::span<const T> kernel) const {
        double sum = 0.0;
        for (const T w : kernel) sum += std::pow(std::max(std::abs(static_cast<double>(w)) - cap, 0.0), 2);
        return lambda * sum;
    }
    template <class T>
    void add_gradient(std::span<const T> kernel, std::span<T> grad) const {
        for (std::size_t i = 0; i < kernel.size(); ++i) {
            const double w = static_cast<double>(kernel[i]);
            const double excess = std::max(std::abs(w) - cap, 0.0);
            grad[i] += static_cast<T>(2.0 * lambda * excess * (w > 0 ? 1.0 : -1.0));
        }
    }
    std::string describe() const { return "WeightCap(" + std::to_string(cap) + ")"; }
};

}  // namespace

TEST_CASE("a user regularizer is used through the same entry points as the built-ins") {
    static_assert(RegularizerFor<WeightCap>);
    static_assert(!RegularizerFor<L2>);
    const Regularizer reg = WeightCap{0.5, 1.0};
    CHECK(is_active(reg));
    CHECK(describe(reg) == "WeightCap(1.000000)");

    const std::vector<double> w = {-3.0, 0.5, 2.0};
    CHECK(penalty<double>(reg, w) == doctest::Approx(0.5 * (4.0 + 1.0)));
    std::vector<float> wf = {-3.f, 0.5f, 2.f};
    std::vector<float> grad = {1.f, 1.f, 1.f};
    const double value = add_penalty_gradient_and_value<float>(reg, std::span<const float>(wf), grad);
    CHECK(value == doctest::Approx(2.5));
    CHECK(grad == std::vector<float>{1.f - 2.f, 1.f, 1.f + 1.f});
    std::vector<float> short_grad(2);
    CHECK_THROWS_AS(add_penalty_gradient<float>(reg, std::span<const float>(wf), short_grad), xtnn::error);
}

TEST_CASE("Dense takes a user regularizer: the model's penalty and gradient are the user's") {
    const WeightCap cap{0.1, 0.05};
    Dense<double> dense(3, 2, cap);
    init_parameters(dense, 5);
    const auto kernel = dense.kernel().values();
    const double expected = cap.penalty<double>(kernel);
    REQUIRE(expected > 0.0);
    CHECK(regularization_penalty(dense) == expected);

    zero_gradients(dense);
    CHECK(add_regularization(dense) == expected);
    std::vector<double> grad(kernel.size(), 0.0);
    cap.add_gradient<double>(kernel, grad);
    const auto kernel_grad = dense.kernel().grads();
    CHECK(std::vector<double>(kernel_grad.begin(), kernel_grad.end()) == grad);
    CHECK(dense.describe().find("WeightCap(0.050000)") != std::string::npos);
}
