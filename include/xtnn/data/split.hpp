#pragma once
// Seeded train/validation/test splits. Part sizes are fixed by the fractions
// alone: train = floor(f0·N), validation = floor(f1·N), test = the rest (so
// rounding never loses a row). Stratification keeps each class's share in
// every part equal to its share overall, to within one row per class.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <span>
#include <vector>

#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/tensor.hpp"
#include "dataset.hpp"

namespace xtnn {

struct SplitOptions {
    bool stratify = false;  // needs a single label column of discrete values
};

template <Real T>
struct TrainValTest {
    Dataset<T> train;
    Dataset<T> val;
    Dataset<T> test;
};

template <Real T>
struct TrainTest {
    Dataset<T> train;
    Dataset<T> test;
};

namespace detail {

// A seeded permutation of the rows. Stratified, it is reordered so that every
// prefix holds the classes in their overall proportions: each row's key is its
// rank within its class scaled to [0, 1), and a stable sort keeps the shuffled
// order among equal keys.
template <Real T>
std::vector<std::size_t> split_order(const Dataset<T>& data, std::uint64_t seed, bool stratify) {
    std::vector<std::size_t> order(data.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    Rng rng(seed);
    shuffle(order.begin(), order.end(), rng);
    if (!stratify) return order;

    if (data.outputs() != 1) {
        fail("stratified split: needs a single label column, the targets have ", data.outputs());
    }
    std::map<T, std::size_t> class_size;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (!std::isfinite(data.y(i, 0))) {
            fail("stratified split: label ", data.y(i, 0), " at row ", i, " is not finite");
        }
        ++class_size[data.y(i, 0)];
    }
    std::map<T, std::size_t> seen;
    std::vector<double> key(data.size());
    for (const std::size_t i : order) {
        const T label = data.y(i, 0);
        key[i] =
            (static_cast<double>(seen[label]++) + 0.5) / static_cast<double>(class_size[label]);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return key[a] < key[b]; });
    return order;
}

// floor(fraction·n), tolerant of representation error (0.29·100 is 28.999…).
inline std::size_t part_size(double fraction, std::size_t n) {
    return static_cast<std::size_t>(std::floor(fraction * static_cast<double>(n) + 1e-9));
}

}  // namespace detail

template <Real T>
TrainValTest<T> train_val_test_split(const Dataset<T>& data, std::array<double, 3> fractions,
                                     std::uint64_t seed, SplitOptions options = {}) {
    const char* names[3] = {"train", "validation", "test"};
    double sum = 0.0;
    for (std::size_t k = 0; k < 3; ++k) {
        if (!(fractions[k] >= 0.0 && fractions[k] <= 1.0)) {
            detail::fail("train_val_test_split: the ", names[k], " fraction ", fractions[k],
                         " is not in [0, 1]");
        }
        sum += fractions[k];
    }
    if (std::abs(sum - 1.0) > 1e-9) {
        detail::fail("train_val_test_split: fractions ", fractions[0], " + ", fractions[1], " + ",
                     fractions[2], " sum to ", sum, ", not 1");
    }
    const std::size_t n = data.size();
    const std::size_t train = detail::part_size(fractions[0], n);
    const std::size_t val = std::min(detail::part_size(fractions[1], n), n - train);
    const std::size_t sizes[3] = {train, val, n - train - val};
    for (std::size_t k = 0; k < 3; ++k) {
        if (sizes[k] == 0) {
            detail::fail("train_val_test_split: the ", names[k], " part would be empty (fraction ",
                         fractions[k], " of ", n, " rows)");
        }
    }
    const std::vector<std::size_t> order = detail::split_order(data, seed, options.stratify);
    const std::span<const std::size_t> all(order);
    return {data.subset(all.subspan(0, train)), data.subset(all.subspan(train, val)),
            data.subset(all.subspan(train + val))};
}

// Test = floor(test_fraction·N) rows, train the rest.
template <Real T>
TrainTest<T> train_test_split(const Dataset<T>& data, double test_fraction, std::uint64_t seed,
                              SplitOptions options = {}) {
    if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
        detail::fail("train_test_split: test_fraction ", test_fraction, " is not in (0, 1)");
    }
    const std::size_t n = data.size();
    const std::size_t test = detail::part_size(test_fraction, n);
    if (test == 0 || test == n) {
        detail::fail("train_test_split: the ", test == 0 ? "test" : "train",
                     " part would be empty (test_fraction ", test_fraction, " of ", n, " rows)");
    }
    const std::vector<std::size_t> order = detail::split_order(data, seed, options.stratify);
    const std::span<const std::size_t> all(order);
    return {data.subset(all.subspan(test)), data.subset(all.subspan(0, test))};
}

}  // namespace xtnn
