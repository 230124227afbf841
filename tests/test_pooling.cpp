#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include <xtnn/xtnn.hpp>

#include "data_test_support.hpp"
#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_tensor;
using xtnn_test::check_error;

namespace {

struct Case {
    ImageShape image;
    Size2D size;
    Size2D stride;
    Padding padding;
};

const Case cases[] = {
    {{2, 6, 6}, 2, 2, Padding::valid},     {{3, 7, 5}, 2, 2, Padding::valid},  // odd sizes: the last row/column dropped
    {{2, 7, 5}, 3, 2, Padding::valid},     {{2, 7, 5}, {3, 2}, 1, Padding::valid},
    {{2, 7, 5}, 2, 2, Padding::same},      {{1, 7, 6}, 3, 2, Padding::same},
    {{2, 5, 5}, 3, 1, Padding::same},
};

std::string name_of(const Case& c) {
    return to_string(c.image) + " " + to_string(c.size) + " s" + to_string(c.stride) + " " + to_string(c.padding);
}

// Each window's max or mean from the definition (padding: only image values count).
Tensor<double> direct_pooling(const Tensor<double>& x, const Case& c, bool max) {
    const std::size_t H = c.image.height, W = c.image.width;
    std::size_t oh = 0, ow = 0, top = 0, left = 0;
    if (c.padding.kind == Padding::Kind::same) {
        oh = (H + c.stride.height - 1) / c.stride.height;
        ow = (W + c.stride.width - 1) / c.stride.width;
        top = std::max<long>(0, static_cast<long>((oh - 1) * c.stride.height + c.size.height) - static_cast<long>(H)) / 2;
        left = std::max<long>(0, static_cast<long>((ow - 1) * c.stride.width + c.size.width) - static_cast<long>(W)) / 2;
    } else {
        oh = (H - c.size.height) / c.stride.height + 1;
        ow = (W - c.size.width) / c.stride.width + 1;
    }
    Tensor<double> y = Tensor<double>::from_shape({x.shape(0), c.image.channels * oh * ow});
    for (std::size_t n = 0; n < x.shape(0); ++n) {
        for (std::size_t ch = 0; ch < c.image.channels; ++ch) {
            for (std::size_t oy = 0; oy < oh; ++oy) {
                for (std::size_t ox = 0; ox < ow; ++ox) {
                    double best = -std::numeric_limits<double>::infinity(), sum = 0;
                    std::size_t count = 0;
                    for (std::size_t i = 0; i < c.size.height; ++i) {
                        for (std::size_t j = 0; j < c.size.width; ++j) {
                            const long iy = static_cast<long>(oy * c.stride.height + i) - static_cast<long>(top);
                            const long ix = static_cast<long>(ox * c.stride.width + j) - static_cast<long>(left);
                            if (iy < 0 || ix < 0 || iy >= static_cast<long>(H) || ix >= static_cast<long>(W)) continue;
                            const double v = x(n, (ch * H + static_cast<std::size_t>(iy)) * W + static_cast<std::size_t>(ix));
                            best = std::max(best, v);
                            sum += v;
                            ++count;
                        }
                    }
                    y(n, (ch * oh + oy) * ow + ox) = max ? best : sum / static_cast<double>(count);
                }
            }
        }
    }
    return y;
}

template <class Layer>
void check_layer_cases(bool max) {
    std::uint64_t seed = 1;
    for (const Case& c : cases) {
        CAPTURE(name_of(c));
        Layer pool(c.size, {.stride = c.stride, .padding = c.padding, .input = c.image});
        const Tensor<double> x = random_tensor(3, c.image.size(), ++seed);
        const Tensor<double> expected = direct_pooling(x, c, max);
        const Tensor<double>& y = pool.forward(x, Mode::train);
        REQUIRE(y.shape(1) == expected.shape(1));
        CHECK(*pool.output_width(std::nullopt) == expected.shape(1));
        CHECK(xtnn::testing::relative_error(y, expected) < 1e-15);
        const auto report = check_gradients(pool, x);
        INFO(report);
        CHECK(report.passed);
    }
}

}  // namespace

TEST_CASE("MaxPool2D: forward is each window's maximum, gradients match finite differences") {
    check_layer_cases<MaxPool2D>(true);
}

TEST_CASE("AvgPool2D: forward is each window's mean over the image values, gradients match finite differences") {
    check_layer_cases<AvgPool2D>(false);
}

TEST_CASE("MaxPool2D routes the gradient to the first maximum on ties; NaN wins a window") {
    MaxPool2D pool(2, {.input = ImageShape{1, 2, 4}});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Tensor<double> x = {{1, 3, 2, nan, 3, 0, 5, 1}};
    const auto& y = pool.forward(x, Mode::train);
    CHECK(y(0, 0) == 3);
    CHECK(std::isnan(y(0, 1)));
    const Tensor<double> g = {{10, 20}};
    const auto& dx = pool.backward(g);
    const Tensor<double> expected = {{0, 10, 0, 20, 0, 0, 0, 0}};
    CHECK(dx == expected);
}

TEST_CASE("MaxPool2D 2x2 stride 2 (its fast loop) keeps the first maximum and the first NaN of each window") {
    // Few distinct values make ties common; NaNs sit anywhere in a window.
    const ImageShape image{3, 6, 9};  // odd width: the last column is dropped
    MaxPool2D pool(2, {.input = image});
    Rng rng(11);
    Tensor<float> x = Tensor<float>::from_shape({2, image.size()});
    for (auto& v : x) v = rng.below(12) == 0 ? std::numeric_limits<float>::quiet_NaN() : float(rng.below(3));
    const Tensor<float>& y = pool.forward(x, Mode::train);
    Tensor<float> g = Tensor<float>::from_shape(y.shape());
    for (std::size_t i = 0; i < g.size(); ++i) g.data()[i] = float(i + 1);
    const Tensor<float>& dx = pool.backward(g);

    Tensor<float> expected_dx = xt::zeros<float>(x.shape());
    std::size_t k = 0;
    for (std::size_t n = 0; n < 2; ++n) {
        for (std::size_t c = 0; c < image.channels; ++c) {
            for (std::size_t oy = 0; oy < 3; ++oy) {
                for (std::size_t ox = 0; ox < 4; ++ox, ++k) {
                    std::size_t best = 0;
                    for (const std::size_t dy : {0, 1}) {  // the first NaN, else the first maximum
                        for (const std::size_t dxo : {0, 1}) {
                            const std::size_t at = (c * 6 + 2 * oy + dy) * 9 + 2 * ox + dxo;
                            const float v = x(n, at), b = best == 0 ? v : x(n, best - 1);
                            if (best == 0 || (!std::isnan(b) && (std::isnan(v) || v > b))) best = at + 1;
                        }
                    }
                    const float want = x(n, best - 1), got = y.data()[k];
                    CHECK((std::isnan(want) ? std::isnan(got) : got == want));
                    expected_dx(n, best - 1) += g.data()[k];
                }
            }
        }
    }
    CHECK(dx == expected_dx);
}

TEST_CASE("Overlapping max windows add their gradients") {
    MaxPool2D pool(2, {.stride = 1, .input = ImageShape{1, 2, 3}});
    Tensor<float> x = {{0, 9, 0, 1, 2, 3}};
    pool.forward(x, Mode::train);
    const Tensor<float> g = {{1, 2}};
    const auto& dx = pool.backward(g);
    CHECK(dx(0, 1) == 3.0f);
    CHECK(xt::sum(dx)() == 3.0f);
}

TEST_CASE("GlobalAveragePooling2D: one mean per channel") {
    GlobalAveragePooling2D gap(ImageShape{3, 3, 2});
    CHECK(gap.input_width() == 18);
    CHECK(gap.output_width(std::nullopt) == 3);
    CHECK(gap.describe() == "GlobalAveragePooling2D(3x3x2 -> 3)");
    const Tensor<double> x = random_tensor(4, 18, 5);
    const auto& y = gap.forward(x, Mode::eval);
    for (std::size_t n = 0; n < 4; ++n) {
        for (std::size_t c = 0; c < 3; ++c) {
            double sum = 0;
            for (std::size_t p = 0; p < 6; ++p) sum += x(n, c * 6 + p);
            CHECK(y(n, c) == doctest::Approx(sum / 6).epsilon(1e-14));
        }
    }
    const auto report = check_gradients(gap, x);
    INFO(report);
    CHECK(report.passed);
}

TEST_CASE("Pooling in float gives the double results") {
    const Tensor<double> xd = random_tensor(2, 2 * 7 * 5, 8);
    const Tensor<float> xf = xt::cast<float>(xd);
    MaxPool2D max(3, {.stride = 2, .padding = Padding::same, .input = ImageShape{2, 7, 5}});
    AvgPool2D avg(2, {.input = ImageShape{2, 7, 5}});
    GlobalAveragePooling2D gap(ImageShape{2, 7, 5});
    const Tensor<double> max_d = max.forward(xd, Mode::eval);
    CHECK(xtnn::testing::relative_error(max.forward(xf, Mode::eval), max_d) < 1e-7);
    const Tensor<double> avg_d = avg.forward(xd, Mode::eval);
    CHECK(xtnn::testing::relative_error(avg.forward(xf, Mode::eval), avg_d) < 1e-7);
    const Tensor<double> gap_d = gap.forward(xd, Mode::eval);
    CHECK(xtnn::testing::relative_error(gap.forward(xf, Mode::eval), gap_d) < 1e-7);
}

TEST_CASE("Pooling layers describe themselves in image shapes and take their image from the chain") {
    CHECK(MaxPool2D(2).describe() == "MaxPool2D(2x2)");
    CHECK(AvgPool2D({3, 2}, {.stride = 1, .padding = Padding::same}).describe() == "AvgPool2D(3x2, stride 1x1, same)");
    auto model = Sequential(Conv2D<float>(1, 4, 3, {.input = ImageShape{1, 9, 9}}), MaxPool2D(2), ReLU(),
                            AvgPool2D(3, {.stride = 1, .padding = Padding::same}), GlobalAveragePooling2D(),
                            Dense<float>(4, 2));
    CHECK(model.get<1>().describe() == "MaxPool2D(4x7x7 -> 4x3x3, 2x2)");
    CHECK(model.get<3>().describe() == "AvgPool2D(4x3x3 -> 4x3x3, 3x3, stride 1x1, same)");
    CHECK(model.get<4>().describe() == "GlobalAveragePooling2D(4x3x3 -> 4)");
    CHECK(model.output_image(std::nullopt) == std::nullopt);
}

TEST_CASE("Pooling errors are clear") {
    check_error([] { MaxPool2D(2, {.padding = 1}); }, {"MaxPool2D(2x2)", "Padding::valid or Padding::same"});
    check_error([] { AvgPool2D({0, 2}); }, {"window size must be positive, got 0x2"});
    check_error([] { MaxPool2D(2, {.stride = Size2D{1, 0}}); }, {"stride must be positive"});
    check_error([] { MaxPool2D(3, {.input = ImageShape{1, 2, 8}}); }, {"input height 2 is smaller than the window's 3"});
    check_error([] { GlobalAveragePooling2D(ImageShape{0, 2, 2}); }, {"the input image 0x2x2 is empty"});
    check_error(
        [] {
            MaxPool2D pool(2);
            const Tensor<float> x = xt::zeros<float>({std::size_t{1}, std::size_t{16}});
            pool.forward(x, Mode::eval);
        },
        {"MaxPool2D(2x2): the input image is unknown"});
    check_error(
        [] {
            AvgPool2D pool(2, {.input = ImageShape{2, 4, 4}});
            const Tensor<float> x = xt::zeros<float>({std::size_t{1}, std::size_t{16}});
            pool.forward(x, Mode::eval);
        },
        {"AvgPool2D(2x4x4 -> 2x2x2, 2x2): expected input with 32 features (2x4x4), got 1 x 16"});
    check_error(
        [] {
            MaxPool2D pool(2, {.input = ImageShape{1, 4, 4}});
            const Tensor<float> x = xt::zeros<float>({std::size_t{2}, std::size_t{16}});
            pool.forward(x, Mode::eval);
            const Tensor<float> g = xt::zeros<float>({std::size_t{2}, std::size_t{3}});
            pool.backward(g);
        },
        {"MaxPool2D(1x4x4 -> 1x2x2, 2x2) backward: shape mismatch"});
    check_error([] { Sequential(Dense<float>(4, 16), MaxPool2D(2)); },
                {"module 1 MaxPool2D(2x2) cannot tell its output from module 0 Dense(4->16) produces 16 features"});
}
