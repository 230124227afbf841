#pragma once
// One seeded engine type, passed explicitly: no global random state anywhere.
// Our own distributions (not <random>'s) so a seed gives the same numbers with
// every standard library.
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>

#include "run_state.hpp"

namespace xtnn {

// Mixes a 64-bit value; used to seed Rng and to derive independent child seeds.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// A seed for child number `index` of something seeded with `seed`.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index) noexcept {
    std::uint64_t s = seed ^ (0xd1b54a32d192ed03ULL * (index + 1));
    return splitmix64(s);
}

// xoshiro256** (Blackman & Vigna): fast, 256-bit state, good statistical quality.
class Rng {
public:
    using result_type = std::uint64_t;

    explicit Rng(std::uint64_t seed = 0) noexcept { reseed(seed); }

    void reseed(std::uint64_t seed) noexcept {
        std::uint64_t sm = seed;
        for (auto& word : s_) word = splitmix64(sm);
    }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    result_type operator()() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, 1) with 53 random bits.
    double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

    double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

    // Standard normal by Box-Muller; the second value is kept for the next call.
    double normal() noexcept {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1 = 0.0;
        do { u1 = uniform(); } while (u1 <= 0.0);
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
        has_spare_ = true;
        return r * std::cos(2.0 * std::numbers::pi * u2);
    }

    double normal(double mean, double stddev) noexcept { return mean + stddev * normal(); }

    /// The engine's position, for a run that resumes (core/run_state.hpp).
    void visit_run_state(RunStateVisitor& v) {
        v.field("words", std::span<std::uint64_t>(s_));
        v.field("spare", spare_);
        v.field("has_spare", has_spare_);
    }

    // Uniform integer in [0, n) without modulo bias (Lemire's method); n > 0.
    std::uint64_t below(std::uint64_t n) noexcept {
        __extension__ using u128 = unsigned __int128;  // __extension__: no -Wpedantic noise
        u128 m = static_cast<u128>((*this)()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<u128>((*this)()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }

    std::uint64_t s_[4]{};
    double spare_ = 0.0;
    bool has_spare_ = false;
};

// Fisher-Yates shuffle driven by Rng, identical on every platform.
template <class RandomIt>
void shuffle(RandomIt first, RandomIt last, Rng& rng) {
    const auto n = last - first;
    for (auto i = n - 1; i > 0; --i) {
        const auto j = static_cast<decltype(i)>(rng.below(static_cast<std::uint64_t>(i) + 1));
        std::swap(first[i], first[j]);
    }
}

}  // namespace xtnn
