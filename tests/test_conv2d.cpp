#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <xtnn/xtnn.hpp>

#include "data_test_support.hpp"
#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_tensor;
using xtnn_test::check_error;

namespace {

// One convolution setting of the tests.
struct Case {
    ImageShape image;
    std::size_t out_channels;
    Size2D kernel;
    Size2D stride;
    Padding padding;
    std::size_t batch;
};

const Case cases[] = {
    {{1, 5, 5}, 2, 3, 1, Padding::valid, 2},
    {{2, 7, 5}, 3, {3, 2}, 1, Padding::valid, 3},
    {{2, 7, 5}, 3, {3, 2}, 1, Padding::same, 2},
    {{3, 6, 6}, 2, 4, 1, Padding::same, 2},  // even kernel: one more zero at the bottom and right
    {{2, 7, 5}, 2, 3, 2, Padding::same, 2},
    {{2, 8, 6}, 2, {2, 3}, 2, Padding::same, 2},
    {{2, 7, 5}, 2, 3, {2, 1}, Padding::valid, 2},
    {{2, 7, 5}, 3, {3, 2}, 2, Padding{1}, 2},
    {{1, 5, 6}, 2, 3, 1, Padding{2, 1}, 2},
    {{3, 4, 4}, 2, 1, 1, Padding::valid, 2},
};

std::string name_of(const Case& c) {
    return to_string(c.image) + " k" + to_string(c.kernel) + " s" + to_string(c.stride) + " " + to_string(c.padding);
}

// Zeros before the first row or column and the output extent, from the
// definitions (Keras 'same': output ⌈n / s⌉, the zeros split with the odd one after).
std::pair<std::size_t, std::size_t> reference_axis(std::size_t n, std::size_t k, std::size_t s, const Padding& p,
                                                   std::size_t explicit_pad) {
    if (p.kind == Padding::Kind::same) {
        const std::size_t out = (n + s - 1) / s;
        const long total = std::max(0L, static_cast<long>((out - 1) * s + k) - static_cast<long>(n));
        return {static_cast<std::size_t>(total / 2), out};
    }
    const std::size_t pad = p.kind == Padding::Kind::explicit_ ? explicit_pad : 0;
    return {pad, (n + 2 * pad - k) / s + 1};
}

// Direct convolution with the kernel read as PyTorch's (out, in, kh, kw).
template <class T>
Tensor<T> direct_convolution(const Tensor<T>& x, Conv2D<T>& conv, const Case& c) {
    const auto [top, oh] = reference_axis(c.image.height, c.kernel.height, c.stride.height, c.padding, c.padding.height);
    const auto [left, ow] = reference_axis(c.image.width, c.kernel.width, c.stride.width, c.padding, c.padding.width);
    const std::size_t C = c.image.channels, H = c.image.height, W = c.image.width, O = c.out_channels;
    const std::size_t kh = c.kernel.height, kw = c.kernel.width;
    const T* w = conv.kernel().data();
    const T* b = conv.bias().data();
    Tensor<T> y = Tensor<T>::from_shape({x.shape(0), O * oh * ow});
    for (std::size_t n = 0; n < x.shape(0); ++n) {
        for (std::size_t o = 0; o < O; ++o) {
            for (std::size_t oy = 0; oy < oh; ++oy) {
                for (std::size_t ox = 0; ox < ow; ++ox) {
                    double sum = b[o];
                    for (std::size_t ch = 0; ch < C; ++ch) {
                        for (std::size_t i = 0; i < kh; ++i) {
                            for (std::size_t j = 0; j < kw; ++j) {
                                const long iy = static_cast<long>(oy * c.stride.height + i) - static_cast<long>(top);
                                const long ix = static_cast<long>(ox * c.stride.width + j) - static_cast<long>(left);
                                if (iy < 0 || ix < 0 || iy >= static_cast<long>(H) || ix >= static_cast<long>(W)) continue;
                                const double value = x(n, (ch * H + static_cast<std::size_t>(iy)) * W +
                                                              static_cast<std::size_t>(ix));
                                sum += value * w[((o * C + ch) * kh + i) * kw + j];
                            }
                        }
                    }
                    y(n, (o * oh + oy) * ow + ox) = static_cast<T>(sum);
                }
            }
        }
    }
    return y;
}

template <class T>
Conv2D<T> make_conv(const Case& c, std::uint64_t seed) {
    Conv2D<T> conv(c.image.channels, c.out_channels, c.kernel,
                   {.stride = c.stride, .padding = c.padding, .input = c.image});
    init_parameters(conv, seed);
    Rng rng(seed + 100);
    for (T& v : conv.bias().values()) v = static_cast<T>(rng.normal());
    return conv;
}

template <class T>
void check_against_direct_convolution() {
    std::uint64_t seed = 1;
    for (const Case& c : cases) {
        CAPTURE(name_of(c));
        Conv2D<T> conv = make_conv<T>(c, seed);
        Tensor<T> x = xt::cast<T>(random_tensor(c.batch, c.image.size(), ++seed));
        const Tensor<T> expected = direct_convolution(x, conv, c);
        const Tensor<T>& y = conv.forward(x, Mode::train);
        REQUIRE(y.shape(0) == expected.shape(0));
        REQUIRE(y.shape(1) == expected.shape(1));
        CHECK(*conv.output_width(std::nullopt) == expected.shape(1));
        CHECK(xtnn::testing::relative_error(y, expected) < (std::is_same_v<T, float> ? 1e-6 : 1e-14));
    }
}

}  // namespace

TEST_CASE("Conv2D forward equals a direct convolution with a PyTorch (out, in, kh, kw) kernel") {
    check_against_direct_convolution<double>();
    check_against_direct_convolution<float>();
}

TEST_CASE("Conv2D gradients match finite differences for every stride and padding") {
    std::uint64_t seed = 20;
    for (const Case& c : cases) {
        CAPTURE(name_of(c));
        Conv2D<double> conv = make_conv<double>(c, seed);
        const auto report = check_gradients(conv, random_tensor(c.batch, c.image.size(), ++seed));
        INFO(report);
        CHECK(report.passed);
    }
}

TEST_CASE("Conv2D output shapes: valid, same (odd and even kernels, stride > 1 as Keras) and explicit padding") {
    const auto output = [](ImageShape in, Size2D k, Conv2DOptions options) {
        options.input = in;
        return *Conv2D<float>(in.channels, 4, k, options).output_image(std::nullopt);
    };
    CHECK(output({1, 28, 28}, 5, {.padding = Padding::same}) == ImageShape{4, 28, 28});
    CHECK(output({1, 28, 28}, 4, {.padding = Padding::same}) == ImageShape{4, 28, 28});
    CHECK(output({1, 28, 28}, 5, {}) == ImageShape{4, 24, 24});
    CHECK(output({1, 7, 5}, 3, {.stride = 2, .padding = Padding::same}) == ImageShape{4, 4, 3});
    CHECK(output({1, 8, 8}, 3, {.stride = 2, .padding = Padding::same}) == ImageShape{4, 4, 4});
    CHECK(output({1, 7, 5}, {3, 2}, {.stride = 2}) == ImageShape{4, 3, 2});
    CHECK(output({1, 7, 5}, 3, {.padding = 1}) == ImageShape{4, 7, 5});
    CHECK(output({1, 7, 5}, 3, {.stride = 2, .padding = Padding{2, 0}}) == ImageShape{4, 5, 2});
}

TEST_CASE("Conv2D parameters: PyTorch's kernel layout, per-channel bias, Glorot with the convolution's fans") {
    Conv2D<double> conv(3, 8, {5, 4}, {.input = ImageShape{3, 9, 9}});
    CHECK(conv.kernel().rows() == 8);
    CHECK(conv.kernel().cols() == 3 * 5 * 4);
    CHECK(conv.bias().cols() == 8);
    CHECK(conv.kernel().name() == "kernel");
    CHECK(conv.bias().name() == "bias");
    init_parameters(conv, 3);
    const double limit = std::sqrt(6.0 / (3 * 5 * 4 + 8 * 5 * 4));
    double largest = 0;
    for (const double v : conv.kernel().values()) largest = std::max(largest, std::abs(v));
    CHECK(largest <= limit);
    CHECK(largest > 0.95 * limit);

    // One kernel entry (o=1, c=2, i=3, j=1) against an impulse at (c=2, y=4, x=5):
    // valid output (1, 4 − 3, 5 − 1) sees it.
    for (double& v : conv.kernel().values()) v = 0;
    conv.kernel().values()[((1 * 3 + 2) * 5 + 3) * 4 + 1] = 2.5;
    Tensor<double> x = xt::zeros<double>({std::size_t{1}, std::size_t{3 * 9 * 9}});
    x(0, (2 * 9 + 4) * 9 + 5) = 1;
    const auto& y = conv.forward(x, Mode::eval);
    const ImageShape out = *conv.output_image(std::nullopt);
    CHECK(out == ImageShape{8, 5, 6});
    CHECK(y(0, (1 * 5 + 1) * 6 + 4) == 2.5);
    CHECK(xt::sum(xt::abs(y))() == 2.5);
}

TEST_CASE("Conv2D without the input gradient still accumulates the parameter gradients") {
    const Case c{{2, 7, 5}, 3, 3, 2, Padding::same, 3};
    Conv2D<double> full = make_conv<double>(c, 5);
    Conv2D<double> first = make_conv<double>(c, 5);
    first.set_input_grad_required(false);
    const Tensor<double> x = random_tensor(3, c.image.size(), 6);
    const Tensor<double> g = random_tensor(3, *full.output_width(std::nullopt), 7);
    full.forward(x, Mode::train);
    first.forward(x, Mode::train);
    const Tensor<double> dx = full.backward(g);
    first.backward(g);
    CHECK(xt::sum(xt::abs(dx))() > 0);
    for (std::size_t i = 0; i < full.kernel().size(); ++i) CHECK(first.kernel().grads()[i] == full.kernel().grads()[i]);
    for (std::size_t i = 0; i < full.bias().size(); ++i) CHECK(first.bias().grads()[i] == full.bias().grads()[i]);
}

TEST_CASE("Conv2D writes into a column slice of a wider matrix (zero-copy Parallel)") {
    const Case c{{2, 6, 5}, 3, 3, 1, Padding::same, 2};
    Conv2D<double> conv = make_conv<double>(c, 8);
    const Tensor<double> x = random_tensor(2, c.image.size(), 9);
    const Tensor<double> y = conv.forward(x, Mode::train);
    Tensor<double> wide = xt::zeros<double>({std::size_t{2}, y.shape(1) + 3});
    conv.forward_into(x, Mode::train, view_of(wide).columns(2, y.shape(1)));
    for (std::size_t r = 0; r < 2; ++r) {
        for (std::size_t k = 0; k < y.shape(1); ++k) CHECK(wide(r, k + 2) == y(r, k));
    }
}

TEST_CASE("Image shapes travel down Sequential; describe() speaks in them") {
    auto model = Sequential(Conv2D<float>(1, 32, 5, {.padding = Padding::same, .input = ImageShape{1, 28, 28}}), ReLU(),
                            MaxPool2D(2), Conv2D<float>(32, 64, 5, {.padding = Padding::same}), ReLU(), MaxPool2D(2),
                            Dense<float>(7 * 7 * 64, 10));
    CHECK(model.get<0>().describe() == "Conv2D(1x28x28 -> 32x28x28, 5x5, same) '0'");
    CHECK(model.get<2>().describe() == "MaxPool2D(32x28x28 -> 32x14x14, 2x2)");
    CHECK(model.get<3>().describe() == "Conv2D(32x14x14 -> 64x14x14, 5x5, same) '3'");
    CHECK(model.get<5>().describe() == "MaxPool2D(64x14x14 -> 64x7x7, 2x2)");
    CHECK(model.input_width() == 784);
    CHECK(model.input_image() == ImageShape{1, 28, 28});
    CHECK(model.output_width(std::nullopt) == 10);
    CHECK(Conv2D<float>(3, 8, {3, 2}, {.stride = 2, .padding = 1}).describe() ==
          "Conv2D(3 -> 8 channels, 3x2, stride 2x2, padding 1)");

    init_parameters(model, 1);
    const Tensor<float> x = xt::cast<float>(random_tensor(2, 784, 2));
    CHECK(model.forward(x, Mode::eval).shape(1) == 10);
}

TEST_CASE("A nested Sequential block takes its predecessor's image") {
    const auto block = [](std::size_t in, std::size_t out) {
        return Sequential(Conv2D<double>(in, out, 3, {.padding = Padding::same}), ReLU(), MaxPool2D(2));
    };
    auto model = Sequential(Conv2D<double>(1, 4, 3, {.input = ImageShape{1, 10, 10}}), block(4, 6), block(6, 8),
                            Dense<double>(8 * 2 * 2, 3));
    CHECK(model.get<1>().input_image() == ImageShape{4, 8, 8});
    CHECK(model.get<2>().output_image(std::nullopt) == ImageShape{8, 2, 2});
    init_parameters(model, 3);
    const auto report = check_gradients(model, random_tensor(2, 100, 4));
    INFO(report);
    CHECK(report.passed);
}

TEST_CASE("Mismatched images are errors naming both layers and both shapes") {
    check_error(
        [] {
            Sequential(Conv2D<float>(1, 32, 5, {.padding = Padding::same, .input = ImageShape{1, 28, 28}}), MaxPool2D(2),
                       Conv2D<float>(16, 64, 5));
        },
        {"Sequential: module 2 Conv2D(16x14x14 -> 64x10x10, 5x5, valid)", "expects a 16x14x14 input image",
         "but module 1 MaxPool2D(32x28x28 -> 32x14x14, 2x2) produces 32x14x14"});
    check_error(
        [] {
            Sequential(Conv2D<float>(1, 8, 3, {.input = ImageShape{1, 10, 10}}),
                       Conv2D<float>(8, 8, 3, {.input = ImageShape{8, 9, 9}}));
        },
        {"module 1 Conv2D(8x9x9 -> 8x7x7, 3x3, valid) expects a 8x9x9 input image",
         "module 0 Conv2D(1x10x10 -> 8x8x8, 3x3, valid) produces 8x8x8"});
    check_error(
        [] {
            Sequential(Conv2D<float>(1, 8, 3, {.input = ImageShape{1, 10, 10}}), MaxPool2D(2), Dense<float>(100, 2));
        },
        {"module 2 Dense(100->2) expects 100 input features, but module 1 MaxPool2D(8x8x8 -> 8x4x4, 2x2) produces 128 "
         "(8x4x4)"});
    check_error(
        [] {
            Sequential(Conv2D<float>(1, 8, 3, {.input = ImageShape{1, 10, 10}}),
                       Sequential(Conv2D<float>(4, 8, 3), ReLU()));
        },
        {"Sequential: module 0 Conv2D(4x8x8 -> 8x6x6, 3x3, valid) '0' expects a 4x8x8 input image, but its input is "
         "8x8x8"});
    check_error([] { Conv2D<float>(1, 8, 5, {.input = ImageShape{1, 4, 9}}); },
                {"Conv2D(1 -> 8 channels, 5x5, valid)", "input height 4 is smaller than the window's 5"});
    check_error([] { Conv2D<float>(1, 8, {3, 0}); }, {"kernel size must be positive, got 3x0"});
    check_error([] { Conv2D<float>(1, 8, 3, {.stride = 0}); }, {"stride must be positive"});
    check_error([] { Conv2D<float>(0, 8, 3); }, {"channel counts must be positive"});
    check_error(
        [] {
            Conv2D<float> conv(1, 2, 3);
            const Tensor<float> x = xt::zeros<float>({std::size_t{1}, std::size_t{9}});
            conv.forward(x, Mode::eval);
        },
        {"Conv2D(1 -> 2 channels, 3x3, valid): the input image is unknown"});
    check_error(
        [] {
            Conv2D<float> conv(1, 2, 3, {.input = ImageShape{1, 4, 4}});
            const Tensor<float> x = xt::zeros<float>({std::size_t{1}, std::size_t{9}});
            conv.forward(x, Mode::eval);
        },
        {"expected input with 16 features (1x4x4), got 1 x 9"});
}

TEST_CASE("Conv2D inside Parallel, AnyModule and DynamicSequential") {
    // Two branches see one image; their outputs stack as channels.
    auto inception = Parallel(Concat{}, Conv2D<double>(2, 3, 1, {.input = ImageShape{2, 6, 6}}),
                              Conv2D<double>(2, 4, 3, {.padding = Padding::same}));
    CHECK(inception.get<1>().input_image() == ImageShape{2, 6, 6});
    CHECK(inception.output_image(std::nullopt) == ImageShape{7, 6, 6});
    auto model = Sequential(std::move(inception), ReLU(), AvgPool2D(2), Conv2D<double>(7, 2, 3));
    CHECK(model.output_image(std::nullopt) == ImageShape{2, 1, 1});
    init_parameters(model, 11);
    const auto report = check_gradients(model, random_tensor(2, 72, 12));
    INFO(report);
    CHECK(report.passed);

    DynamicSequential<double> dynamic;
    dynamic.add(Conv2D<double>(1, 4, 3, {.padding = Padding::same, .input = ImageShape{1, 6, 6}}));
    dynamic.add(ReLU());
    dynamic.add(MaxPool2D(2));
    dynamic.add(Conv2D<double>(4, 2, 3));
    CHECK(dynamic[3].describe() == "Conv2D(4x3x3 -> 2x1x1, 3x3, valid) '3'");
    dynamic.add(Dense<double>(2, 1));
    CHECK(dynamic.output_width(std::nullopt) == 1);
    check_error([&] { dynamic.add(Conv2D<double>(3, 2, 1)); },
                {"DynamicSequential: module 5 Conv2D(3 -> 2 channels, 1x1, valid) cannot tell its output from module 4 "
                 "Dense(2->1) '4' produces 1 features (no image)"});
    CHECK(dynamic.size() == 5);
    init_parameters(dynamic, 13);
    const auto dynamic_report = check_gradients(dynamic, random_tensor(2, 36, 14));
    INFO(dynamic_report);
    CHECK(dynamic_report.passed);
}

TEST_CASE("A small CNN trains, and save/load restores it exactly") {
    auto make = [] {
        return Sequential(Conv2D<float>(1, 4, 3, {.padding = Padding::same, .input = ImageShape{1, 8, 8}}), ReLU(),
                          MaxPool2D(2), Conv2D<float>(4, 6, 3), ReLU(), GlobalAveragePooling2D(), Dense<float>(6, 1),
                          Sigmoid());
    };
    // Label: is the bright blob in the left half?
    Rng rng(3);
    Tensor<float> X = xt::zeros<float>({std::size_t{128}, std::size_t{64}});
    Tensor<float> y = xt::zeros<float>({std::size_t{128}, std::size_t{1}});
    for (std::size_t n = 0; n < 128; ++n) {
        const std::size_t cx = rng.below(8), cy = rng.below(8);
        for (std::size_t k = 0; k < 64; ++k) X(n, k) = static_cast<float>(0.1 * rng.normal());
        X(n, cy * 8 + cx) += 2.0f;
        y(n, 0) = cx < 4 ? 1.0f : 0.0f;
    }
    auto model = make();
    Adam<float> adam(1e-2);
    FitOptions options;
    options.epochs = 30;
    options.batch_size = 16;
    options.seed = 5;
    const History history = fit(model, adam, BinaryCrossEntropy{}, Dataset<float>{X, y}, options);
    CHECK(history.back().loss < 0.6 * history.epochs.front().loss);

    xtnn_test::ScratchDir dir("conv2d");
    save(model, dir / "cnn.npz");
    auto restored = make();
    load(restored, dir / "cnn.npz");
    const Tensor<float> expected = predict(model, X);
    CHECK(predict(restored, X) == expected);
}
