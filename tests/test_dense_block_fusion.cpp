// Fused dense blocks (layers/dense_block_fusion.hpp): a Sequential computes
// the run Dense → ReLU | LeakyReLU → BatchNorm → Dropout in fewer passes. The
// reference is the same model with fuse_blocks(model, false), which runs the
// modules one by one: outputs, gradients and trained weights must agree bit
// for bit, in training and evaluation, float and double.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <span>

#include <xtnn/xtnn.hpp>

#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_matrix;

namespace {

template <class T>
bool same_bits(std::span<const T> a, std::span<const T> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

template <class T>
bool same_bits(const Tensor<T>& a, const Tensor<T>& b) {
    return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

// Odd widths (vector tails), a run in the middle, a LeakyReLU run, a run whose
// Dropout never drops, and a run that is not fused (Tanh).
template <class T>
auto mixed_model() {
    return Sequential(Dense<T>(5, 17, L2(1e-3)), ReLU(), BatchNorm<T>(17), Dropout(0.3),  //
                      Dense<T>(17, 9), LeakyReLU(0.1), BatchNorm<T>(9, 0.9), Dropout(0.0),  //
                      Dense<T>(9, 6), Tanh(), BatchNorm<T>(6), Dropout(0.5),                //
                      Dense<T>(6, 2), Sigmoid());
}

// The paper's WDNN at small widths: the deep branch's last block writes into
// the concatenation's view (forward_into / backward_from).
template <class T>
auto small_wdnn(std::size_t n) {
    auto block = [](std::size_t in, std::size_t out) {
        return Sequential(Dense<T>(in, out, L2(1e-3)), ReLU(), BatchNorm<T>(out), Dropout(0.3));
    };
    auto wide = Sequential(Dense<T>(n, 12, L2(1e-3)), ReLU());
    auto deep = Sequential(block(n, 19), block(19, 16), block(16, 7));
    return Sequential(Parallel(Concat{}, std::move(wide), std::move(deep)), Dense<T>(19, 1), Sigmoid());
}

// One forward and backward of each model on the same data.
template <class T, class M>
void check_same_pass(M& fused, M& reference, std::size_t rows, std::size_t n, Mode mode, std::uint64_t seed) {
    init_parameters(fused, seed);
    init_parameters(reference, seed);
    fused.reseed(seed);
    reference.reseed(seed);
    zero_gradients(fused);
    zero_gradients(reference);
    const Tensor<T> x = random_matrix<T>(rows, n, seed + 1);
    const Tensor<T>& y = fused.forward(x, mode);
    const Tensor<T>& y_ref = reference.forward(x, mode);
    CHECK(same_bits(y, y_ref));
    const Tensor<T> g = random_matrix<T>(y.shape(0), y.shape(1), seed + 2);
    CHECK(same_bits(fused.backward(g), reference.backward(g)));
    CHECK(same_bits<T>(parameters(fused).grads, parameters(reference).grads));
    CHECK(same_bits<T>(parameters(fused).all_values, parameters(reference).all_values));  // running statistics
}

// Steps of Adam on (output − target) as the gradient, forward in `mode`.
template <class T, class M>
void train_steps(M& model, Mode mode, std::size_t n) {
    init_parameters(model, 21);
    model.reseed(22);
    Adam<T> opt(1e-2);
    for (std::size_t step = 0; step < 6; ++step) {
        const std::size_t rows = step % 2 == 0 ? 32 : 11;  // batch-size changes resize the buffers
        const Tensor<T> x = random_matrix<T>(rows, n, 100 + step);
        zero_gradients(model);
        const Tensor<T>& y = model.forward(x, mode);
        Tensor<T> g = y - random_matrix<T>(y.shape(0), y.shape(1), 200 + step);
        model.backward(g);
        auto p = parameters(model);
        opt.step(p.values, p.grads);
    }
}

template <class T, class Make>
void check_same_training(Make make, std::size_t n) {
    for (const Mode mode : {Mode::train, Mode::eval}) {
        auto fused = make();
        auto reference = make();
        fuse_blocks(reference, false);
        train_steps<T>(fused, mode, n);
        train_steps<T>(reference, mode, n);
        CHECK(same_bits<T>(parameters(fused).all_values, parameters(reference).all_values));
    }
}

}  // namespace

TEST_CASE("Sequential fuses Dense, ReLU or LeakyReLU, BatchNorm, Dropout runs only") {
    static_assert(detail::DenseBlockRun<Dense<float>, ReLU, BatchNorm<float>, Dropout>);
    static_assert(detail::DenseBlockRun<Dense<double>, LeakyReLU, BatchNorm<double>, Dropout>);
    static_assert(!detail::DenseBlockRun<Dense<float>, Tanh, BatchNorm<float>, Dropout>);  // not lane-exact
    static_assert(!detail::DenseBlockRun<Dense<float>, ReLU, BatchNorm<double>, Dropout>);
    static_assert(!detail::DenseBlockRun<Dense<float>, ReLU, Dropout, BatchNorm<float>>);
}

TEST_CASE_TEMPLATE("fused blocks give the unfused outputs and gradients bit for bit", T, float, double) {
    auto fused = mixed_model<T>();
    auto reference = mixed_model<T>();
    fuse_blocks(reference, false);
    for (const std::size_t rows : {64, 7, 1}) {
        check_same_pass<T>(fused, reference, rows, 5, Mode::train, 3 + rows);
        check_same_pass<T>(fused, reference, rows, 5, Mode::eval, 4 + rows);
    }
    auto wdnn = small_wdnn<T>(6);
    auto wdnn_reference = small_wdnn<T>(6);
    fuse_blocks(wdnn_reference, false);
    for (const std::size_t rows : {64, 13}) {
        check_same_pass<T>(wdnn, wdnn_reference, rows, 6, Mode::train, 5 + rows);
        check_same_pass<T>(wdnn, wdnn_reference, rows, 6, Mode::eval, 6 + rows);
    }
}

TEST_CASE_TEMPLATE("fused blocks train to the unfused weights bit for bit", T, float, double) {
    check_same_training<T>([] { return mixed_model<T>(); }, 5);
    check_same_training<T>([] { return small_wdnn<T>(6); }, 6);
}

TEST_CASE("fit with fused blocks reaches the unfused weights bit for bit") {
    const auto data = make_kryptonite<float>(6, {.rows = 300, .seed = 3});
    auto train = [&](bool fuse) {
        auto model = small_wdnn<float>(6);
        fuse_blocks(model, fuse);
        init_parameters(model, 11);
        FitOptions o;
        o.epochs = 2;
        o.batch_size = 64;
        o.seed = 5;
        Adam<float> opt(1e-3);
        fit(model, opt, BinaryCrossEntropy{}, data.data, o);
        const auto values = parameters(model).all_values;
        return std::vector<float>(values.begin(), values.end());
    };
    CHECK(train(true) == train(false));
}

TEST_CASE("the fusion switch applies from the next forward; a backward follows its forward") {
    auto fused = mixed_model<double>();
    auto reference = mixed_model<double>();
    fuse_blocks(reference, false);
    init_parameters(fused, 1);
    init_parameters(reference, 1);
    const Tensor<double> x = random_matrix<double>(8, 5, 2);
    const Tensor<double> g = random_matrix<double>(8, 2, 3);
    fused.forward(x, Mode::train);
    reference.forward(x, Mode::train);
    fuse_blocks(fused, false);  // the forward ran fused: so does this backward
    CHECK(same_bits(fused.backward(g), reference.backward(g)));
    CHECK(same_bits<double>(parameters(fused).grads, parameters(reference).grads));
}

TEST_CASE("fused block gradients match finite differences") {
    auto model = Sequential(Dense<double>(4, 7), LeakyReLU(0.2), BatchNorm<double>(7), Dropout(0.25),  //
                            Dense<double>(7, 3), ReLU(), BatchNorm<double>(3), Dropout(0.4));
    init_parameters(model, 7);
    for (const Mode mode : {Mode::train, Mode::eval}) {
        const auto report = check_gradients(model, xtnn::testing::random_tensor(9, 4, 8), {.mode = mode, .seed = 9});
        INFO(report);
        CHECK(report.passed);
    }
}
