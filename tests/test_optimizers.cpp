#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <xtnn/optim/adam.hpp>
#include <xtnn/optim/adamw.hpp>
#include <xtnn/optim/rmsprop.hpp>
#include <xtnn/optim/sgd.hpp>
#include <xtnn/core/random.hpp>

using namespace xtnn;

static_assert(Optimizer<SGD<float>> && Optimizer<SGD<double>>);
static_assert(Optimizer<Adam<float>> && Optimizer<Adam<double>>);
static_assert(Optimizer<AdamW<float>> && Optimizer<AdamW<double>>);
static_assert(Optimizer<RMSProp<float>> && Optimizer<RMSProp<double>>);

namespace {

// f(p) = ½ Σ a_i p_i², minimum at 0, gradient a_i·p_i. Starting point p0 gives
// g0 = (1, −1, 2): both signs and two magnitudes.
const std::vector<double> curvature{1.0, 0.5, 4.0};
const std::vector<double> start{1.0, -2.0, 0.5};

template <class T>
std::vector<T> gradient_of(const std::vector<T>& p) {
    std::vector<T> g(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) g[i] = static_cast<T>(curvature[i]) * p[i];
    return g;
}

template <class O, class T>
void descend(O& optimizer, std::vector<T>& p, int steps = 1) {
    for (int s = 0; s < steps; ++s) {
        const auto g = gradient_of(p);
        optimizer.step(std::span<T>(p), std::span<const T>(g));
    }
}

void check_close(const std::vector<double>& actual, const std::vector<double>& expected) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        INFO("element ", i);
        CHECK(std::abs(actual[i] - expected[i]) < 1e-12);
    }
}

}  // namespace

// ---------------------------------------------------------------- SGD

TEST_CASE("sgd: p -= lr * g, two steps") {
    SGD<double> sgd(0.1);
    auto p = start;
    descend(sgd, p);
    check_close(p, {0.9, -1.9, 0.3});  // p0 − 0.1·(1, −1, 2)
    descend(sgd, p);
    check_close(p, {0.81, -1.805, 0.18});  // g1 = (0.9, −0.95, 1.2)
    CHECK(sgd.iterations() == 2);
    CHECK(sgd.name() == "sgd");
}

TEST_CASE("sgd with momentum: v = mu*v - lr*g, p += v") {
    SGD<double> sgd(0.1, 0.9);
    auto p = start;
    descend(sgd, p);
    check_close(p, {0.9, -1.9, 0.3});  // v1 = (−0.1, 0.1, −0.2)
    descend(sgd, p);
    // g1 = (0.9, −0.95, 1.2); v2 = 0.9·v1 − 0.1·g1 = (−0.18, 0.185, −0.3)
    check_close(p, {0.72, -1.715, 0.0});
}

TEST_CASE("sgd with nesterov momentum: p += mu*v - lr*g") {
    SGD<double> sgd(0.1, 0.9, true);
    auto p = start;
    descend(sgd, p);
    // v1 = (−0.1, 0.1, −0.2); p1 = p0 + 0.9·v1 − 0.1·g0
    check_close(p, {0.81, -1.81, 0.12});
    descend(sgd, p);
    // g1 = (0.81, −0.905, 0.48); v2 = (−0.171, 0.1805, −0.228); p2 = p1 + 0.9·v2 − 0.1·g1
    check_close(p, {0.5751, -1.55705, -0.1332});
}

TEST_CASE("sgd: a learning-rate change applies from the next step") {
    SGD<double> sgd(0.1);
    auto p = start;
    descend(sgd, p);
    sgd.set_learning_rate(0.2);
    CHECK(sgd.learning_rate() == 0.2);
    descend(sgd, p);
    check_close(p, {0.9 - 0.2 * 0.9, -1.9 + 0.2 * 0.95, 0.3 - 0.2 * 1.2});
}

// ---------------------------------------------------------------- Adam

TEST_CASE("adam: the first step moves each parameter by lr*sign(g), up to epsilon") {
    Adam<double> adam(0.1);
    auto p = start;
    descend(adam, p);
    // m̂ = g and v̂ = g² after one step, so the update is lr·g / (|g| + ε).
    const std::vector<double> p1{1.0 - 0.1 / (1.0 + 1e-8), -2.0 + 0.1 / (1.0 + 1e-8),
                                 0.5 - 0.1 * 2.0 / (2.0 + 1e-8)};
    check_close(p, p1);

    descend(adam, p);
    // Step 2: m = 0.09·g0 + 0.1·g1, v = 0.000999·g0² + 0.001·g1², bias corrections
    // 1 − 0.9² = 0.19 and 1 − 0.999² = 0.001999.
    const std::vector<double> g0{1.0, -1.0, 2.0};
    std::vector<double> p2(3);
    for (std::size_t i = 0; i < 3; ++i) {
        const double g1 = curvature[i] * p1[i];
        const double m = 0.09 * g0[i] + 0.1 * g1;
        const double v = 0.000999 * g0[i] * g0[i] + 0.001 * g1 * g1;
        p2[i] = p1[i] - 0.1 * (m / 0.19) / (std::sqrt(v / 0.001999) + 1e-8);
    }
    check_close(p, p2);
    // For instance the first parameter: m̂ = 0.18/0.19, v̂ = 0.001809/0.001999.
    CHECK(p[0] == doctest::Approx(0.9 - 0.1 * (0.18 / 0.19) / std::sqrt(0.001809 / 0.001999)));
}

TEST_CASE("adam: zero gradients leave parameters unchanged and state finite") {
    Adam<double> adam;
    std::vector<double> p{1.0, -2.0, 3.0};
    const std::vector<double> zero(3, 0.0);
    for (int s = 0; s < 5; ++s) adam.step(p, zero);
    CHECK(p == std::vector<double>{1.0, -2.0, 3.0});
    adam.visit_state([](std::string_view, std::vector<double>& buffer) {
        for (const double x : buffer) CHECK(x == 0.0);
    });
}

TEST_CASE("adam: learning rate zero freezes, a new rate applies from the next step") {
    Adam<double> adam(0.0);
    auto p = start;
    descend(adam, p, 3);
    CHECK(p == start);
    adam.set_learning_rate(0.1);
    descend(adam, p);
    // Moments have seen g0 four times: m̂ = g0 and v̂ = g0² again.
    check_close(p, {1.0 - 0.1 / (1.0 + 1e-8), -2.0 + 0.1 / (1.0 + 1e-8),
                    0.5 - 0.1 * 2.0 / (2.0 + 1e-8)});
}

// ---------------------------------------------------------------- AdamW

TEST_CASE("adamw: decoupled decay p *= 1 - lr*wd before the Adam step") {
    AdamW<double> adamw(0.1, 0.1);
    auto p = start;
    descend(adamw, p);
    // The gradient is taken at p0, the decay factor is 1 − 0.1·0.1 = 0.99.
    check_close(p, {0.99 - 0.1 / (1.0 + 1e-8), -1.98 + 0.1 / (1.0 + 1e-8),
                    0.495 - 0.1 * 2.0 / (2.0 + 1e-8)});
    CHECK(adamw.name() == "adamw");
}

TEST_CASE("adamw without decay is Adam") {
    AdamW<double> adamw(0.05, 0.0);
    Adam<double> adam(0.05);
    auto p = start;
    auto q = start;
    descend(adamw, p, 10);
    descend(adam, q, 10);
    CHECK(p == q);
}

TEST_CASE("adamw: zero gradients only decay") {
    AdamW<double> adamw(0.1, 0.5);
    std::vector<double> p{2.0, -4.0};
    const std::vector<double> zero(2, 0.0);
    adamw.step(p, zero);
    adamw.step(p, zero);
    check_close(p, {2.0 * 0.95 * 0.95, -4.0 * 0.95 * 0.95});
}

// ---------------------------------------------------------------- RMSProp

TEST_CASE("rmsprop: s = rho*s + (1-rho)*g^2, p -= lr*g/sqrt(s + eps)") {
    RMSProp<double> rmsprop(0.01);
    auto p = start;
    descend(rmsprop, p);
    // s1 = 0.1·g0² = (0.1, 0.1, 0.4)
    const std::vector<double> p1{1.0 - 0.01 / std::sqrt(0.1 + 1e-7),
                                 -2.0 + 0.01 / std::sqrt(0.1 + 1e-7),
                                 0.5 - 0.01 * 2.0 / std::sqrt(0.4 + 1e-7)};
    check_close(p, p1);
    CHECK(p[0] == doctest::Approx(0.968377239));
    descend(rmsprop, p);
    const std::vector<double> s1{0.1, 0.1, 0.4};
    std::vector<double> p2(3);
    for (std::size_t i = 0; i < 3; ++i) {
        const double g1 = curvature[i] * p1[i];
        const double s2 = 0.9 * s1[i] + 0.1 * g1 * g1;
        p2[i] = p1[i] - 0.01 * g1 / std::sqrt(s2 + 1e-7);
    }
    check_close(p, p2);
}

TEST_CASE("rmsprop with momentum: u = mu*u + lr*g/sqrt(s + eps), p -= u") {
    RMSProp<double> rmsprop(0.01, 0.9, 1e-7, 0.5);
    auto p = start;
    descend(rmsprop, p);
    const std::vector<double> u1{0.01 / std::sqrt(0.1 + 1e-7), -0.01 / std::sqrt(0.1 + 1e-7),
                                 0.01 * 2.0 / std::sqrt(0.4 + 1e-7)};
    const std::vector<double> p1{1.0 - u1[0], -2.0 - u1[1], 0.5 - u1[2]};
    check_close(p, p1);
    descend(rmsprop, p);
    const std::vector<double> s1{0.1, 0.1, 0.4};
    std::vector<double> p2(3);
    for (std::size_t i = 0; i < 3; ++i) {
        const double g1 = curvature[i] * p1[i];
        const double s2 = 0.9 * s1[i] + 0.1 * g1 * g1;
        p2[i] = p1[i] - (0.5 * u1[i] + 0.01 * g1 / std::sqrt(s2 + 1e-7));
    }
    check_close(p, p2);
}

// ---------------------------------------------------------------- shared behaviour

TEST_CASE_TEMPLATE("every optimizer converges to the minimum", T, float, double) {
    auto run = [](auto optimizer, int steps) {
        std::vector<T> p(start.begin(), start.end());
        descend(optimizer, p, steps);
        for (const T x : p) CHECK(std::abs(x) < T(1e-3));
    };
    run(SGD<T>(0.1), 500);
    run(SGD<T>(0.05, 0.9), 500);
    run(SGD<T>(0.05, 0.9, true), 500);
    run(Adam<T>(0.01), 3000);
    run(AdamW<T>(0.01, 0.01), 3000);
    run(RMSProp<T>(0.001), 3000);
    run(RMSProp<T>(0.001, 0.9, 1e-7, 0.5), 3000);
}

TEST_CASE("invalid hyper-parameters throw") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(SGD<double>{nan}, xtnn::error);
    CHECK_THROWS_AS(SGD<double>{inf}, xtnn::error);
    CHECK_THROWS_AS((SGD<double>{0.1, 1.0}), xtnn::error);
    CHECK_THROWS_AS((SGD<double>{0.1, -0.5}), xtnn::error);
    CHECK_THROWS_AS((SGD<double>{0.1, 0.0, true}), xtnn::error);

    CHECK_THROWS_AS((Adam<double>{1e-3, 1.0}), xtnn::error);
    CHECK_THROWS_AS((Adam<double>{1e-3, 0.9, -0.1}), xtnn::error);
    CHECK_THROWS_AS((Adam<double>{1e-3, 0.9, nan}), xtnn::error);
    CHECK_THROWS_AS((Adam<double>{1e-3, 0.9, 0.999, 0.0}), xtnn::error);

    CHECK_THROWS_AS((AdamW<double>{1e-3, -0.01}), xtnn::error);
    CHECK_THROWS_AS((AdamW<double>{1e-3, 0.01, 0.9, 1.0}), xtnn::error);
    CHECK_THROWS_AS((AdamW<double>{inf, 0.01}), xtnn::error);

    CHECK_THROWS_AS((RMSProp<double>{1e-3, 1.0}), xtnn::error);
    CHECK_THROWS_AS((RMSProp<double>{1e-3, 0.9, -1e-7}), xtnn::error);
    CHECK_THROWS_AS((RMSProp<double>{1e-3, 0.9, 1e-7, 1.5}), xtnn::error);

    Adam<float> adam;
    CHECK_THROWS_AS(adam.set_learning_rate(nan), xtnn::error);
    CHECK(adam.learning_rate() == 1e-3);
    CHECK_NOTHROW(adam.set_learning_rate(0.0));
}

TEST_CASE("options structs name the hyper-parameters") {
    const Adam<float> adam(AdamOptions{.learning_rate = 0.01, .beta2 = 0.99});
    CHECK(adam.options().beta1 == 0.9);
    CHECK(adam.options().beta2 == 0.99);
    CHECK(adam.learning_rate() == 0.01);
    const SGD<float> sgd(SGDOptions{.momentum = 0.9, .nesterov = true});
    CHECK(sgd.learning_rate() == 0.01);
    CHECK(sgd.options().nesterov);
    CHECK(AdamW<double>().options().weight_decay == 0.01);
    CHECK(RMSProp<double>().options().epsilon == 1e-7);
    CHECK_THROWS_AS(RMSProp<double>(RMSPropOptions{.rho = -0.1}), xtnn::error);
}

TEST_CASE_TEMPLATE("a different parameter count throws until reset()", O, SGD<double>, Adam<double>,
                   AdamW<double>, RMSProp<double>) {
    O optimizer;
    std::vector<double> p(5, 1.0);
    std::vector<double> g(5, 0.1);
    optimizer.step(p, g);
    std::vector<double> bigger(6, 1.0);
    std::vector<double> bigger_g(6, 0.1);
    CHECK_THROWS_AS(optimizer.step(bigger, bigger_g), xtnn::error);
    CHECK_THROWS_AS(optimizer.step(p, bigger_g), xtnn::error);
    optimizer.reset();
    CHECK(optimizer.iterations() == 0);
    CHECK_NOTHROW(optimizer.step(bigger, bigger_g));
    CHECK(optimizer.iterations() == 1);
}

TEST_CASE("state is sized once and never reallocated") {
    Adam<float> adam;
    std::vector<float> p(100, 1.0f);
    std::vector<float> g(100, 0.5f);
    adam.step(p, g);
    std::map<std::string, const float*> buffers;
    adam.visit_state([&](std::string_view name, std::vector<float>& buffer) {
        CHECK(buffer.size() == 100);
        buffers[std::string(name)] = buffer.data();
    });
    CHECK(buffers.size() == 2);
    for (int s = 0; s < 10; ++s) adam.step(p, g);
    adam.visit_state([&](std::string_view name, std::vector<float>& buffer) {
        CHECK(buffer.data() == buffers[std::string(name)]);
    });
}

TEST_CASE("state names") {
    auto names = [](auto optimizer) {
        std::vector<std::string> seen;
        optimizer.visit_state(
            [&](std::string_view name, auto&) { seen.emplace_back(name); });
        return seen;
    };
    using Names = std::vector<std::string>;
    CHECK(names(SGD<float>()) == Names{});
    CHECK(names(SGD<float>(0.1, 0.9)) == Names{"momentum"});
    CHECK(names(Adam<float>()) == Names{"m", "v"});
    CHECK(names(AdamW<float>()) == Names{"m", "v"});
    CHECK(names(RMSProp<float>()) == Names{"velocity"});
    CHECK(names(RMSProp<float>(0.1, 0.9, 1e-7, 0.5)) == Names{"velocity", "momentum"});
}

TEST_CASE_TEMPLATE("state saved through visit_state and set_iterations resumes exactly", O,
                   Adam<double>, AdamW<double>, RMSProp<double>, SGD<double>) {
    auto make = [] {
        if constexpr (std::is_same_v<O, SGD<double>>) return O(0.1, 0.9);
        else if constexpr (std::is_same_v<O, RMSProp<double>>) return O(0.01, 0.9, 1e-7, 0.5);
        else return O(0.05);
    };
    O original = make();
    auto p = start;
    descend(original, p, 3);

    std::map<std::string, std::vector<double>> saved;
    original.visit_state([&](std::string_view name, std::vector<double>& buffer) {
        saved[std::string(name)] = buffer;
    });
    O restored = make();
    restored.visit_state([&](std::string_view name, std::vector<double>& buffer) {
        buffer = saved.at(std::string(name));
    });
    restored.set_iterations(original.iterations());

    auto q = p;
    descend(original, p, 2);
    descend(restored, q, 2);
    CHECK(p == q);
    CHECK(restored.iterations() == 5);
}

TEST_CASE("restored state of the wrong size is rejected at the first step") {
    Adam<double> adam;
    adam.visit_state([](std::string_view, std::vector<double>& buffer) { buffer.assign(4, 0.0); });
    auto p = start;
    CHECK_THROWS_AS(descend(adam, p), xtnn::error);
}

// ---------------------------------------------------------------- SIMD vs scalar

namespace {

// The update rules written as plain loops, in the same operation order as the
// library, with the same rounding of hyper-parameters to T.
template <class T>
struct ScalarReference {
    static void sgd_nesterov(std::vector<T>& p, const std::vector<T>& g, std::vector<T>& v,
                             double lr, double mu) {
        const auto l = static_cast<T>(lr);
        const auto m = static_cast<T>(mu);
        for (std::size_t i = 0; i < p.size(); ++i) {
            v[i] = m * v[i] - l * g[i];
            p[i] += m * v[i] - l * g[i];
        }
    }

    static void adamw(std::vector<T>& p, const std::vector<T>& g, std::vector<T>& m,
                      std::vector<T>& v, std::uint64_t t, double lr, double wd) {
        const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        const auto steps = static_cast<double>(t);
        const auto step_size = static_cast<T>(lr / (1.0 - std::pow(b1, steps)));
        const auto inv_sqrt_c2 = static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(b2, steps)));
        const auto keep = static_cast<T>(1.0 - lr * wd);
        for (std::size_t i = 0; i < p.size(); ++i) {
            m[i] = static_cast<T>(b1) * m[i] + static_cast<T>(1.0 - b1) * g[i];
            v[i] = static_cast<T>(b2) * v[i] + static_cast<T>(1.0 - b2) * g[i] * g[i];
            p[i] = keep * p[i] -
                   step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_c2 + static_cast<T>(eps));
        }
    }

    static void rmsprop_momentum(std::vector<T>& p, const std::vector<T>& g, std::vector<T>& s,
                                 std::vector<T>& u, double lr, double mu) {
        const auto rho = static_cast<T>(0.9);
        const auto one_minus_rho = static_cast<T>(1.0 - 0.9);
        const auto eps = static_cast<T>(1e-7);
        for (std::size_t i = 0; i < p.size(); ++i) {
            s[i] = rho * s[i] + one_minus_rho * g[i] * g[i];
            u[i] = static_cast<T>(mu) * u[i] + static_cast<T>(lr) * g[i] / std::sqrt(s[i] + eps);
            p[i] -= u[i];
        }
    }
};

// A few ulps: the compiler may contract the scalar loop into FMAs, xsimd does not.
template <class T>
void check_same(const std::vector<T>& simd, const std::vector<T>& scalar) {
    REQUIRE(simd.size() == scalar.size());
    for (std::size_t i = 0; i < simd.size(); ++i) {
        INFO("element ", i);
        const T scale = std::max(T(1), std::abs(scalar[i]));
        CHECK(std::abs(simd[i] - scalar[i]) <= 8 * std::numeric_limits<T>::epsilon() * scale);
    }
}

template <class T>
std::vector<T> random_values(std::size_t n, Rng& rng) {
    std::vector<T> values(n);
    for (T& x : values) x = static_cast<T>(rng.normal());
    return values;
}

}  // namespace

TEST_CASE_TEMPLATE("the xsimd path equals a scalar loop, tail included", T, float, double) {
    constexpr std::size_t n = 37;  // not a multiple of any SIMD width
    Rng rng(99);
    const auto start_values = random_values<T>(n, rng);

    auto simd = start_values;
    auto scalar = start_values;
    std::vector<T> s1(n, T(0)), s2(n, T(0));
    SGD<T> sgd(0.05, 0.9, true);
    AdamW<T> adamw(0.01, 0.1);
    RMSProp<T> rmsprop(0.01, 0.9, 1e-7, 0.5);

    for (int step = 1; step <= 3; ++step) {
        const auto g = random_values<T>(n, rng);
        sgd.step(simd, g);
        ScalarReference<T>::sgd_nesterov(scalar, g, s1, 0.05, 0.9);
    }
    check_same(simd, scalar);

    std::fill(s1.begin(), s1.end(), T(0));
    for (std::uint64_t step = 1; step <= 3; ++step) {
        const auto g = random_values<T>(n, rng);
        adamw.step(simd, g);
        ScalarReference<T>::adamw(scalar, g, s1, s2, step, 0.01, 0.1);
    }
    check_same(simd, scalar);

    std::fill(s1.begin(), s1.end(), T(0));
    std::fill(s2.begin(), s2.end(), T(0));
    for (int step = 1; step <= 3; ++step) {
        const auto g = random_values<T>(n, rng);
        rmsprop.step(simd, g);
        ScalarReference<T>::rmsprop_momentum(scalar, g, s1, s2, 0.01, 0.5);
    }
    check_same(simd, scalar);
}
