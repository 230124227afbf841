// BatchNorm2D: per-channel batch normalization of channels-first image rows
// (C blocks of H·W values). Its reference is BatchNorm over the same values
// laid out as one row per (image, position) and one column per channel.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <filesystem>

#include <xtnn/xtnn.hpp>

#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_tensor;
using xtnn::testing::relative_error;

namespace {

// rows × (C·P) channels first → (rows·P) × C, one row per image position.
template <class T>
Tensor<T> to_positions(const Tensor<T>& x, std::size_t channels) {
    const std::size_t rows = x.shape(0), positions = x.shape(1) / channels;
    Tensor<T> out = Tensor<T>::from_shape({rows * positions, channels});
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < channels; ++c)
            for (std::size_t p = 0; p < positions; ++p) out(r * positions + p, c) = x(r, c * positions + p);
    return out;
}

template <class T>
Tensor<T> cast(const Tensor<double>& x) {
    Tensor<T> out = Tensor<T>::from_shape({x.shape(0), x.shape(1)});
    std::copy(x.begin(), x.end(), out.begin());
    return out;
}

}  // namespace

TEST_CASE_TEMPLATE("BatchNorm2D is BatchNorm over every (image, position) of a channel", T, float, double) {
    const std::size_t channels = 3, positions = 7 * 5, rows = 6;
    // Offsets per channel, so channels really differ.
    Tensor<double> xd = random_tensor(rows, channels * positions, 1, 2.0);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t i = 0; i < xd.shape(1); ++i) xd(r, i) += 10.0 * static_cast<double>(i / positions);
    const Tensor<T> x = cast<T>(xd), dy = cast<T>(random_tensor(rows, channels * positions, 2));
    const Tensor<T> x_flat = to_positions(x, channels);  // kept alive for backward
    BatchNorm2D<T> spatial(channels, 0.9, 1e-3);
    BatchNorm<T> flat(channels, 0.9, 1e-3);
    init_parameters(spatial, 3);
    init_parameters(flat, 3);
    // Summation orders differ: float rounding, a few ulps after normalization.
    const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    for (const Mode mode : {Mode::train, Mode::eval}) {
        INFO("training: " << (mode == Mode::train));
        const Tensor<T> y = spatial.forward(x, mode);
        const Tensor<T> y_flat = flat.forward(x_flat, mode);
        CHECK(relative_error(to_positions(y, channels), y_flat) < tolerance);
        CHECK(relative_error(spatial.running_mean().value(), flat.running_mean().value()) < tolerance);
        CHECK(relative_error(spatial.running_var().value(), flat.running_var().value()) < tolerance);
        const Tensor<T> dx = spatial.backward(dy);
        const Tensor<T> dx_flat = flat.backward(to_positions(dy, channels));
        CHECK(relative_error(to_positions(dx, channels), dx_flat) < tolerance);
        CHECK(relative_error(spatial.gamma().grad(), flat.gamma().grad()) < tolerance);
        CHECK(relative_error(spatial.beta().grad(), flat.beta().grad()) < tolerance);
    }
}

TEST_CASE("BatchNorm2D normalizes each channel to mean 0 and variance 1 in training") {
    BatchNorm2D<double> bn(2, 0.0, 1e-9);
    Tensor<double> x = random_tensor(4, 2 * 9, 5);
    for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t i = 9; i < 18; ++i) x(r, i) = 1e4 + 3.0 * x(r, i);  // channel 1 far from 0
    const auto& y = bn.forward(x, Mode::train);
    for (std::size_t c = 0; c < 2; ++c) {
        double sum = 0, squares = 0;
        for (std::size_t r = 0; r < 4; ++r)
            for (std::size_t p = 0; p < 9; ++p) {
                sum += y(r, c * 9 + p);
                squares += y(r, c * 9 + p) * y(r, c * 9 + p);
            }
        CHECK(std::abs(sum / 36) < 1e-9);
        CHECK(squares / 36 == doctest::Approx(1.0).epsilon(1e-6));
    }
    CHECK(bn.running_mean().value()(0, 1) == doctest::Approx(1e4).epsilon(1e-3));
}

TEST_CASE("BatchNorm2D gradients match finite differences, odd sizes, training and evaluation") {
    auto model = Sequential(Dense<double>(4, 3 * 5), BatchNorm2D<double>(3, 0.9), Tanh());
    init_parameters(model, 4);
    for (const Mode mode : {Mode::train, Mode::eval}) {
        const auto report = check_gradients(model, random_tensor(5, 4, 6), {.mode = mode, .seed = 7});
        INFO(report);
        CHECK(report.passed);
    }
    BatchNorm2D<double> alone(1);  // one channel, one position per image: BatchNorm of one feature
    CHECK(check_gradients(alone, random_tensor(3, 1, 8)).passed);
}

TEST_CASE("BatchNorm2D describes itself, names its parameters and rejects widths that are no multiple of C") {
    BatchNorm2D<float> bn(32);
    CHECK(bn.describe() == "BatchNorm2D(32 channels)");
    CHECK(bn.gamma().size() == 32);
    CHECK(bn.running_var().size() == 32);
    const Tensor<float> x = Tensor<float>::from_shape({2, 33});
    CHECK_THROWS_WITH_AS(bn.forward(x, Mode::train),
                         doctest::Contains("BatchNorm2D(32 channels): input width 33 is not a positive multiple of 32"),
                         error);
    CHECK_THROWS_WITH_AS(BatchNorm2D<float>(0), "xtnn: BatchNorm2D: channel count must be positive", error);
    CHECK_THROWS_AS(Sequential(Dense<float>(3, 10), BatchNorm2D<float>(4)), error);  // at construction
    auto model = Sequential(Dense<float>(3, 8), BatchNorm2D<float>(2));
    CHECK(model.get<1>().describe() == "BatchNorm2D(2 channels) '1'");
}

TEST_CASE("BatchNorm2D passes image shapes along a chain and names a channel mismatch") {
    auto model = Sequential(Conv2D<float>(1, 4, 3, {.padding = Padding::same, .input = ImageShape{1, 6, 5}}),
                            BatchNorm2D<float>(4), ReLU(), MaxPool2D(2), Conv2D<float>(4, 2, 3, {.padding = Padding::same}));
    CHECK(model.get<1>().describe() == "BatchNorm2D(4x6x5) '1'");
    CHECK(model.get<4>().input_image() == ImageShape{4, 3, 2});
    CHECK(model.output_width(std::nullopt) == std::optional<std::size_t>(2 * 3 * 2));
    CHECK_THROWS_WITH_AS(Sequential(Conv2D<float>(1, 4, 3, {.input = ImageShape{1, 6, 6}}), BatchNorm2D<float>(3)),
                         doctest::Contains("BatchNorm2D(3x4x4) expects a 3x4x4 input image, but module 0"), error);
}

TEST_CASE("A chain's input width is learned from a later layer only across width-preserving layers") {
    // Neither BatchNorm2D nor the pooling knows its image here, and the pooling
    // changes the width: the Dense's 3 inputs say nothing about the model's
    // input, and predict names what is missing instead of a wrong width.
    auto images = Sequential(BatchNorm2D<float>(3), GlobalAveragePooling2D(), Dense<float>(3, 2));
    CHECK(images.input_width() == std::nullopt);
    init_parameters(images, 1);
    const Tensor<float> x = xt::ones<float>({std::size_t{2}, std::size_t{3 * 4 * 4}});
    CHECK_THROWS_WITH_AS(predict(images, x), doctest::Contains("GlobalAveragePooling2D(): the input image is unknown"),
                         error);
    images.set_input_image(ImageShape{3, 4, 4});
    CHECK(images.input_width() == std::optional<std::size_t>(48));
    CHECK(predict(images, x).shape(1) == 2);
    DynamicSequential<float> dynamic;
    dynamic.add(BatchNorm2D<float>(3)).add(GlobalAveragePooling2D()).add(Dense<float>(3, 2));
    CHECK(dynamic.input_width() == std::nullopt);

    // Activations, Dropout and BatchNorm2D pass the width through, so there it
    // is the Dense's; also behind AnyModule.
    CHECK(Sequential(Dropout(0.2), ReLU(), BatchNorm2D<float>(5), Dense<float>(5, 2)).input_width() ==
          std::optional<std::size_t>(5));
    DynamicSequential<float> preserving;
    preserving.add(Dropout(0.2)).add(BatchNorm2D<float>(5)).add(Dense<float>(5, 2));
    CHECK(preserving.input_width() == std::optional<std::size_t>(5));
}

TEST_CASE("BatchNorm2D in DynamicSequential, through save and load") {
    auto make = [] {
        DynamicSequential<float> model;
        model.add(Dense<float>(3, 12)).add(BatchNorm2D<float>(3)).add(ReLU()).add(Dense<float>(12, 1)).add(Sigmoid());
        return model;
    };
    auto model = make();
    init_parameters(model, 1);
    const auto data = make_xor<float>(3, 128, 0.2, 1);
    Adam<float> opt(1e-2);
    FitOptions o;
    o.epochs = 2;
    o.batch_size = 32;
    fit(model, opt, BinaryCrossEntropy{}, data, o);
    const auto path = std::filesystem::temp_directory_path() / "xtnn_batch_norm_2d.npz";
    save(model, path.string());
    auto loaded = make();
    load(loaded, path.string());
    const auto archive = read_npz(path.string());
    std::filesystem::remove(path);
    CHECK(predict(loaded, data) == predict(model, data));
    CHECK(archive.get("1.running_var").shape == std::vector<std::size_t>{1, 3});
}
