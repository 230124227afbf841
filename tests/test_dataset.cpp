// Dataset, loading from .npy, splits, scalers and mini-batches.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <xtnn/data/batches.hpp>
#include <xtnn/core/check_finite.hpp>
#include <xtnn/data/dataset.hpp>
#include <xtnn/data/load_dataset.hpp>
#include <xtnn/data/scaler.hpp>
#include <xtnn/data/split.hpp>
#include <xtnn/io/npy.hpp>
#include <xtnn/core/random.hpp>

#include "data_test_support.hpp"

#ifndef XTNN_TEST_DATA_DIR
#define XTNN_TEST_DATA_DIR "/work/shared/data/kryptonite"
#endif

using xtnn::Dataset;
using xtnn::Tensor;
using xtnn_test::check_error;

namespace {

// Row i has X = (i, 2i) and label y = 1 for every `period`-th row, else 0, so
// any row of any part can be traced back to its origin.
Dataset<double> numbered(std::size_t n, std::size_t period = 4) {
    Tensor<double> X({n, 2});
    Tensor<double> y({n, 1});
    for (std::size_t i = 0; i < n; ++i) {
        X(i, 0) = static_cast<double>(i);
        X(i, 1) = 2.0 * static_cast<double>(i);
        y(i, 0) = i % period == 0 ? 1.0 : 0.0;
    }
    return {X, y};
}

std::vector<std::size_t> row_ids(const Dataset<double>& part) {
    std::vector<std::size_t> ids;
    for (std::size_t i = 0; i < part.size(); ++i) {
        CHECK(part.X(i, 1) == 2.0 * part.X(i, 0));  // rows stay whole
        CHECK(part.y(i, 0) == (static_cast<std::size_t>(part.X(i, 0)) % 4 == 0 ? 1.0 : 0.0));
        ids.push_back(static_cast<std::size_t>(part.X(i, 0)));
    }
    return ids;
}

double positives(const Dataset<double>& part) {
    double count = 0;
    for (std::size_t i = 0; i < part.size(); ++i) count += part.y(i, 0);
    return count;
}

}  // namespace

// ------------------------------------------------------------------ Dataset

TEST_CASE("Dataset: construction checks rows, subset gathers rows in order") {
    const Dataset<double> data = numbered(5);
    CHECK(data.size() == 5);
    CHECK(data.features() == 2);
    CHECK(data.outputs() == 1);
    const std::vector<std::size_t> pick{4, 0, 4};
    const Dataset<double> part = data.subset(pick);
    CHECK(part.X == Tensor<double>{{4, 8}, {0, 0}, {4, 8}});
    CHECK(part.y == Tensor<double>{{1}, {1}, {1}});
    check_error(
        [&] {
            (void)Dataset<float>{Tensor<float>({3, 2}), Tensor<float>({2, 1})};
        },
        {"features have 3 rows but targets have 2"});
    const std::vector<std::size_t> outside{5};
    check_error([&] { (void)data.subset(outside); }, {"row index 5 out of range for 5 rows"});
}

TEST_CASE("check_finite names the first bad cell") {
    Tensor<float> X({3, 4}, 1.0F);
    CHECK_NOTHROW(xtnn::check_finite(X, "X.npy"));
    X(2, 3) = std::numeric_limits<float>::infinity();
    X(1, 2) = std::numeric_limits<float>::quiet_NaN();
    check_error([&] { xtnn::check_finite(X, "X.npy"); }, {"X.npy", "nan", "row 1, column 2"});
}

// ------------------------------------------------------------------ loading

TEST_CASE("load_dataset_npy: features and labels from .npy files") {
    const xtnn_test::ScratchDir dir("dataset");
    const xt::xtensor<float, 2> X = {{0.1F, 0.9F}, {1.0F, 0.0F}, {0.5F, 0.5F}};
    const xt::xtensor<std::int64_t, 1> y = {0, 1, 1};
    xtnn::save_npy(dir / "X.npy", X);
    xtnn::save_npy(dir / "y.npy", y);
    const auto data = xtnn::load_dataset_npy<float>(dir / "X.npy", dir / "y.npy");
    CHECK(data.X == X);
    CHECK(data.y == Tensor<float>{{0.0F}, {1.0F}, {1.0F}});

    const xt::xtensor<double, 2> y2 = {{0, 1}, {1, 0}, {1, 1}};
    xtnn::save_npy(dir / "y2.npy", y2);
    CHECK(xtnn::load_dataset_npy<double>(dir / "X.npy", dir / "y2.npy").outputs() == 2);

    const xt::xtensor<std::int64_t, 1> short_y = {0, 1};
    xtnn::save_npy(dir / "short.npy", short_y);
    check_error([&] { xtnn::load_dataset_npy<float>(dir / "X.npy", dir / "short.npy"); },
                {"X.npy has 3 rows", "short.npy has 2"});
    check_error([&] { xtnn::load_dataset_npy<float>(dir / "y.npy", dir / "y.npy"); },
                {"y.npy", "features must be a matrix (rank 2), found rank 1"});
    const xt::xtensor<float, 3> cube({3, 1, 1}, 0.0F);
    xtnn::save_npy(dir / "cube.npy", cube);
    check_error([&] { xtnn::load_dataset_npy<float>(dir / "X.npy", dir / "cube.npy"); },
                {"cube.npy", "found rank 3"});

    xt::xtensor<float, 2> with_nan = X;
    with_nan(2, 1) = std::numeric_limits<float>::quiet_NaN();
    xtnn::save_npy(dir / "nan.npy", with_nan);
    check_error([&] { xtnn::load_dataset_npy<float>(dir / "nan.npy", dir / "y.npy"); },
                {"nan.npy", "non-finite", "row 2, column 1"});
}

TEST_CASE("load_dataset_npy: the real Kryptonite-9 files") {
    const std::filesystem::path dir = XTNN_TEST_DATA_DIR;
    if (!std::filesystem::exists(dir / "kryptonite-9-X.npy")) {
        MESSAGE("Kryptonite data not found in " << dir << "; skipped");
        return;
    }
    const auto data =
        xtnn::load_dataset_npy<float>(dir / "kryptonite-9-X.npy", dir / "kryptonite-9-y.npy");
    CHECK(data.size() == 18000);
    CHECK(data.features() == 9);
    CHECK(data.outputs() == 1);
    CHECK(
        std::all_of(data.y.begin(), data.y.end(), [](float v) { return v == 0.0F || v == 1.0F; }));
}

// ------------------------------------------------------------------ splits

TEST_CASE("split: sizes follow floor(f·N), parts are disjoint and cover everything") {
    const Dataset<double> data = numbered(100);
    const auto [train, val, test] = xtnn::train_val_test_split(data, {0.6, 0.2, 0.2}, 7);
    CHECK(train.size() == 60);
    CHECK(val.size() == 20);
    CHECK(test.size() == 20);
    std::vector<std::size_t> all = row_ids(train);
    for (const auto& part : {val, test}) {
        const auto ids = row_ids(part);
        all.insert(all.end(), ids.begin(), ids.end());
    }
    std::sort(all.begin(), all.end());
    std::vector<std::size_t> expected(100);
    std::iota(expected.begin(), expected.end(), std::size_t{0});
    CHECK(all == expected);
    CHECK_FALSE(std::is_sorted(row_ids(train).begin(), row_ids(train).end()));  // shuffled

    const auto tricky = xtnn::train_val_test_split(data, {0.29, 0.31, 0.4}, 1);
    CHECK(tricky.train.size() == 29);  // 0.29 * 100 is 28.999... in binary
    CHECK(tricky.val.size() == 31);
    CHECK(tricky.test.size() == 40);
    const auto rounded = xtnn::train_val_test_split(numbered(10), {0.55, 0.25, 0.2}, 1);
    CHECK(rounded.train.size() == 5);
    CHECK(rounded.val.size() == 2);
    CHECK(rounded.test.size() == 3);  // the rest

    const auto [train_part, test_part] = xtnn::train_test_split(numbered(100), 0.25, 3);
    CHECK(train_part.size() == 75);
    CHECK(test_part.size() == 25);
}

TEST_CASE("split: the seed decides, and only the seed") {
    const Dataset<double> data = numbered(50);
    const auto a = xtnn::train_val_test_split(data, {0.5, 0.25, 0.25}, 42);
    const auto b = xtnn::train_val_test_split(data, {0.5, 0.25, 0.25}, 42);
    const auto c = xtnn::train_val_test_split(data, {0.5, 0.25, 0.25}, 43);
    CHECK(a.train.X == b.train.X);
    CHECK(a.test.y == b.test.y);
    CHECK(a.train.X != c.train.X);
}

TEST_CASE("split: stratified parts keep each class's share to within one row") {
    const Dataset<double> data = numbered(1003, 4);  // 251 positives
    const double share = 251.0 / 1003.0;
    for (const std::uint64_t seed : {1, 2, 3}) {
        const auto parts =
            xtnn::train_val_test_split(data, {0.7, 0.15, 0.15}, seed, {.stratify = true});
        for (const auto* part : {&parts.train, &parts.val, &parts.test}) {
            CHECK(std::abs(positives(*part) - share * static_cast<double>(part->size())) <= 1.0);
        }
        CHECK(parts.train.size() == 702);
        CHECK(parts.val.size() == 150);
        CHECK(parts.test.size() == 151);
    }
    const auto tt = xtnn::train_test_split(data, 0.2, 5, {.stratify = true});
    CHECK(std::abs(positives(tt.test) - share * 200.0) <= 1.0);

    const Dataset<double> two_outputs{Tensor<double>({4, 1}), Tensor<double>({4, 2})};
    check_error([&] { xtnn::train_test_split(two_outputs, 0.5, 1, {.stratify = true}); },
                {"single label column", "2"});
}

// ------------------------------------------------------------------ scalers

TEST_CASE("StandardScaler: zero mean and unit population std on the fitted split") {
    xtnn::Rng rng(3);
    Tensor<double> X({500, 3});
    for (std::size_t i = 0; i < 500; ++i) {
        X(i, 0) = rng.normal(1000.0, 5.0);
        X(i, 1) = 0.1;  // constant
        X(i, 2) = rng.uniform(-1.0, 1.0);
    }
    xtnn::StandardScaler<double> scaler;
    CHECK_FALSE(scaler.fitted());
    const Tensor<double> Z = scaler.fit_transform(X);
    CHECK(scaler.fitted());
    for (std::size_t c = 0; c < 3; ++c) {
        double mean = 0.0;
        double square = 0.0;
        for (std::size_t i = 0; i < 500; ++i) mean += Z(i, c) / 500.0;
        for (std::size_t i = 0; i < 500; ++i) square += (Z(i, c) - mean) * (Z(i, c) - mean) / 500.0;
        CHECK(std::abs(mean) < 1e-9);
        if (c != 1) CHECK(std::sqrt(square) == doctest::Approx(1.0).epsilon(1e-9));
    }
    CHECK(scaler.scale()[1] == 1.0);  // constant column: scale 1, values map to 0
    for (std::size_t i = 0; i < 500; ++i) CHECK(Z(i, 1) == 0.0);

    const Tensor<double> back = scaler.inverse_transform(Z);
    for (std::size_t i = 0; i < X.size(); ++i)
        CHECK(back.data()[i] == doctest::Approx(X.data()[i]));

    xtnn::StandardScaler<float> small;
    small.fit(Tensor<float>{{1.0F}, {2.0F}, {3.0F}, {4.0F}});
    CHECK(small.mean()[0] == 2.5F);
    CHECK(small.scale()[0] == doctest::Approx(std::sqrt(1.25)));  // population, not sample, std
    Tensor<float> other{{2.5F}, {5.0F}};
    small.transform_inplace(other);  // other data uses the fitted statistics, no refit
    CHECK(other(0, 0) == 0.0F);
    CHECK(other(1, 0) == doctest::Approx(2.5 / std::sqrt(1.25)));
}

TEST_CASE("StandardScaler: a long constant double column stays exactly constant") {
    Tensor<double> X({100000, 1}, 0.1);
    xtnn::StandardScaler<double> scaler;
    const Tensor<double> Z = scaler.fit_transform(X);
    CHECK(scaler.scale()[0] == 1.0);
    CHECK(std::all_of(Z.begin(), Z.end(), [](double v) { return std::abs(v) < 1e-12; }));
}

TEST_CASE("scalers: misuse is reported") {
    xtnn::StandardScaler<float> scaler;
    check_error(
        [&] {
            (void)scaler.transform(Tensor<float>({2, 3}));
        },
        {"StandardScaler.transform", "called before fit"});
    check_error(
        [&] {
            scaler.fit(Tensor<float>({0, 3}));
        },
        {"StandardScaler.fit", "at least one row"});
    Tensor<float> bad({2, 2}, 1.0F);
    bad(1, 0) = std::numeric_limits<float>::infinity();
    check_error([&] { scaler.fit(bad); }, {"StandardScaler.fit", "row 1, column 0"});
    scaler.fit(Tensor<float>({4, 3}, 1.0F));
    check_error(
        [&] {
            (void)scaler.transform(Tensor<float>({2, 2}));
        },
        {"StandardScaler.transform", "expected input with 3 features", "2 x 2"});
    check_error(
        [&] {
            (void)scaler.inverse_transform(Tensor<float>({2, 4}));
        },
        {"StandardScaler.inverse_transform", "3 features", "2 x 4"});
    xtnn::MinMaxScaler<double> minmax;
    check_error(
        [&] {
            (void)minmax.inverse_transform(Tensor<double>({1, 1}));
        },
        {"MinMaxScaler.inverse_transform", "called before fit"});
}

TEST_CASE("scalers: state saved and restored through visit_state and set_state") {
    const Tensor<double> X = {{1.0, 10.0}, {3.0, 10.0}, {8.0, 10.0}};
    xtnn::StandardScaler<double> fitted;
    fitted.fit(X);

    std::vector<std::string> names;
    std::vector<std::vector<double>> saved;
    const auto& const_fitted = fitted;
    const_fitted.visit_state([&](std::string_view name, const std::vector<double>& values) {
        names.emplace_back(name);
        saved.push_back(values);
    });
    CHECK(names == std::vector<std::string>{"mean", "scale"});

    xtnn::StandardScaler<double> restored;
    std::size_t k = 0;
    restored.visit_state(
        [&](std::string_view, std::vector<double>& values) { values = saved[k++]; });
    CHECK(restored.fitted());
    CHECK(restored.transform(X) == fitted.transform(X));

    xtnn::StandardScaler<double> broken;
    check_error(
        [&] {
            broken.visit_state([&](std::string_view name, std::vector<double>& values) {
                values = name == "mean" ? std::vector<double>{1, 2, 3} : std::vector<double>{1, 2};
            });
        },
        {"StandardScaler: invalid state", "'mean' has 3 values and 'scale' has 2"});
    CHECK_FALSE(broken.fitted());
    check_error([&] { broken.set_state({0.0}, {0.0}); }, {"column 0", "positive scale"});
    CHECK_FALSE(broken.fitted());
    broken.set_state({1.0, 2.0}, {2.0, 4.0});
    CHECK(broken.transform(Tensor<double>{{3.0, 6.0}}) == Tensor<double>{{1.0, 1.0}});

    xtnn::StandardScaler<double> unfitted;  // saving an unfitted scaler and loading it back is fine
    unfitted.visit_state([](std::string_view, std::vector<double>&) {});
    CHECK_FALSE(unfitted.fitted());

    xtnn::MinMaxScaler<double> minmax;
    minmax.fit(X);
    names.clear();
    minmax.visit_state(
        [&](std::string_view name, std::vector<double>&) { names.emplace_back(name); });
    CHECK(names == std::vector<std::string>{"min", "scale"});
}

TEST_CASE("MinMaxScaler: maps the fitted split onto [0, 1]") {
    const Tensor<float> X = {{-2.0F, 5.0F, 1.0F}, {0.0F, 5.0F, 3.0F}, {2.0F, 5.0F, 2.0F}};
    xtnn::MinMaxScaler<float> scaler;
    const Tensor<float> Z = scaler.fit_transform(X);
    CHECK(Z == Tensor<float>{{0.0F, 0.0F, 0.0F}, {0.5F, 0.0F, 1.0F}, {1.0F, 0.0F, 0.5F}});
    CHECK(scaler.min() == std::vector<float>{-2.0F, 5.0F, 1.0F});
    CHECK(scaler.scale() == std::vector<float>{4.0F, 1.0F, 2.0F});
    CHECK(scaler.inverse_transform(Z) == X);
}

// ------------------------------------------------------------------ batches

TEST_CASE("BatchIterator: every row exactly once per epoch, last batch partial") {
    const Dataset<double> data = numbered(10);
    xtnn::BatchIterator<double> batches(data, 4, true);
    CHECK(batches.batches_per_epoch() == 3);
    xtnn::Rng rng(11);
    std::vector<std::size_t> previous;
    for (int epoch = 0; epoch < 3; ++epoch) {
        batches.start_epoch(rng);
        std::vector<std::size_t> seen;
        std::vector<std::size_t> sizes;
        while (batches.next()) {
            sizes.push_back(batches.X().shape(0));
            CHECK(batches.y().shape(0) == batches.X().shape(0));
            const Dataset<double> batch{batches.X(), batches.y()};
            const auto ids = row_ids(batch);  // also checks X and y rows still match
            seen.insert(seen.end(), ids.begin(), ids.end());
        }
        CHECK(sizes == std::vector<std::size_t>{4, 4, 2});
        CHECK(seen != previous);  // reshuffled every epoch
        previous = seen;
        std::sort(seen.begin(), seen.end());
        CHECK(seen == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    }
}

TEST_CASE("BatchIterator: order is fixed by the Rng seed; unshuffled is in order") {
    const Dataset<double> data = numbered(20);
    const auto epoch_order = [&](std::uint64_t seed, bool shuffle) {
        xtnn::BatchIterator<double> batches(data, 3, shuffle);
        xtnn::Rng rng(seed);
        batches.start_epoch(rng);
        std::vector<double> order;
        while (batches.next()) {
            for (std::size_t i = 0; i < batches.X().shape(0); ++i)
                order.push_back(batches.X()(i, 0));
        }
        return order;
    };
    CHECK(epoch_order(5, true) == epoch_order(5, true));
    CHECK(epoch_order(5, true) != epoch_order(6, true));
    std::vector<double> in_order(20);
    std::iota(in_order.begin(), in_order.end(), 0.0);
    CHECK(epoch_order(5, false) == in_order);
}

TEST_CASE("BatchIterator: drop_last, buffer reuse, misuse") {
    const Dataset<double> data = numbered(10);
    xtnn::BatchIterator<double> batches(data, 4, true, true);
    CHECK(batches.batches_per_epoch() == 2);
    xtnn::Rng rng(1);
    batches.start_epoch(rng);
    REQUIRE(batches.next());
    const double* buffer = batches.X().data();
    REQUIRE(batches.next());
    CHECK(batches.X().data() == buffer);  // same-size batches reuse the buffer
    CHECK_FALSE(batches.next());

    // With a partial last batch too, every later epoch reuses the same buffers.
    xtnn::BatchIterator<double> kept(data, 4, true);
    std::vector<const double*> first_epoch;
    for (int epoch = 0; epoch < 3; ++epoch) {
        kept.start_epoch(rng);
        std::vector<const double*> buffers;
        while (kept.next()) buffers.push_back(kept.X().data());
        CHECK(buffers.size() == 3);
        if (epoch == 0) first_epoch = buffers;
        CHECK(buffers == first_epoch);
    }

    xtnn::BatchIterator<double> too_big(data, 32, false, true);
    CHECK(too_big.batches_per_epoch() == 0);
    too_big.start_epoch(rng);
    CHECK_FALSE(too_big.next());
    xtnn::BatchIterator<double> whole(data, 32, false);
    whole.start_epoch(rng);
    REQUIRE(whole.next());
    CHECK(whole.X().shape(0) == 10);

    xtnn::BatchIterator<double> unstarted(data, 2, false);
    check_error([&] { unstarted.next(); }, {"next() called before start_epoch()"});
}
