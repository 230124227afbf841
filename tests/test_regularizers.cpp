#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <span>
#include <vector>

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
