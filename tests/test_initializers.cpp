#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include <xtnn/params/initializers.hpp>
#include <xtnn/params/param.hpp>

using namespace xtnn;

namespace {

struct Moments {
    double mean = 0.0;
    double variance = 0.0;
    double max_abs = 0.0;
};

template <class T>
Moments moments_of(const std::vector<T>& values) {
    Moments m;
    for (const T v : values) m.mean += v;
    m.mean /= static_cast<double>(values.size());
    for (const T v : values) {
        m.variance += (v - m.mean) * (v - m.mean);
        m.max_abs = std::max(m.max_abs, std::abs(static_cast<double>(v)));
    }
    m.variance /= static_cast<double>(values.size());
    return m;
}

template <class T>
std::vector<T> draw(const Initializer& init, std::size_t fan_in, std::size_t fan_out,
                    std::uint64_t seed, std::size_t count = 200000) {
    std::vector<T> values(count);
    Rng rng(seed);
    initialize<T>(init, std::span<T>(values), fan_in, fan_out, rng);
    return values;
}

// Over 200k draws the sample variance has a relative standard error below 0.32%,
// the mean one of sqrt(variance / n): the bounds sit at 4-5 standard errors.
void check_variance(const Moments& m, double expected_variance) {
    CHECK(std::abs(m.mean) < 4.0 * std::sqrt(expected_variance / 200000.0));
    CHECK(m.variance == doctest::Approx(expected_variance).epsilon(0.015));
}

}  // namespace

TEST_CASE_TEMPLATE("glorot_uniform: bounded by sqrt(6/(in+out)), variance 2/(in+out)", T, float,
                   double) {
    const auto m = moments_of(draw<T>(glorot_uniform, 30, 20, 1));
    const double limit = std::sqrt(6.0 / 50.0);
    CHECK(m.max_abs <= limit);
    CHECK(m.max_abs > 0.99 * limit);
    check_variance(m, 2.0 / 50.0);
}

TEST_CASE_TEMPLATE("he_uniform: bounded by sqrt(6/in), variance 2/in", T, float, double) {
    const auto m = moments_of(draw<T>(he_uniform, 30, 20, 2));
    const double limit = std::sqrt(6.0 / 30.0);
    CHECK(m.max_abs <= limit);
    CHECK(m.max_abs > 0.99 * limit);
    check_variance(m, 2.0 / 30.0);
}

TEST_CASE_TEMPLATE("glorot_normal: truncated at two stddevs, variance 2/(in+out)", T, float,
                   double) {
    const auto m = moments_of(draw<T>(glorot_normal, 30, 20, 3));
    const double stddev = std::sqrt(2.0 / 50.0) / 0.87962566103423978;
    CHECK(m.max_abs <= 2.0 * stddev * (1 + 1e-6));
    CHECK(m.max_abs > 1.99 * stddev);
    check_variance(m, 2.0 / 50.0);
}

TEST_CASE_TEMPLATE("he_normal: truncated at two stddevs, variance 2/in", T, float, double) {
    const auto m = moments_of(draw<T>(he_normal, 30, 20, 4));
    const double stddev = std::sqrt(2.0 / 30.0) / 0.87962566103423978;
    CHECK(m.max_abs <= 2.0 * stddev * (1 + 1e-6));
    CHECK(m.max_abs > 1.99 * stddev);
    check_variance(m, 2.0 / 30.0);
}

TEST_CASE("xavier names are the glorot initializers") {
    CHECK(draw<double>(xavier_uniform, 8, 4, 5, 64) == draw<double>(glorot_uniform, 8, 4, 5, 64));
    CHECK(draw<double>(xavier_normal, 8, 4, 5, 64) == draw<double>(glorot_normal, 8, 4, 5, 64));
}

TEST_CASE("the same seed gives the same weights, another seed different ones") {
    for (const Initializer& init : {Initializer{glorot_uniform}, Initializer{he_normal}}) {
        const auto a = draw<float>(init, 16, 8, 42, 128);
        CHECK(a == draw<float>(init, 16, 8, 42, 128));
        CHECK(a != draw<float>(init, 16, 8, 43, 128));
    }
}

TEST_CASE("zeros and Constant fill without touching the rng") {
    Rng rng(7);
    const Rng before = rng;
    std::vector<double> values(5, 3.0);
    initialize<double>(zeros, std::span<double>(values), 5, 1, rng);
    CHECK(values == std::vector<double>(5, 0.0));
    initialize<double>(Constant(0.25), std::span<double>(values), 5, 1, rng);
    CHECK(values == std::vector<double>(5, 0.25));
    Rng copy = before;
    CHECK(rng() == copy());
}

TEST_CASE("invalid fans and constants are rejected") {
    std::vector<float> values(4);
    Rng rng;
    CHECK_THROWS_AS(initialize<float>(he_uniform, std::span<float>(values), 0, 4, rng),
                    xtnn::error);
    CHECK_THROWS_AS(initialize<float>(glorot_normal, std::span<float>(values), 0, 0, rng),
                    xtnn::error);
    CHECK_NOTHROW(initialize<float>(glorot_uniform, std::span<float>(values), 0, 4, rng));
    CHECK_THROWS_AS(Constant{std::nan("")}, xtnn::error);
}

namespace {

// A user initializer: uniform in ±1/sqrt(fan_in) (LeCun uniform), from the caller's rng.
struct LecunUniform {
    template <class T>
    void operator()(std::span<T> values, const FanInfo& fans, Rng& rng) const {
        const double limit = 1.0 / std::sqrt(static_cast<double>(fans.fan_in));
        for (T& v : values) v = static_cast<T>(rng.uniform(-limit, limit));
    }
};

// A user initializer that draws nothing, so a parameter gets it at construction.
struct Ramp {
    static constexpr bool needs_randomness = false;
    template <class T>
    void operator()(std::span<T> values, const FanInfo&, Rng&) const {
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<T>(i);
    }
};

}  // namespace

TEST_CASE("a user initializer receives the fans and the caller's rng, in both precisions") {
    static_assert(InitializerFor<LecunUniform>);
    static_assert(!InitializerFor<int>);
    const auto drawn = draw<float>(LecunUniform{}, 16, 3, 11, 64);
    Rng rng(11);
    for (const float v : drawn) CHECK(v == static_cast<float>(rng.uniform(-0.25, 0.25)));
    const auto wide = draw<double>(LecunUniform{}, 4, 3, 11, 4096);
    const auto m = moments_of(wide);
    CHECK(m.max_abs <= 0.5);
    CHECK(m.max_abs > 0.49);
}

TEST_CASE("needs_randomness: built-in zeros and Constant, and user types that say so, draw nothing") {
    CHECK(needs_randomness(glorot_uniform));
    CHECK_FALSE(needs_randomness(zeros));
    CHECK_FALSE(needs_randomness(Constant(1.0)));
    CHECK(needs_randomness(LecunUniform{}));
    CHECK_FALSE(needs_randomness(Ramp{}));
    const auto ramp = draw<double>(Ramp{}, 2, 2, 0, 4);
    CHECK(ramp == std::vector<double>{0.0, 1.0, 2.0, 3.0});
}

TEST_CASE("a parameter applies a deterministic user initializer at construction, a random one on reset") {
    Param<float> ramp(ParamSpec{"ramp", 2, 2, ParamKind::trainable, Ramp{}});
    CHECK(ramp.initialized());
    CHECK(std::vector<float>(ramp.values().begin(), ramp.values().end()) == std::vector<float>{0, 1, 2, 3});
    Param<double> lecun(ParamSpec{"lecun", 4, 2, ParamKind::trainable, LecunUniform{}, NoRegularizer{}, 4, 2});
    CHECK(lecun.needs_randomness());
    CHECK_FALSE(lecun.initialized());
    CHECK_THROWS_AS(lecun.reset(nullptr), xtnn::error);
    Rng rng(3);
    lecun.reset(&rng);
    CHECK(lecun.initialized());
    CHECK(std::vector<double>(lecun.values().begin(), lecun.values().end()) == draw<double>(LecunUniform{}, 4, 2, 3, 8));
}
