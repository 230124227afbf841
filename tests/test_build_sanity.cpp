// Build sanity: the foundation headers compile together under the project flags
// and behave as documented.
#include <xtnn/core/error.hpp>
#include <xtnn/core/random.hpp>
#include <xtnn/core/tensor.hpp>
#include <xtnn/kernels/blas_info.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {
std::vector<std::uint64_t> draws(std::uint64_t seed, int n) {
    xtnn::Rng rng(seed);
    std::vector<std::uint64_t> out;
    for (int i = 0; i < n; ++i) out.push_back(rng());
    return out;
}
}  // namespace

TEST_CASE("Rng: a seed gives the same sequence, different seeds differ") {
    CHECK(draws(42, 64) == draws(42, 64));
    CHECK(draws(42, 64) != draws(43, 64));
    CHECK(draws(0, 64) != draws(42, 64));

    xtnn::Rng a(42);
    const auto first = a();
    a.reseed(42);
    CHECK(a() == first);
}

TEST_CASE("Rng: below(n) stays below n, uniform() stays in [0, 1)") {
    xtnn::Rng rng(123);
    for (const std::uint64_t n : {1ULL, 2ULL, 3ULL, 7ULL, 10ULL, 1000ULL, (1ULL << 63) + 5}) {
        for (int i = 0; i < 2000; ++i) REQUIRE(rng.below(n) < n);
    }
    std::vector<int> seen(6, 0);
    for (int i = 0; i < 6000; ++i) ++seen[rng.below(6)];
    for (const int count : seen) CHECK(count > 800);  // expected 1000 each

    double sum = 0.0;
    for (int i = 0; i < 10000; ++i) {
        const double u = rng.uniform();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        sum += u;
    }
    CHECK(sum / 10000.0 == doctest::Approx(0.5).epsilon(0.02));
}

TEST_CASE("ensure_shape resizes only to the requested shape") {
    xtnn::Tensor<float> t;
    xtnn::ensure_shape(t, 3, 5);
    CHECK(t.shape(0) == 3);
    CHECK(t.shape(1) == 5);
    CHECK(t.size() == 15);

    t(2, 4) = 1.5f;
    const float* data = t.data();
    xtnn::ensure_shape(t, 3, 5);  // same shape: no reallocation, contents kept
    CHECK(t.data() == data);
    CHECK(t(2, 4) == 1.5f);

    xtnn::ensure_shape(t, 7, 2);
    CHECK(t.shape(0) == 7);
    CHECK(t.shape(1) == 2);
}

TEST_CASE("check_columns throws xtnn::error naming the caller and the counts") {
    xtnn::Tensor<double> t;
    xtnn::ensure_shape(t, 4, 3);
    CHECK_NOTHROW(xtnn::check_columns(t, 3, "Dense"));
    try {
        xtnn::check_columns(t, 5, "Dense");
        FAIL("check_columns did not throw");
    } catch (const xtnn::error& e) {
        const std::string msg = e.what();
        CHECK(msg.find("xtnn") != std::string::npos);
        CHECK(msg.find("Dense") != std::string::npos);
        CHECK(msg.find('5') != std::string::npos);
        CHECK(msg.find("4 x 3") != std::string::npos);
    }
    CHECK_THROWS_AS(xtnn::check_columns(t, 0, "x"), std::runtime_error);
}

TEST_CASE("blas_kernel_advice: an OpenBLAS core older than the CPU's vector units gets a hint") {
    using xtnn::detail::openblas_core_advice;
    CHECK(openblas_core_advice("Prescott", true, true).find("OPENBLAS_CORETYPE=SkylakeX") != std::string::npos);
    CHECK(openblas_core_advice("Haswell", true, true).find("OPENBLAS_CORETYPE=SkylakeX") != std::string::npos);
    CHECK(openblas_core_advice("Sandybridge", false, true).find("OPENBLAS_CORETYPE=Haswell") != std::string::npos);
    CHECK(openblas_core_advice("SkylakeX", true, true).empty());
    CHECK(openblas_core_advice("Haswell", false, true).empty());
    CHECK(openblas_core_advice("Prescott", false, false).empty());
    // Whatever this machine is, the call works and any hint names the variable.
    const std::string advice = xtnn::blas_kernel_advice();
    CHECK((advice.empty() || advice.find("OPENBLAS_CORETYPE") != std::string::npos));
}
