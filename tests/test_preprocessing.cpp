// Binarizer, KBinsDiscretizer and QuantileTransformer: values worked out by
// hand from the definitions (NumPy's linear percentile, scikit-learn's
// interpolation and clipping), checkpoint round trips, edge cases and error
// messages. The last case compares with scikit-learn itself when Debian's
// python3-sklearn is installed (tests/sklearn/preprocessing_parity.py).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <xtnn/compose/sequential.hpp>
#include <xtnn/core/random.hpp>
#include <xtnn/data/binarizer.hpp>
#include <xtnn/data/kbins_discretizer.hpp>
#include <xtnn/data/quantile_transformer.hpp>
#include <xtnn/data/scaler.hpp>
#include <xtnn/io/checkpoint.hpp>
#include <xtnn/layers/dense.hpp>

#include "data_test_support.hpp"

using namespace xtnn;
using xtnn_test::check_error;

namespace {

// Rows x columns from a row-major list.
template <class T>
Tensor<T> matrix(std::size_t rows, std::size_t cols, std::initializer_list<double> values) {
    REQUIRE(values.size() == rows * cols);
    Tensor<T> t = Tensor<T>::from_shape({rows, cols});
    std::size_t i = 0;
    for (const double v : values) t.data()[i++] = static_cast<T>(v);
    return t;
}

// One column of doubles as a Tensor<T>.
template <class T>
Tensor<T> column(std::initializer_list<double> values) {
    return matrix<T>(values.size(), 1, values);
}

template <class T>
void check_close(const Tensor<T>& actual, const Tensor<T>& expected, double tolerance) {
    REQUIRE(actual.shape(0) == expected.shape(0));
    REQUIRE(actual.shape(1) == expected.shape(1));
    for (std::size_t i = 0; i < actual.size(); ++i) {
        INFO("element ", i, ": ", actual.data()[i], " vs ", expected.data()[i]);
        CHECK(std::abs(static_cast<double>(actual.data()[i]) - static_cast<double>(expected.data()[i])) <=
              tolerance);
    }
}

template <class T>
constexpr double tolerance_for() {
    return std::is_same_v<T, float> ? 1e-6 : 1e-12;
}

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

}  // namespace

// ------------------------------------------------------------------ Binarizer

TEST_CASE_TEMPLATE("Binarizer: 1 strictly above the threshold, 0 at or below it", T, float, double) {
    const Tensor<T> X = matrix<T>(2, 3, {-1, 0, 0.5, 2, 0, 0.25});
    Binarizer<T> one_threshold;  // 0, scikit-learn's default
    CHECK(one_threshold.fit_transform(X) == matrix<T>(2, 3, {0, 0, 1, 1, 0, 1}));
    CHECK(one_threshold.threshold() == std::vector<T>(3, T{0}));

    Binarizer<T> per_feature(std::vector<T>{0, -1, T(0.25)});
    per_feature.fit(X);
    CHECK(per_feature.transform(X) == matrix<T>(2, 3, {0, 1, 1, 1, 1, 0}));
    Tensor<T> other = matrix<T>(1, 3, {0.01, -1, 0.3});
    per_feature.transform_inplace(other);
    CHECK(other == matrix<T>(1, 3, {1, 0, 1}));
}

TEST_CASE("Binarizer: misuse is reported") {
    Binarizer<float> binarizer(0.5F);
    check_error([&] { (void)binarizer.transform(Tensor<float>({2, 3})); }, {"Binarizer.transform", "before fit"});
    check_error([&] { binarizer.fit(Tensor<float>({0, 3})); }, {"Binarizer.fit", "at least one row"});
    binarizer.fit(Tensor<float>({4, 3}, 1.0F));
    check_error([&] { (void)binarizer.transform(Tensor<float>({2, 2})); },
                {"Binarizer.transform", "expected input with 3 features", "2 x 2"});
    Tensor<float> with_nan({2, 3}, 0.0F);
    with_nan(1, 2) = std::numeric_limits<float>::quiet_NaN();
    check_error([&] { (void)binarizer.transform(with_nan); }, {"Binarizer.transform", "row 1, column 2"});
    check_error([&] { binarizer.fit(with_nan); }, {"Binarizer.fit", "row 1, column 2"});

    Binarizer<double> per_feature(std::vector<double>{0.0, 1.0});
    check_error([&] { per_feature.fit(Tensor<double>({3, 4})); },
                {"Binarizer.fit", "2 thresholds (one per feature) for input with 4 features"});
    check_error([] { Binarizer<double> b(std::vector<double>{}); }, {"Binarizer", "at least one threshold"});
    check_error([] { Binarizer<double> b(std::vector<double>{0.0, not_a_number}); },
                {"Binarizer", "must be finite", "at index 1"});
}

// ------------------------------------------------------------------ KBinsDiscretizer

TEST_CASE_TEMPLATE("KBinsDiscretizer uniform: equal widths from min to max; a constant feature gets one bin", T, float,
                   double) {
    // Column 0 spans 0..10: edges 0, 2, 4, 6, 8, 10. Column 1 is constant.
    Tensor<T> X = Tensor<T>::from_shape({11, 2});
    for (std::size_t r = 0; r < 11; ++r) {
        X(r, 0) = static_cast<T>(r);
        X(r, 1) = T{3};
    }
    KBinsDiscretizer<T> ordinal({.n_bins = 5, .strategy = BinStrategy::uniform, .encode = BinEncoding::ordinal});
    ordinal.fit(X);
    CHECK(ordinal.n_bins() == std::vector<std::size_t>{5, 1});
    CHECK(ordinal.output_width() == 2);
    const std::vector<T> edges(ordinal.bin_edges(0).begin(), ordinal.bin_edges(0).end());
    CHECK(edges == std::vector<T>{0, 2, 4, 6, 8, 10});

    // A value's bin counts the inner edges at or below it; the ends extend outwards.
    const Tensor<T> probe = matrix<T>(6, 2, {0, 3, 1.99, -4, 2, 7, 9.9, 3, 10, 3, 15, 2.5});
    const Tensor<T> bins = matrix<T>(6, 2, {0, 0, 0, 0, 1, 0, 4, 0, 4, 0, 4, 0});
    CHECK(ordinal.transform(probe) == bins);
    CHECK(ordinal.inverse_transform(bins) == matrix<T>(6, 2, {1, 3, 1, 3, 3, 3, 9, 3, 9, 3, 9, 3}));

    KBinsDiscretizer<T> one_hot({.n_bins = 5, .strategy = BinStrategy::uniform});
    one_hot.fit(X);
    CHECK(one_hot.output_width() == 6);
    const Tensor<T> encoded = one_hot.transform(matrix<T>(2, 2, {5, 3, 10, 100}));
    CHECK(encoded == matrix<T>(2, 6, {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1}));
    CHECK(one_hot.inverse_transform(encoded) == matrix<T>(2, 2, {5, 3, 9, 3}));
}

TEST_CASE_TEMPLATE("KBinsDiscretizer quantile: edges at NumPy's linear percentiles, narrow bins dropped", T, float,
                   double) {
    // Column 0 = 1..9: percentiles 0/25/50/75/100 sit at sorted indices 0/2/4/6/8.
    // Column 1 = six 0s then 1, 2, 3: percentiles 0, 0, 0, 1, 3; the two zero-width
    // bins go, leaving edges 0, 1, 3.
    const Tensor<T> X = matrix<T>(9, 2, {1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 1, 8, 2, 9, 3});
    KBinsDiscretizer<T> discretizer({.n_bins = 4, .encode = BinEncoding::ordinal});
    const Tensor<T> binned = discretizer.fit_transform(X);
    CHECK(discretizer.n_bins() == std::vector<std::size_t>{4, 2});
    CHECK(std::vector<T>(discretizer.bin_edges(0).begin(), discretizer.bin_edges(0).end()) ==
          std::vector<T>{1, 3, 5, 7, 9});
    CHECK(std::vector<T>(discretizer.bin_edges(1).begin(), discretizer.bin_edges(1).end()) ==
          std::vector<T>{0, 1, 3});
    CHECK(binned == matrix<T>(9, 2, {0, 0, 0, 0, 1, 0, 1, 0, 2, 0, 2, 0, 3, 1, 3, 1, 3, 1}));
    CHECK(discretizer.inverse_transform(binned) ==
          matrix<T>(9, 2, {2, 0.5, 2, 0.5, 4, 0.5, 4, 0.5, 6, 0.5, 6, 0.5, 8, 2, 8, 2, 8, 2}));

    // Between sorted values: 0, 10, 20, 30, 40 in 3 bins puts the inner edges at
    // virtual indices 4/3 and 8/3, i.e. 13.33 and 26.67.
    KBinsDiscretizer<T> thirds({.n_bins = 3});
    thirds.fit(column<T>({40, 0, 30, 10, 20}));
    const auto inner = thirds.bin_edges(0);
    CHECK(static_cast<double>(inner[1]) == doctest::Approx(40.0 / 3.0).epsilon(1e-6));
    CHECK(static_cast<double>(inner[2]) == doctest::Approx(80.0 / 3.0).epsilon(1e-6));
    CHECK(thirds.output_width() == 3);
    CHECK(thirds.transform(column<T>({13, 14, 27})) == matrix<T>(3, 3, {1, 0, 0, 0, 1, 0, 0, 0, 1}));
}

TEST_CASE("KBinsDiscretizer: misuse is reported") {
    check_error([] { KBinsDiscretizer<float> d({.n_bins = 1}); }, {"KBinsDiscretizer", "n_bins must be at least 2"});
    KBinsDiscretizer<double> discretizer({.n_bins = 4});
    check_error([&] { (void)discretizer.transform(Tensor<double>({2, 3})); },
                {"KBinsDiscretizer.transform", "before fit"});
    check_error([&] { (void)discretizer.output_width(); }, {"KBinsDiscretizer.output_width", "before fit"});
    check_error([&] { (void)discretizer.inverse_transform(Tensor<double>({2, 3})); },
                {"KBinsDiscretizer.inverse_transform", "before fit"});
    check_error([&] { discretizer.fit(column<double>({1, 2, 3})); },
                {"KBinsDiscretizer.fit", "3 rows are too few for 4 bins"});
    check_error([&] { discretizer.fit(column<double>({1, 2, not_a_number, 3, 4})); }, {"KBinsDiscretizer.fit", "row 2, column 0"});
    CHECK_FALSE(discretizer.fitted());

    discretizer.fit(matrix<double>(4, 2, {1, 7, 2, 7, 3, 7, 4, 7}));  // a constant feature: one bin
    CHECK(discretizer.n_bins() == std::vector<std::size_t>{4, 1});
    check_error([&] { (void)discretizer.transform(Tensor<double>({1, 3})); },
                {"KBinsDiscretizer.transform", "expected input with 2 features", "1 x 3"});
    check_error([&] { (void)discretizer.transform(matrix<double>(1, 2, {1, not_a_number})); }, {"row 0, column 1"});
    check_error([&] { (void)discretizer.inverse_transform(Tensor<double>({1, 2})); },
                {"KBinsDiscretizer.inverse_transform", "expected input with 5 features"});
    check_error([&] { (void)discretizer.inverse_transform(matrix<double>(1, 5, {0, 1, 0, 0, 0})); },
                {"row 0, columns 4 to 4 (feature 1) are not one-hot"});
    check_error([&] { (void)discretizer.inverse_transform(matrix<double>(1, 5, {0, 1, 1, 0, 1})); },
                {"row 0, columns 0 to 3 (feature 0) are not one-hot"});
    check_error([&] { (void)discretizer.inverse_transform(matrix<double>(1, 5, {0, 0.5, 0, 0, 1})); },
                {"(feature 0) are not one-hot"});

    KBinsDiscretizer<double> ordinal({.n_bins = 2, .encode = BinEncoding::ordinal});
    ordinal.fit(column<double>({0, 1, 2}));
    for (const double bad : {2.0, -1.0, 0.5, not_a_number}) {
        check_error([&] { (void)ordinal.inverse_transform(column<double>({bad})); },
                    {"KBinsDiscretizer.inverse_transform: row 0, column 0 holds", "from 0 to 1"});
    }
}

// ------------------------------------------------------------------ QuantileTransformer

TEST_CASE_TEMPLATE("QuantileTransformer uniform: interpolates quantiles onto references, clipped to [0, 1]", T, float,
                   double) {
    // 0..4 with 5 quantiles: quantile k is k, reference k is k / 4.
    QuantileTransformer<T> transformer({.n_quantiles = 5});
    transformer.fit(column<T>({3, 0, 4, 1, 2}));
    CHECK(std::vector<T>(transformer.quantiles(0).begin(), transformer.quantiles(0).end()) ==
          std::vector<T>{0, 1, 2, 3, 4});
    const Tensor<T> probe = column<T>({1.5, 0, 4, -1, 10, 2});
    const Tensor<T> mapped = column<T>({0.375, 0, 1, 0, 1, 0.5});
    check_close(transformer.transform(probe), mapped, tolerance_for<T>());
    check_close(transformer.inverse_transform(column<T>({0.375, 0, 1, 0.9, -0.5, 1.5})),
                column<T>({1.5, 0, 4, 3.6, 0, 4}), tolerance_for<T>());

    // Ties: quantiles 0, 1, 1, 1, 2. A value on the run maps to the middle of its
    // references (0.25 and 0.75), as the mean of interpolating up and down.
    QuantileTransformer<T> ties({.n_quantiles = 5});
    ties.fit(column<T>({1, 0, 1, 2, 1}));
    check_close(ties.transform(column<T>({1, 0.5, 1.5})), column<T>({0.5, 0.125, 0.875}), tolerance_for<T>());

    // Fewer quantiles than rows: 0..8 with 3 quantiles gives 0, 4, 8.
    QuantileTransformer<T> coarse({.n_quantiles = 3});
    coarse.fit(column<T>({0, 1, 2, 3, 4, 5, 6, 7, 8}));
    CHECK(std::vector<T>(coarse.quantiles(0).begin(), coarse.quantiles(0).end()) == std::vector<T>{0, 4, 8});
    check_close(coarse.transform(column<T>({2, 6})), column<T>({0.25, 0.75}), tolerance_for<T>());
}

TEST_CASE("standard normal: the CDF inverts the quantile function to double precision") {
    CHECK(detail::standard_normal_quantile(0.5) == 0.0);
    CHECK(detail::standard_normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-15));
    CHECK(detail::standard_normal_quantile(0.25) == doctest::Approx(-0.6744897501960817).epsilon(1e-15));
    CHECK(detail::standard_normal_quantile(0.0) == -std::numeric_limits<double>::infinity());
    CHECK(detail::standard_normal_quantile(1.0) == std::numeric_limits<double>::infinity());
    CHECK(std::isnan(detail::standard_normal_quantile(1.5)));
    CHECK(detail::standard_normal_cdf(1.0) == doctest::Approx(0.8413447460685429).epsilon(1e-15));
    // Tail probabilities round-trip within a few ulps, both tails and both branches.
    for (const double p : {1e-300, 1e-20, 1e-10, 1e-7, 0.001, 0.02, 0.03, 0.2, 0.45}) {
        INFO("p = ", p);
        CHECK(detail::standard_normal_cdf(detail::standard_normal_quantile(p)) == doctest::Approx(p).epsilon(1e-14));
        CHECK(detail::standard_normal_cdf(-detail::standard_normal_quantile(1.0 - p)) ==
              doctest::Approx(1.0 - (1.0 - p)).epsilon(1e-14));
    }
}

TEST_CASE_TEMPLATE("QuantileTransformer normal: Phi^-1 of the uniform value, clipped 1e-7 from the ends", T, float,
                   double) {
    // scikit-learn's ends: Phi^-1(1e-7 - eps) and Phi^-1(1 - (1e-7 - eps)); the
    // rounding of 1 - (1e-7 - eps) makes them differ by ~1e-10 in magnitude.
    constexpr double margin = 1e-7 - std::numeric_limits<double>::epsilon();
    const double low = detail::standard_normal_quantile(margin);
    const double high = detail::standard_normal_quantile(1.0 - margin);
    CHECK(low == doctest::Approx(-5.199337582).epsilon(1e-9));
    CHECK(high == doctest::Approx(5.199337582).epsilon(1e-9));
    QuantileTransformer<T> transformer({.n_quantiles = 5, .output = QuantileOutput::normal});
    transformer.fit(column<T>({0, 1, 2, 3, 4}));
    // 4 - 5e-8 is within 1e-7 of the last quantile: clipped like 4 itself (double only:
    // float cannot hold it apart from 4).
    check_close(transformer.transform(column<T>({2, 1, 3, 0, 4, -7, 9})),
                column<T>({0, -0.6744897501960817, 0.6744897501960817, low, high, low, high}),
                tolerance_for<T>());
    if constexpr (std::is_same_v<T, double>) {
        CHECK(transformer.transform(column<T>({4 - 5e-8}))(0, 0) == high);
    }
    check_close(transformer.inverse_transform(column<T>({0, -0.6744897501960817, low, high, -40, 40})),
                column<T>({2, 1, 0, 4, 0, 4}), std::is_same_v<T, float> ? 1e-5 : 1e-12);
}

TEST_CASE("QuantileTransformer: a constant feature maps to the lowest output at or below its value") {
    QuantileTransformer<double> uniform({.n_quantiles = 3});
    uniform.fit(column<double>({3, 3, 3}));
    CHECK(uniform.transform(column<double>({3, 2, 4})) == column<double>({0, 0, 1}));
    CHECK(uniform.inverse_transform(column<double>({0, 0.5, 1})) == column<double>({3, 3, 3}));
    QuantileTransformer<double> normal({.n_quantiles = 3, .output = QuantileOutput::normal});
    normal.fit(column<double>({3, 3, 3}));
    const Tensor<double> mapped = normal.transform(column<double>({3, 4}));
    CHECK(mapped(0, 0) == doctest::Approx(-5.199337582).epsilon(1e-9));
    CHECK(mapped(1, 0) == doctest::Approx(5.199337582).epsilon(1e-9));
}

TEST_CASE("QuantileTransformer: misuse is reported") {
    check_error([] { QuantileTransformer<float> q({.n_quantiles = 1}); },
                {"QuantileTransformer", "n_quantiles must be at least 2"});
    QuantileTransformer<float> transformer;  // 1000 quantiles, scikit-learn's default
    check_error([&] { (void)transformer.transform(Tensor<float>({2, 3})); },
                {"QuantileTransformer.transform", "before fit"});
    check_error([&] { (void)transformer.inverse_transform(Tensor<float>({2, 3})); },
                {"QuantileTransformer.inverse_transform", "before fit"});
    check_error([&] { transformer.fit(Tensor<float>({999, 2}, 1.0F)); },
                {"QuantileTransformer.fit", "999 rows are too few for n_quantiles = 1000", "lower n_quantiles"});
    check_error([&] { transformer.fit(Tensor<float>({0, 2})); }, {"QuantileTransformer.fit", "at least one row"});
    Tensor<float> with_inf({1000, 2}, 1.0F);
    with_inf(7, 1) = std::numeric_limits<float>::infinity();
    check_error([&] { transformer.fit(with_inf); }, {"QuantileTransformer.fit", "row 7, column 1"});
    CHECK_FALSE(transformer.fitted());
    with_inf(7, 1) = 0.0F;
    transformer.fit(with_inf);
    check_error([&] { (void)transformer.transform(Tensor<float>({1, 3})); },
                {"QuantileTransformer.transform", "expected input with 2 features", "1 x 3"});
    check_error([&] { (void)transformer.inverse_transform(matrix<float>(1, 2, {0.5, not_a_number})); },
                {"QuantileTransformer.inverse_transform", "row 0, column 1"});
}

// ------------------------------------------------------------------ checkpoints

namespace {

auto small_model() {
    auto model = Sequential(Dense<double>(3, 2));
    init_parameters(model, 1);
    return model;
}

Tensor<double> training_rows() {
    Rng rng(5);
    Tensor<double> X = Tensor<double>::from_shape({40, 3});
    for (auto& v : X) v = rng.normal();
    return X;
}

}  // namespace

TEST_CASE("the three transforms are saved with the model and restored by load, options included") {
    const Tensor<double> X = training_rows();
    Binarizer<double> binarizer(std::vector<double>{0.0, 0.5, -0.5});
    KBinsDiscretizer<double> kbins({.n_bins = 4, .strategy = BinStrategy::uniform, .encode = BinEncoding::one_hot});
    QuantileTransformer<double> quantile({.n_quantiles = 20, .output = QuantileOutput::normal});
    StandardScaler<double> scaler;
    binarizer.fit(X);
    kbins.fit(X);
    quantile.fit(X);
    scaler.fit(X);
    static_assert(CheckpointExtra<Binarizer<float>> && CheckpointExtra<KBinsDiscretizer<float>> &&
                  CheckpointExtra<QuantileTransformer<double>>);

    auto model = small_model();
    const xtnn_test::ScratchDir dir("preprocessing");
    save(model, dir / "model.npz", binarizer, kbins, quantile, scaler);

    // Loaded into objects built with other options: the file's win.
    Binarizer<double> binarizer2;
    KBinsDiscretizer<double> kbins2({.n_bins = 9, .encode = BinEncoding::ordinal});
    QuantileTransformer<double> quantile2;
    StandardScaler<double> scaler2;
    auto model2 = small_model();
    load(model2, dir / "model.npz", binarizer2, kbins2, quantile2, scaler2);
    CHECK(binarizer2.transform(X) == binarizer.transform(X));
    CHECK(kbins2.options().n_bins == 4);
    CHECK(kbins2.options().strategy == BinStrategy::uniform);
    CHECK(kbins2.options().encode == BinEncoding::one_hot);
    CHECK(kbins2.n_bins() == kbins.n_bins());
    CHECK(kbins2.transform(X) == kbins.transform(X));
    CHECK(kbins2.inverse_transform(kbins.transform(X)) == kbins.inverse_transform(kbins.transform(X)));
    CHECK(quantile2.options().n_quantiles == 20);
    CHECK(quantile2.options().output == QuantileOutput::normal);
    CHECK(quantile2.transform(X) == quantile.transform(X));
    CHECK(quantile2.inverse_transform(quantile.transform(X)) == quantile.inverse_transform(quantile.transform(X)));
    CHECK(scaler2.transform(X) == scaler.transform(X));

    // float state saved, double loaded: the values convert, the mapping agrees.
    const Tensor<float> Xf = xt::cast<float>(X);
    QuantileTransformer<float> quantile_f({.n_quantiles = 10});
    quantile_f.fit(Xf);
    save(model, dir / "float.npz", quantile_f);
    QuantileTransformer<double> from_float;
    load(model2, dir / "float.npz", from_float);
    check_close(Tensor<double>(xt::cast<double>(quantile_f.transform(Xf))), from_float.transform(X), 1e-6);

    // An unfitted transform round-trips as unfitted, with its options.
    KBinsDiscretizer<double> unfitted({.n_bins = 3, .encode = BinEncoding::ordinal});
    save(model, dir / "unfitted.npz", unfitted);
    KBinsDiscretizer<double> loaded_unfitted;
    load(model2, dir / "unfitted.npz", loaded_unfitted);
    CHECK_FALSE(loaded_unfitted.fitted());
    CHECK(loaded_unfitted.options().n_bins == 3);
    CHECK(loaded_unfitted.options().encode == BinEncoding::ordinal);
}

TEST_CASE("a checkpoint without a transform's state, or with a bad one, changes nothing") {
    const Tensor<double> X = training_rows();
    auto model = small_model();
    const xtnn_test::ScratchDir dir("preprocessing-bad");
    save(model, dir / "plain.npz");
    KBinsDiscretizer<double> kbins({.n_bins = 3});
    kbins.fit(X);
    const Tensor<double> before = kbins.transform(X);
    check_error([&] { load(model, dir / "plain.npz", kbins); },
                {"plain.npz", "no 'scaler.kbins_discretizer.options' in the checkpoint"});
    CHECK(kbins.transform(X) == before);

    // The model's arrays, then a transform state with one thing wrong.
    const auto archive_with = [&](std::string_view key, std::vector<double> values) {
        NpzWriter writer;
        model.visit_parameters([&](Param<double>& p) { writer.add(p.name(), p.data(), {p.rows(), p.cols()}); });
        writer.add(std::string("scaler.") + std::string(key), values.data(), {values.size()});
        return writer;
    };
    const auto kbins_archive = [&](std::vector<double> options, std::vector<double> bins, std::vector<double> edges) {
        NpzWriter writer = archive_with("kbins_discretizer.options", std::move(options));
        writer.add("scaler.kbins_discretizer.n_bins", bins.data(), {bins.size()});
        writer.add("scaler.kbins_discretizer.bin_edges", edges.data(), {edges.size()});
        return parse_npz(writer.bytes(), "bad.npz");
    };
    check_error([&] { load(model, kbins_archive({3, 1, 1}, {2}, {0, 2, 1}), kbins); },
                {"KBinsDiscretizer: invalid state", "bin edges of feature 0 are not ascending"});
    check_error([&] { load(model, kbins_archive({3, 1, 1}, {2, 1}, {0, 1, 2}), kbins); },
                {"'kbins_discretizer.bin_edges' has 3 values; the bins per feature need 5"});
    check_error([&] { load(model, kbins_archive({3, 2, 1}, {2}, {0, 1, 2}), kbins); },
                {"must hold n_bins >= 2, strategy 0 or 1 and encode 0 or 1"});
    check_error([&] { load(model, kbins_archive({3, 1, 1}, {1.5}, {0, 1, 2}), kbins); },
                {"bins per feature must be whole numbers >= 1, got 1.5"});
    CHECK(kbins.transform(X) == before);
    CHECK(kbins.options().n_bins == 3);

    QuantileTransformer<double> quantile({.n_quantiles = 4});
    quantile.fit(X);
    const auto quantile_archive = [&](std::vector<double> quantiles) {
        NpzWriter writer = archive_with("quantile_transformer.options", {4, 0});
        writer.add("scaler.quantile_transformer.quantiles", quantiles.data(), {quantiles.size()});
        return parse_npz(writer.bytes(), "bad.npz");
    };
    check_error([&] { load(model, quantile_archive({0, 1, 2}), quantile); },
                {"QuantileTransformer: invalid state", "has 3 values, not a multiple of n_quantiles = 4"});
    check_error([&] { load(model, quantile_archive({0, 1, 2, 3, 0, 2, 1, 3}), quantile); },
                {"the quantiles of feature 1 are not ascending"});
    check_error([&] { load(model, quantile_archive({0, 1, 2, not_a_number}), quantile); },
                {"'scaler.quantile_transformer.quantiles' holds a non-finite value at index 3"});
    CHECK(quantile.columns() == 3);

    Binarizer<double> binarizer;
    binarizer.fit(X);
    check_error([&] { binarizer.visit_state([](std::string_view, std::vector<double>& t) { t = {0.0, not_a_number}; }); },
                {"Binarizer: invalid state", "non-finite value nan at index 1"});
    CHECK_FALSE(binarizer.fitted());
}

// ------------------------------------------------------------------ scikit-learn

namespace {

constexpr const char* python = "/usr/bin/python3";

bool sklearn_available() {
    static const bool available =
        std::system((std::string(python) + " -c 'import sklearn, numpy' >/dev/null 2>&1").c_str()) == 0;
    return available;
}

// Training rows with a normal, a skewed, a tied (five values) and a constant
// feature; new rows reach beyond the training range.
Tensor<double> parity_rows(Rng& rng, std::size_t rows, double spread) {
    Tensor<double> X = Tensor<double>::from_shape({rows, 4});
    for (std::size_t r = 0; r < rows; ++r) {
        X(r, 0) = spread * rng.normal();
        X(r, 1) = std::exp(spread * rng.normal());
        X(r, 2) = static_cast<double>(rng() % 5) - 2.0;
        X(r, 3) = 1.25;
    }
    return X;
}

template <class Transform>
void add_outputs(NpzWriter& out, const std::string& name, const Transform& transform, const Tensor<double>& train,
                 const Tensor<double>& fresh) {
    out.add(name + ".train", transform.transform(train));
    out.add(name + ".new", transform.transform(fresh));
    if constexpr (requires { transform.inverse_transform(fresh); }) {
        out.add(name + ".inverse", transform.inverse_transform(transform.transform(fresh)));
    }
}

}  // namespace

TEST_CASE("scikit-learn parity: the three transforms fitted and applied as scikit-learn does") {
    if (!sklearn_available()) {
        MESSAGE("skipped: the scikit-learn comparison needs python3-sklearn (and numpy) under ", python);
        return;
    }
    Rng rng(3);
    const Tensor<double> train = parity_rows(rng, 200, 1.0);
    const Tensor<double> fresh = parity_rows(rng, 60, 1.5);
    NpzWriter out;
    out.add("train", train);
    out.add("new", fresh);

    Binarizer<double> binarizer(0.3);
    binarizer.fit(train);
    add_outputs(out, "binarizer", binarizer, train, fresh);
    for (const auto strategy : {BinStrategy::uniform, BinStrategy::quantile}) {
        for (const auto encode : {BinEncoding::ordinal, BinEncoding::one_hot}) {
            for (const std::size_t n_bins : {3, 7}) {
                KBinsDiscretizer<double> kbins({.n_bins = n_bins, .strategy = strategy, .encode = encode});
                kbins.fit(train);
                std::ostringstream name;
                name << "kbins_" << (strategy == BinStrategy::uniform ? "uniform" : "quantile") << '_'
                     << (encode == BinEncoding::ordinal ? "ordinal" : "onehot-dense") << '_' << n_bins;
                add_outputs(out, name.str(), kbins, train, fresh);
            }
        }
    }
    for (const auto output : {QuantileOutput::uniform, QuantileOutput::normal}) {
        for (const std::size_t n_quantiles : {10, 57, 200}) {
            QuantileTransformer<double> quantile({.n_quantiles = n_quantiles, .output = output});
            quantile.fit(train);
            std::ostringstream name;
            name << "quantile_" << (output == QuantileOutput::uniform ? "uniform" : "normal") << '_' << n_quantiles;
            add_outputs(out, name.str(), quantile, train, fresh);
        }
    }
    const xtnn_test::ScratchDir dir("sklearn-parity");
    out.save(dir / "outputs.npz");
    const std::string command = std::string(python) + " " + XTNN_SOURCE_DIR +
                                "/tests/sklearn/preprocessing_parity.py " + (dir / "outputs.npz").string();
    INFO("command: ", command);
    CHECK(std::system(command.c_str()) == 0);
}
