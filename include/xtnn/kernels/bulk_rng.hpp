#pragma once
// detail::BulkRng: 16-bit uniform draws in bulk, for Dropout's masks. One
// scalar engine call per four draws cost more than a batch-64 layer's gemm,
// so this runs xoshiro128** (Blackman & Vigna) in 16 independent lanes on
// xsimd integer batches. The lane count is fixed, not the SIMD width: a seed
// gives the same draws with SSE2, AVX2 and AVX-512 builds.
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "../core/random.hpp"
#include "../core/run_state.hpp"
#include "../core/tensor.hpp"

namespace xtnn::detail {

class BulkRng {
public:
    static constexpr std::size_t lanes = 16;
    /// Draws per step of every lane: the low and the high half of each lane's 32-bit output.
    static constexpr std::size_t block = 2 * lanes;

    explicit BulkRng(std::uint64_t seed = 0) noexcept { reseed(seed); }

    void reseed(std::uint64_t seed) noexcept {
        for (std::size_t lane = 0; lane < lanes; ++lane) {
            std::uint64_t sm = derive_seed(seed, lane);
            for (std::size_t w = 0; w < 4; w += 2) {
                const std::uint64_t bits = splitmix64(sm);
                state_[w][lane] = static_cast<std::uint32_t>(bits);
                state_[w + 1][lane] = static_cast<std::uint32_t>(bits >> 32);
            }
        }
    }

    /// Every lane's position, for a run that resumes (core/run_state.hpp).
    void visit_run_state(RunStateVisitor& v) {
        v.field("words", std::span<std::uint32_t, 4 * lanes>(&state_[0][0], 4 * lanes));
    }

    // Writes n uniform integers in [0, 65536), each exactly representable in T.
    // Step k of lane l gives draws 32k + l (low half) and 32k + 16 + l (high half).
    template <Real T>
    void fill_uint16(T* out, std::size_t n) noexcept {
        constexpr std::size_t width = Words::size;
        static_assert(lanes % width == 0, "the SIMD width must divide the lane count");
        const std::size_t full_blocks = n / block;
        const std::size_t rest = n % block;
        T tail[block];
        // Lane groups outermost, so a group's state stays in registers for the whole fill.
        for (std::size_t first = 0; first < lanes; first += width) {
            LaneGroup group{Words::load_aligned(&state_[0][first]), Words::load_aligned(&state_[1][first]),
                            Words::load_aligned(&state_[2][first]), Words::load_aligned(&state_[3][first])};
            for (std::size_t k = 0; k < full_blocks; ++k) store_halves(group.next(), out + k * block + first);
            if (rest > 0) store_halves(group.next(), tail + first);
            group.s0.store_aligned(&state_[0][first]);
            group.s1.store_aligned(&state_[1][first]);
            group.s2.store_aligned(&state_[2][first]);
            group.s3.store_aligned(&state_[3][first]);
        }
        for (std::size_t i = 0; i < rest; ++i) out[full_blocks * block + i] = tail[i];
    }

private:
    using Words = xsimd::batch<std::uint32_t>;

    // xoshiro128** on one SIMD batch of lanes.
    struct LaneGroup {
        Words s0, s1, s2, s3;

        Words next() noexcept {
            const Words word = times(rotl(times(s1, 2), 7), 3);  // rotl(s1·5, 7)·9
            const Words t = s1 << 9;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = rotl(s3, 11);
            return word;
        }

        static Words rotl(const Words& x, int k) noexcept { return (x << k) | (x >> (32 - k)); }
        // x·(2^shift + 1) by shift and add: SSE2 has no 32-bit multiply.
        static Words times(const Words& x, int shift) noexcept { return (x << shift) + x; }
    };

    // Low halves to `to`, high halves to `to + lanes`.
    template <Real T>
    static void store_halves(const Words& word, T* to) noexcept {
        const Words low = word & Words(0xffffU);
        const Words high = word >> 16;
        if constexpr (std::is_same_v<T, float>) {
            using Ints = xsimd::batch<std::int32_t>;
            xsimd::batch_cast<float>(xsimd::bitwise_cast<Ints>(low)).store_unaligned(to);
            xsimd::batch_cast<float>(xsimd::bitwise_cast<Ints>(high)).store_unaligned(to + lanes);
        } else {
            alignas(64) std::uint32_t halves[2][Words::size];
            low.store_aligned(halves[0]);
            high.store_aligned(halves[1]);
            for (std::size_t i = 0; i < Words::size; ++i) {
                to[i] = static_cast<T>(halves[0][i]);
                to[lanes + i] = static_cast<T>(halves[1][i]);
            }
        }
    }

    alignas(64) std::uint32_t state_[4][lanes]{};
};

}  // namespace xtnn::detail
