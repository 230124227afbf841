// The oneDNN Conv2D backend (XTNN_CONV_BACKEND=onednn) against the im2col
// path, its reference, in one program: detail::conv_force_im2col switches a
// Conv2D<float> between the two.
//
// Tolerance: the two paths add the same float products in other orders
// (oneDNN's blocked, vectorized loops against im2col + sgemm), so results
// differ by rounding alone: at most 2.5e-6 of the largest value in these
// cases. We allow 1e-4 of the largest magnitude (40x that); a wrong index or
// padding gives errors of order 1.
#define XTNN_CONV_BACKEND_SWITCHABLE 1  // before any xtnn header: detail::conv_force_im2col
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <xtnn/xtnn.hpp>

#include "fashion_mnist/models.hpp"
#include "gradient_check.hpp"
#include "heap_watch.hpp"

using namespace xtnn;
using xtnn::testing::random_matrix;

namespace {

constexpr double tolerance = 1e-4;

// Every Conv2D<float> runs im2col while one of these lives.
struct Im2colOnly {
    Im2colOnly() { detail::conv_force_im2col = true; }
    ~Im2colOnly() { detail::conv_force_im2col = false; }
    Im2colOnly(const Im2colOnly&) = delete;
    Im2colOnly& operator=(const Im2colOnly&) = delete;
};

// max |a − b| over the largest |b|.
double scaled_difference(std::span<const float> a, std::span<const float> b) {
    REQUIRE(a.size() == b.size());
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
        scale = std::max(scale, std::abs(static_cast<double>(b[i])));
    }
    return scale == 0 ? diff : diff / scale;
}

std::span<const float> values(const Tensor<float>& t) { return {t.data(), t.size()}; }

// One forward and backward: the output, the input gradient and the parameter gradients.
struct Pass {
    Tensor<float> y, dx;
    std::vector<float> dkernel, dbias;
};

Pass run(Conv2D<float>& conv, const Tensor<float>& x, std::uint64_t seed) {
    std::fill_n(conv.kernel().grad_data(), conv.kernel().size(), 0.0f);
    std::fill_n(conv.bias().grad_data(), conv.bias().size(), 0.0f);
    Pass p;
    p.y = conv.forward(x, Mode::train);
    p.dx = conv.backward(random_matrix<float>(p.y.shape(0), p.y.shape(1), seed));
    p.dkernel.assign(conv.kernel().grads().begin(), conv.kernel().grads().end());
    p.dbias.assign(conv.bias().grads().begin(), conv.bias().grads().end());
    return p;
}

void check_same(const Pass& onednn, const Pass& im2col, bool input_grad) {
    CHECK(scaled_difference(values(onednn.y), values(im2col.y)) < tolerance);
    if (input_grad) CHECK(scaled_difference(values(onednn.dx), values(im2col.dx)) < tolerance);
    CHECK(scaled_difference(onednn.dkernel, im2col.dkernel) < tolerance);
    CHECK(scaled_difference(onednn.dbias, im2col.dbias) < tolerance);
}

struct Case {
    ImageShape image;
    std::size_t out_channels;
    Size2D kernel;
    Size2D stride;
    Padding padding;
};

Conv2D<float> make_conv(const Case& c) {
    Conv2D<float> conv(c.image.channels, c.out_channels, c.kernel,
                       {.stride = c.stride, .padding = c.padding, .input = c.image});
    init_parameters(conv, 3);
    std::vector<float> bias(conv.bias().size());
    for (std::size_t o = 0; o < bias.size(); ++o) conv.bias().data()[o] = 0.1f * static_cast<float>(o) - 0.2f;
    return conv;
}

const std::vector<Case> cases = {
    {{3, 11, 9}, 5, 5, 1, Padding::same},
    {{3, 11, 9}, 5, 5, 2, Padding::same},        // stride 2, odd sizes: the extra zero row at the bottom
    {{2, 9, 8}, 4, {3, 2}, 1, Padding::valid},   // rectangular kernel
    {{2, 10, 7}, 3, 3, 2, Padding::valid},       // stride leaves the last row and column unvisited
    {{4, 8, 8}, 6, {3, 5}, {2, 1}, Padding{2, 1}},  // explicit padding, different strides
    {{1, 28, 28}, 32, 5, 1, Padding::same},      // the benchmark CNN's two convolutions
    {{32, 14, 14}, 64, 5, 1, Padding::same},
};

}  // namespace

TEST_CASE("oneDNN and im2col agree on outputs and gradients, for every stride and padding, as the batch changes") {
    std::uint64_t seed = 10;
    for (const Case& c : cases) {
        Conv2D<float> conv = make_conv(c);
        CAPTURE(conv.describe());
        for (std::size_t batch : {5, 2, 5}) {  // a new batch size re-creates the primitives
            CAPTURE(batch);
            const Tensor<float> x = random_matrix<float>(batch, c.image.size(), ++seed);
            const Pass onednn = run(conv, x, seed + 100);
            Im2colOnly reference;
            check_same(onednn, run(conv, x, seed + 100), true);
        }
    }
}

TEST_CASE("a first layer (no input gradient) still gets oneDNN's parameter gradients") {
    for (const Case& c : {cases[0], cases[1], cases[5]}) {
        Conv2D<float> conv = make_conv(c);
        conv.set_input_grad_required(false);
        CAPTURE(conv.describe());
        const Tensor<float> x = random_matrix<float>(3, c.image.size(), 7);
        const Pass onednn = run(conv, x, 8);
        Im2colOnly reference;
        check_same(onednn, run(conv, x, 8), false);
    }
}

TEST_CASE("oneDNN writes into a column slice of a wider matrix and reads a strided gradient") {
    Conv2D<float> conv = make_conv(cases[1]);
    const Tensor<float> x = random_matrix<float>(3, cases[1].image.size(), 4);
    const std::size_t width = *conv.output_width(std::nullopt);
    Tensor<float> wide = random_matrix<float>(3, width + 7, 5);
    const Tensor<float> before = wide;
    conv.forward_into(x, Mode::train, view_of(wide).columns(3, width));
    const Tensor<float> grad_wide = random_matrix<float>(3, width + 7, 6);
    const Tensor<float> dx = conv.backward_from(view_of(grad_wide).columns(3, width));

    Im2colOnly reference;
    const Tensor<float> y = conv.forward(x, Mode::train);
    Tensor<float> grad = Tensor<float>::from_shape({3, width});
    for (std::size_t r = 0; r < 3; ++r) std::copy_n(grad_wide.data() + r * (width + 7) + 3, width, grad.data() + r * width);
    const Tensor<float> dx_reference = conv.backward(grad);
    double diff = 0, scale = 0;
    for (std::size_t r = 0; r < 3; ++r) {
        for (std::size_t k = 0; k < width + 7; ++k) {
            if (k < 3 || k >= 3 + width) {
                CHECK(wide(r, k) == before(r, k));  // the columns around the slice are untouched
            } else {
                diff = std::max(diff, static_cast<double>(std::abs(wide(r, k) - y(r, k - 3))));
                scale = std::max(scale, static_cast<double>(std::abs(y(r, k - 3))));
            }
        }
    }
    CHECK(diff / scale < tolerance);
    CHECK(scaled_difference(values(dx), values(dx_reference)) < tolerance);
}

TEST_CASE("oneDNN's gradients match finite differences") {
    Sequential model(Conv2D<float>(2, 3, 3, {.stride = 2, .padding = Padding::same, .input = ImageShape{2, 7, 6}}),
                     Tanh(), Conv2D<float>(3, 2, 2));
    init_parameters(model, 5);
    const GradientReport report = check_gradients(model, random_matrix<float>(2, 2 * 7 * 6, 9));
    CAPTURE(report);
    CHECK(report.passed);
}

TEST_CASE("Adam steps of the Fashion-MNIST benchmark CNN follow the im2col backend") {
    const std::size_t batch = 16;
    const Tensor<float> x = random_matrix<float>(batch, 28 * 28, 21);
    Tensor<float> labels = Tensor<float>::from_shape({batch, 1});
    for (std::size_t r = 0; r < batch; ++r) labels(r, 0) = static_cast<float>(r % 10);
    const auto train = [&](bool im2col) {
        detail::conv_force_im2col = im2col;
        auto model = fashion::make_benchmark_cnn<float>();
        init_parameters(model, 4);
        Adam<float> opt(1e-3);
        CrossEntropy loss;
        Trainer trainer(model, opt, loss);
        std::vector<double> losses;
        for (int step = 0; step < 4; ++step) losses.push_back(trainer.step(x, labels));
        detail::conv_force_im2col = false;
        const auto view = parameters(model);
        std::vector<float> params(view.values.begin(), view.values.end());
        return std::pair(losses, params);
    };
    const auto [onednn_losses, onednn_params] = train(false);
    const auto [im2col_losses, im2col_params] = train(true);
    for (std::size_t s = 0; s < onednn_losses.size(); ++s) {
        CAPTURE(s);
        CHECK(onednn_losses[s] == doctest::Approx(im2col_losses[s]).epsilon(1e-5));
    }
    CHECK(onednn_losses.back() < onednn_losses.front());
    CHECK(xtnn::testing::relative_error(std::span<const float>(onednn_params), std::span<const float>(im2col_params)) <
          1e-5);
}
