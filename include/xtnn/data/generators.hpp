#pragma once
// Synthetic data with known structure, for tests and for the Kryptonite-n
// sizes whose labelled real sets are not available.
//
// Kryptonite-n (construction measured on the published n = 9, 12, 15 sets):
// every feature is a fair bit plus noise; 2n/3 informative columns, half with
// N(0, 0.1²) noise and half with Laplace(0, 0.05) noise; n/3 distractors with
// Uniform(-0.025, 0.025) noise; label = parity of the informative bits, each
// label flipped with probability label_noise. Noise is redrawn until it is
// below 0.5 in magnitude: the real sets never cross 0.5 (an untruncated
// Laplace would, about 14 times over their 300,000 Laplace draws).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/tensor.hpp"
#include "dataset.hpp"

namespace xtnn {

enum class NoiseKind { gaussian, laplace, uniform };

struct KryptoniteOptions {
    std::size_t rows = 0;       // 0: 2000·n, the size of the published sets
    double label_noise = 0.03;  // probability that a label is flipped
    std::uint64_t seed = 0;
};

template <Real T>
struct KryptoniteData {
    Dataset<T> data;                       // y: one column of 0/1
    std::vector<std::size_t> informative;  // 0-based, sorted
    std::vector<NoiseKind> noise;          // per column
    double bayes_accuracy = 0.0;           // share of labels equal to the noise-free parity
    std::uint64_t seed = 0;
};

namespace detail {

inline constexpr double kryptonite_gaussian_std = 0.1;
inline constexpr double kryptonite_laplace_scale = 0.05;
inline constexpr double kryptonite_uniform_half_width = 0.025;

inline double draw_noise(NoiseKind kind, Rng& rng) {
    for (;;) {
        double noise = 0.0;
        switch (kind) {
            case NoiseKind::gaussian: noise = rng.normal(0.0, kryptonite_gaussian_std); break;
            case NoiseKind::laplace:
                // The difference of two unit exponentials is standard Laplace.
                noise = kryptonite_laplace_scale *
                        (std::log1p(-rng.uniform()) - std::log1p(-rng.uniform()));
                break;
            case NoiseKind::uniform:
                noise = rng.uniform(-kryptonite_uniform_half_width, kryptonite_uniform_half_width);
                break;
        }
        if (std::abs(noise) < 0.5) return noise;
    }
}

}  // namespace detail

// The column structure depends only on n and the seed, not on the row count.
template <Real T>
KryptoniteData<T> make_kryptonite(std::size_t n, KryptoniteOptions options = {}) {
    if (n == 0 || n % 3 != 0) {
        detail::fail("make_kryptonite: n must be a positive multiple of 3, got ", n);
    }
    if (!(options.label_noise >= 0.0 && options.label_noise <= 1.0)) {
        detail::fail("make_kryptonite: label_noise ", options.label_noise, " is not in [0, 1]");
    }
    const std::size_t rows = options.rows == 0 ? 2000 * n : options.rows;
    Rng rng(options.seed);

    KryptoniteData<T> result;
    result.seed = options.seed;
    std::vector<std::size_t> columns(n);
    std::iota(columns.begin(), columns.end(), std::size_t{0});
    shuffle(columns.begin(), columns.end(), rng);
    const std::size_t third = n / 3;
    result.noise.assign(n, NoiseKind::uniform);
    for (std::size_t j = 0; j < 2 * third; ++j) {
        result.noise[columns[j]] = j < third ? NoiseKind::gaussian : NoiseKind::laplace;
    }
    result.informative.assign(columns.begin(),
                              columns.begin() + static_cast<std::ptrdiff_t>(2 * third));
    std::sort(result.informative.begin(), result.informative.end());

    Tensor<T> X({rows, n});
    Tensor<T> y({rows, 1});
    std::size_t clean_labels = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        unsigned parity = 0;
        for (std::size_t c = 0; c < n; ++c) {
            const auto bit = static_cast<unsigned>(rng.below(2));
            X(r, c) = static_cast<T>(bit + detail::draw_noise(result.noise[c], rng));
            if (result.noise[c] != NoiseKind::uniform) parity ^= bit;
        }
        const bool flipped = rng.uniform() < options.label_noise;
        clean_labels += flipped ? 0 : 1;
        y(r, 0) = static_cast<T>(parity ^ (flipped ? 1U : 0U));
    }
    result.data = Dataset<T>(std::move(X), std::move(y));
    result.bayes_accuracy = static_cast<double>(clean_labels) / static_cast<double>(rows);
    return result;
}

// `bits` columns of fair bits plus N(0, noise_std²) noise; label = their parity.
template <Real T>
Dataset<T> make_xor(std::size_t bits, std::size_t rows, double noise_std, std::uint64_t seed) {
    if (bits == 0 || rows == 0) {
        detail::fail("make_xor: need at least one bit and one row, got bits = ", bits,
                     ", rows = ", rows);
    }
    if (!(noise_std >= 0.0 && std::isfinite(noise_std))) {
        detail::fail("make_xor: noise_std ", noise_std, " must be finite and non-negative");
    }
    Rng rng(seed);
    Tensor<T> X({rows, bits});
    Tensor<T> y({rows, 1});
    for (std::size_t r = 0; r < rows; ++r) {
        unsigned parity = 0;
        for (std::size_t c = 0; c < bits; ++c) {
            const auto bit = static_cast<unsigned>(rng.below(2));
            X(r, c) = static_cast<T>(bit + rng.normal(0.0, noise_std));
            parity ^= bit;
        }
        y(r, 0) = static_cast<T>(parity);
    }
    return Dataset<T>(std::move(X), std::move(y));
}

}  // namespace xtnn
