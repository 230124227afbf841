#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include <xtnn/params/initializers.hpp>

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
