// Synthetic data: the Kryptonite-n generator's statistics against the
// construction it promises and, when the files are here, against the real sets.
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <xtnn/data/generators.hpp>
#include <xtnn/data/load_dataset.hpp>

#include "data_test_support.hpp"

#ifndef XTNN_TEST_DATA_DIR
#define XTNN_TEST_DATA_DIR "/work/shared/data/kryptonite"
#endif

using xtnn::NoiseKind;
using xtnn::Tensor;
using xtnn_test::check_error;

namespace {

// Moments of the noise x - round(x) pooled over some columns.
struct NoiseStats {
    double std = 0.0;
    double kurtosis = 0.0;  // m4 / m2²: 3 Gaussian, 6 Laplace, 1.8 uniform
    double max_abs = 0.0;
};

NoiseStats noise_stats(const Tensor<float>& X, const std::vector<std::size_t>& columns) {
    double sum = 0.0;
    std::size_t count = 0;
    NoiseStats stats;
    for (std::size_t r = 0; r < X.shape(0); ++r) {
        for (const std::size_t c : columns) {
            const double e = X(r, c) - std::round(X(r, c));
            sum += e;
            stats.max_abs = std::max(stats.max_abs, std::abs(e));
            ++count;
        }
    }
    const double mean = sum / static_cast<double>(count);
    double m2 = 0.0;
    double m4 = 0.0;
    for (std::size_t r = 0; r < X.shape(0); ++r) {
        for (const std::size_t c : columns) {
            const double d = X(r, c) - std::round(X(r, c)) - mean;
            m2 += d * d;
            m4 += d * d * d * d;
        }
    }
    m2 /= static_cast<double>(count);
    m4 /= static_cast<double>(count);
    stats.std = std::sqrt(m2);
    stats.kurtosis = m4 / (m2 * m2);
    return stats;
}

NoiseKind classify(const Tensor<float>& X, std::size_t column) {
    const double kurtosis = noise_stats(X, {column}).kurtosis;
    return kurtosis > 4.5   ? NoiseKind::laplace
           : kurtosis < 2.4 ? NoiseKind::uniform
                            : NoiseKind::gaussian;
}

// Share of rows whose label is the parity of the thresholded `informative` bits.
double parity_agreement(const xtnn::Dataset<float>& data,
                        const std::vector<std::size_t>& informative) {
    std::size_t agree = 0;
    for (std::size_t r = 0; r < data.size(); ++r) {
        unsigned parity = 0;
        for (const std::size_t c : informative) parity ^= data.X(r, c) > 0.5F ? 1U : 0U;
        agree += static_cast<float>(parity) == data.y(r, 0) ? 1 : 0;
    }
    return static_cast<double>(agree) / static_cast<double>(data.size());
}

double label_mean(const xtnn::Dataset<float>& data) {
    double sum = 0.0;
    for (std::size_t r = 0; r < data.size(); ++r) sum += data.y(r, 0);
    return sum / static_cast<double>(data.size());
}

// Within `tolerance` relative to the expected value (Approx alone adds an
// absolute slack of `tolerance`, far too loose for values like 0.0144).
doctest::Approx near(double expected, double tolerance) {
    return doctest::Approx(expected).epsilon(tolerance).scale(0.0);
}

struct KindStats {
    NoiseStats gaussian, laplace, uniform;
};

// Pools the columns of each noise kind, as classified from the data itself.
KindStats stats_by_kind(const Tensor<float>& X, const std::vector<NoiseKind>& kinds) {
    std::map<NoiseKind, std::vector<std::size_t>> columns;
    for (std::size_t c = 0; c < kinds.size(); ++c) columns[kinds[c]].push_back(c);
    return {noise_stats(X, columns[NoiseKind::gaussian]),
            noise_stats(X, columns[NoiseKind::laplace]),
            noise_stats(X, columns[NoiseKind::uniform])};
}

}  // namespace

TEST_CASE("make_kryptonite: structure, balance, label noise and noise shapes") {
    const auto k = xtnn::make_kryptonite<float>(9, {.seed = 1});
    const auto& data = k.data;
    REQUIRE(data.size() == 18000);
    REQUIRE(data.features() == 9);
    CHECK(k.seed == 1);

    CHECK(k.informative.size() == 6);
    CHECK(std::is_sorted(k.informative.begin(), k.informative.end()));
    CHECK(std::set<std::size_t>(k.informative.begin(), k.informative.end()).size() == 6);
    std::map<NoiseKind, std::size_t> kinds;
    for (std::size_t c = 0; c < 9; ++c) {
        ++kinds[k.noise[c]];
        const bool informative =
            std::find(k.informative.begin(), k.informative.end(), c) != k.informative.end();
        CHECK(informative == (k.noise[c] != NoiseKind::uniform));
        CHECK(classify(data.X, c) == k.noise[c]);  // the data shows the promised noise kind
    }
    CHECK(kinds[NoiseKind::gaussian] == 3);
    CHECK(kinds[NoiseKind::laplace] == 3);

    // Tolerances are about 5 standard errors at 18000 rows.
    CHECK(label_mean(data) == near(0.5, 0.04));
    for (std::size_t c = 0; c < 9; ++c) {
        double bits = 0.0;
        for (std::size_t r = 0; r < data.size(); ++r) bits += data.X(r, c) > 0.5F ? 1.0 : 0.0;
        CHECK(bits / 18000.0 == near(0.5, 0.04));
    }
    const double agreement = parity_agreement(data, k.informative);
    CHECK(agreement == near(0.97, 0.007));
    CHECK(agreement == near(k.bayes_accuracy, 1e-12));  // bits recoverable exactly

    const KindStats s = stats_by_kind(data.X, k.noise);
    CHECK(s.gaussian.std == near(0.1, 0.02));
    CHECK(s.laplace.std == near(0.05 * std::sqrt(2.0), 0.03));
    CHECK(s.uniform.std == near(0.05 / std::sqrt(12.0), 0.01));
    CHECK(s.gaussian.kurtosis == near(3.0, 0.05));
    CHECK(s.laplace.kurtosis == near(6.0, 0.12));
    CHECK(s.uniform.kurtosis == near(1.8, 0.02));
    for (const NoiseStats& kind : {s.gaussian, s.laplace, s.uniform}) CHECK(kind.max_abs < 0.5);
}

TEST_CASE("make_kryptonite: options, determinism, errors") {
    const auto a = xtnn::make_kryptonite<double>(12, {.rows = 500, .label_noise = 0.0, .seed = 9});
    const auto b = xtnn::make_kryptonite<double>(12, {.rows = 500, .label_noise = 0.0, .seed = 9});
    const auto c = xtnn::make_kryptonite<double>(12, {.rows = 500, .label_noise = 0.0, .seed = 10});
    CHECK(a.data.size() == 500);
    CHECK(a.informative.size() == 8);
    CHECK(a.bayes_accuracy == 1.0);
    CHECK(a.data.X == b.data.X);
    CHECK(a.data.y == b.data.y);
    CHECK(a.data.X != c.data.X);
    // The column structure depends on the seed, not on the number of rows.
    CHECK(xtnn::make_kryptonite<float>(12, {.rows = 7, .seed = 9}).informative == a.informative);
    CHECK(xtnn::make_kryptonite<float>(3, {.rows = 1000, .label_noise = 1.0}).bayes_accuracy ==
          0.0);

    check_error([] { xtnn::make_kryptonite<float>(10); },
                {"make_kryptonite", "positive multiple of 3, got 10"});
    check_error([] { xtnn::make_kryptonite<float>(0); }, {"positive multiple of 3, got 0"});
    check_error([] { xtnn::make_kryptonite<float>(9, {.label_noise = 1.5}); }, {"label_noise 1.5"});
}

TEST_CASE("make_xor: parity labels of noisy bits") {
    const auto data = xtnn::make_xor<double>(3, 1000, 0.05, 4);
    CHECK(data.size() == 1000);
    CHECK(data.features() == 3);
    std::vector<std::size_t> all{0, 1, 2};
    std::size_t agree = 0;
    for (std::size_t r = 0; r < data.size(); ++r) {
        unsigned parity = 0;
        for (const std::size_t c : all) parity ^= data.X(r, c) > 0.5 ? 1U : 0U;
        agree += static_cast<double>(parity) == data.y(r, 0) ? 1 : 0;
    }
    CHECK(agree == 1000);  // 10 standard deviations of noise never cross 0.5 here
    CHECK(xtnn::make_xor<float>(2, 5, 0.0, 1).X == xtnn::make_xor<float>(2, 5, 0.0, 1).X);
    check_error([] { xtnn::make_xor<float>(0, 5, 0.1, 1); }, {"make_xor", "bits = 0"});
    check_error([] { xtnn::make_xor<float>(2, 5, -0.1, 1); }, {"noise_std -0.1"});
}

TEST_CASE("make_kryptonite matches the real Kryptonite-n sets") {
    const std::filesystem::path dir = XTNN_TEST_DATA_DIR;
    // Informative columns of the shipped sets, from the data's README.
    const std::map<std::size_t, std::vector<std::size_t>> real_informative = {
        {9, {1, 3, 4, 5, 6, 8}},
        {12, {0, 1, 2, 4, 5, 7, 9, 11}},
        {15, {1, 4, 6, 8, 9, 10, 11, 12, 13, 14}}};
    for (const auto& entry : real_informative) {
        const std::size_t n =
            entry.first;  // not a structured binding: clang 14 can't capture those
        const std::vector<std::size_t>& informative = entry.second;
        const auto X_path = dir / ("kryptonite-" + std::to_string(n) + "-X.npy");
        const auto y_path = dir / ("kryptonite-" + std::to_string(n) + "-y.npy");
        if (!std::filesystem::exists(X_path) || !std::filesystem::exists(y_path)) {
            MESSAGE("Kryptonite-" << n << " data not found in " << dir << "; comparison skipped");
            continue;
        }
        CAPTURE(n);
        const auto real = xtnn::load_dataset_npy<float>(X_path, y_path);
        REQUIRE(real.size() == 2000 * n);

        std::vector<NoiseKind> real_kinds(n);
        std::map<NoiseKind, std::size_t> count;
        for (std::size_t c = 0; c < n; ++c) {
            real_kinds[c] = classify(real.X, c);
            ++count[real_kinds[c]];
            const bool listed =
                std::find(informative.begin(), informative.end(), c) != informative.end();
            CHECK(listed == (real_kinds[c] != NoiseKind::uniform));
        }
        CHECK(count[NoiseKind::gaussian] == n / 3);
        CHECK(count[NoiseKind::laplace] == n / 3);

        const double real_agreement = parity_agreement(real, informative);
        const auto generated =
            xtnn::make_kryptonite<float>(n, {.label_noise = 1.0 - real_agreement, .seed = n});
        const double generated_agreement = parity_agreement(generated.data, generated.informative);
        const KindStats r = stats_by_kind(real.X, real_kinds);
        const KindStats g = stats_by_kind(generated.data.X, generated.noise);

        MESSAGE(
            "n=" << n << " real vs generated: label mean " << label_mean(real) << " / "
                 << label_mean(generated.data) << ", parity agreement " << real_agreement << " / "
                 << generated_agreement << "\n  std   gaussian " << r.gaussian.std << " / "
                 << g.gaussian.std << ", laplace " << r.laplace.std << " / " << g.laplace.std
                 << ", uniform " << r.uniform.std << " / " << g.uniform.std << "\n  kurt  gaussian "
                 << r.gaussian.kurtosis << " / " << g.gaussian.kurtosis << ", laplace "
                 << r.laplace.kurtosis << " / " << g.laplace.kurtosis << ", uniform "
                 << r.uniform.kurtosis << " / " << g.uniform.kurtosis << "\n  max |noise| "
                 << std::max({r.gaussian.max_abs, r.laplace.max_abs, r.uniform.max_abs}) << " / "
                 << std::max({g.gaussian.max_abs, g.laplace.max_abs, g.uniform.max_abs}));

        CHECK(label_mean(real) == near(label_mean(generated.data), 0.04));
        CHECK(generated_agreement == near(real_agreement, 0.01));
        CHECK(g.gaussian.std == near(r.gaussian.std, 0.02));
        CHECK(g.laplace.std == near(r.laplace.std, 0.03));
        CHECK(g.uniform.std == near(r.uniform.std, 0.01));
        CHECK(g.gaussian.kurtosis == near(r.gaussian.kurtosis, 0.05));
        CHECK(g.laplace.kurtosis == near(r.laplace.kurtosis, 0.2));
        CHECK(g.uniform.kurtosis == near(r.uniform.kurtosis, 0.02));
        CHECK(std::max({r.gaussian.max_abs, r.laplace.max_abs, r.uniform.max_abs}) < 0.5);
    }
}
