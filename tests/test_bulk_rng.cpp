// detail::BulkRng, Dropout's engine: its vectorized lanes must give exactly
// what xoshiro128** gives one lane at a time (so a seed means the same masks
// on every SIMD width), and the draws must be uniform.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include <xtnn/kernels/bulk_rng.hpp>

using xtnn::detail::BulkRng;

namespace {

// xoshiro128** written out for one lane, seeded the way BulkRng documents.
class ReferenceLane {
public:
    ReferenceLane(std::uint64_t seed, std::size_t lane) {
        std::uint64_t sm = xtnn::derive_seed(seed, lane);
        for (std::size_t w = 0; w < 4; w += 2) {
            const std::uint64_t bits = xtnn::splitmix64(sm);
            s_[w] = static_cast<std::uint32_t>(bits);
            s_[w + 1] = static_cast<std::uint32_t>(bits >> 32);
        }
    }

    std::uint32_t next() {
        const std::uint32_t result = rotl(s_[1] * 5U, 7) * 9U;
        const std::uint32_t t = s_[1] << 9;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 11);
        return result;
    }

private:
    static std::uint32_t rotl(std::uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
    std::array<std::uint32_t, 4> s_{};
};

std::vector<double> reference_draws(std::uint64_t seed, std::size_t n) {
    std::vector<ReferenceLane> lanes;
    for (std::size_t l = 0; l < BulkRng::lanes; ++l) lanes.emplace_back(seed, l);
    std::vector<double> draws(n);
    for (std::size_t k = 0; k * BulkRng::block < n; ++k) {
        for (std::size_t l = 0; l < BulkRng::lanes; ++l) {
            const std::uint32_t word = lanes[l].next();
            const std::size_t low = k * BulkRng::block + l;
            const std::size_t high = low + BulkRng::lanes;
            if (low < n) draws[low] = word & 0xffffU;
            if (high < n) draws[high] = word >> 16;
        }
    }
    return draws;
}

}  // namespace

TEST_CASE_TEMPLATE("BulkRng gives the scalar xoshiro128** lanes' draws, tail included", T, float, double) {
    for (const std::size_t n : {1UL, 17UL, 32UL, 33UL, 1000UL, 4096UL}) {
        CAPTURE(n);
        BulkRng rng(123);
        std::vector<T> got(n);
        rng.fill_uint16(got.data(), n);
        const std::vector<double> want = reference_draws(123, n);
        bool equal = true;
        for (std::size_t i = 0; i < n; ++i) equal = equal && static_cast<double>(got[i]) == want[i];
        CHECK(equal);
    }
}

TEST_CASE("BulkRng continues its streams across calls and restarts on reseed") {
    BulkRng rng(7);
    std::vector<float> first(64), second(64);
    rng.fill_uint16(first.data(), 64);
    rng.fill_uint16(second.data(), 64);
    const std::vector<double> want = reference_draws(7, 128);
    for (std::size_t i = 0; i < 64; ++i) {
        REQUIRE(first[i] == want[i]);
        REQUIRE(second[i] == want[64 + i]);
    }
    rng.reseed(7);
    std::vector<float> again(64);
    rng.fill_uint16(again.data(), 64);
    CHECK(again == first);
    BulkRng other(8);
    other.fill_uint16(again.data(), 64);
    CHECK(again != first);
}

TEST_CASE("BulkRng draws are uniform over [0, 65536)") {
    // Chi-square over 64 equal buckets of 2^20 draws: 63 degrees of freedom,
    // so a statistic above 120 has probability < 1e-5 for uniform draws.
    constexpr std::size_t n = 1 << 20, buckets = 64;
    BulkRng rng(2026);
    std::vector<float> draws(n);
    rng.fill_uint16(draws.data(), n);
    std::array<double, buckets> counts{};
    for (const float d : draws) {
        REQUIRE(d >= 0.f);
        REQUIRE(d < 65536.f);
        counts[static_cast<std::size_t>(d) / (65536 / buckets)] += 1;
    }
    const double expected = static_cast<double>(n) / buckets;
    double chi2 = 0;
    for (const double c : counts) chi2 += (c - expected) * (c - expected) / expected;
    CHECK(chi2 < 120.0);
}
