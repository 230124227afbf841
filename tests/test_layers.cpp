#include <doctest/doctest.h>

#include <xtnn/layers/activations.hpp>
#include <xtnn/layers/batch_norm.hpp>
#include <xtnn/layers/dense.hpp>
#include <xtnn/layers/dropout.hpp>
#include <xtnn/layers/identity.hpp>
#include <xtnn/layers/log_softmax.hpp>
#include <xtnn/layers/softmax.hpp>

#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::check_gradients;
using xtnn::testing::random_tensor;

TEST_CASE("Dense gradients match finite differences") {
    Dense<double> dense(5, 3, L2(0.01));
    init_parameters(dense, 7);
    auto e = check_gradients(dense, random_tensor(4, 5, 1));
    CHECK(e.input < 1e-6);
    CHECK(e.parameters < 1e-6);
}

TEST_CASE("Dense forward is x·W + b") {
    Dense<double> dense(2, 2);
    auto w = dense.kernel().value();
    w(0, 0) = 1; w(0, 1) = 2; w(1, 0) = 3; w(1, 1) = 4;
    dense.bias().value()(0, 1) = 0.5;
    Tensor<double> x = {{1, 1}, {2, -1}};
    const auto& y = dense.forward(x, Mode::eval);
    CHECK(y(0, 0) == 4);
    CHECK(y(0, 1) == 6.5);
    CHECK(y(1, 0) == -1);
    CHECK(y(1, 1) == 0.5);
}

TEST_CASE("Activation gradients match finite differences") {
    const auto x = random_tensor(3, 4, 2);
    ReLU relu;
    CHECK(check_gradients(relu, x).input < 1e-6);
    LeakyReLU leaky(0.1);
    CHECK(check_gradients(leaky, x).input < 1e-6);
    Sigmoid sigmoid;
    CHECK(check_gradients(sigmoid, x).input < 1e-6);
    Tanh tanh_;
    CHECK(check_gradients(tanh_, x).input < 1e-6);
    GELU gelu;
    CHECK(check_gradients(gelu, x).input < 1e-6);
    Softmax softmax;
    CHECK(check_gradients(softmax, x).input < 1e-6);
    Identity identity;
    CHECK(check_gradients(identity, x).input < 1e-6);
}

TEST_CASE("Activations compute their functions, also for extreme inputs") {
    Tensor<float> x = {{-1000.f, -1.f, 0.f, 2.f, 1000.f}};
    Sigmoid s;
    const auto& y = s.forward(x, Mode::eval);
    CHECK(y(0, 0) == 0.f);
    CHECK(y(0, 1) == doctest::Approx(1 / (1 + std::exp(1.0))));
    CHECK(y(0, 2) == 0.5f);
    CHECK(y(0, 4) == 1.f);
    ReLU r;
    const auto& z = r.forward(x, Mode::eval);
    CHECK(z(0, 1) == 0.f);
    CHECK(z(0, 3) == 2.f);
    Softmax sm;
    const auto& p = sm.forward(x, Mode::eval);
    CHECK(std::isfinite(p(0, 0)));
    CHECK(p(0, 4) == doctest::Approx(1.0));
    GELU g;
    CHECK(g.forward(x, Mode::eval)(0, 3) == doctest::Approx(2 * 0.97724986805));
    CHECK_THROWS_AS(LeakyReLU(-1), xtnn::error);
}

TEST_CASE("BatchNorm gradients in training and evaluation") {
    BatchNorm<double> bn(4, 0.9, 1e-3);
    auto g = bn.gamma().value();
    for (std::size_t j = 0; j < 4; ++j) g(0, j) = 0.5 + 0.25 * static_cast<double>(j);
    auto train = check_gradients(bn, random_tensor(6, 4, 3));
    CHECK(train.input < 1e-6);
    CHECK(train.parameters < 1e-6);
    auto eval = check_gradients(bn, random_tensor(6, 4, 4), Mode::eval);
    CHECK(eval.input < 1e-6);
    CHECK(eval.parameters < 1e-6);
}

TEST_CASE("BatchNorm normalizes with batch statistics and tracks running statistics") {
    BatchNorm<double> bn(2, 0.9, 1e-5);
    Tensor<double> x = {{1, 10}, {3, 10}, {5, 10}};
    const auto& y = bn.forward(x, Mode::train);
    const double sd = std::sqrt(8.0 / 3.0 + 1e-5);
    CHECK(y(0, 0) == doctest::Approx(-2 / sd));
    CHECK(y(2, 0) == doctest::Approx(2 / sd));
    CHECK(y(1, 1) == 0);  // constant column: finite, zero
    CHECK(bn.running_mean().value()(0, 0) == doctest::Approx(0.1 * 3));
    CHECK(bn.running_var().value()(0, 0) == doctest::Approx(0.9 + 0.1 * 8.0 / 3.0));
    // Evaluation uses the running statistics, not the batch.
    Tensor<double> one = {{3, 10}};
    const auto& z = bn.forward(one, Mode::eval);
    CHECK(z(0, 0) == doctest::Approx((3 - 0.3) / std::sqrt(0.9 + 0.8 / 3.0 + 1e-5)));
    // A batch of one in training stays finite.
    const auto& w = bn.forward(one, Mode::train);
    CHECK(w(0, 0) == 0);
    CHECK(std::isfinite(bn.running_var().value()(0, 0)));
}

TEST_CASE("Dropout drops at the requested rate, rescales, and is the identity in evaluation") {
    Dropout drop(0.3, 11);
    Tensor<float> x = Tensor<float>::from_shape({200, 500});
    x.fill(1.f);
    const auto& y = drop.forward(x, Mode::train);
    std::size_t zeros = 0;
    double sum = 0;
    for (float v : y) {
        zeros += v == 0.f;
        sum += v;
    }
    const double rate = static_cast<double>(zeros) / static_cast<double>(y.size());
    CHECK(rate == doctest::Approx(0.3).epsilon(0.02));
    CHECK(sum / static_cast<double>(y.size()) == doctest::Approx(1.0).epsilon(0.01));
    const auto& e = drop.forward(x, Mode::eval);
    CHECK(&e == &x);
}

TEST_CASE("Dropout gradient uses the forward mask; same seed, same mask") {
    Dropout drop(0.5, 3);
    auto e = check_gradients<Dropout>(drop, random_tensor(5, 7, 5), Mode::train,
                                      [](Dropout& d) { d.reseed(42); });
    CHECK(e.input < 1e-6);
    Dropout a(0.5, 9), b(0.5, 9);
    Tensor<double> x = random_tensor(3, 9, 6);
    CHECK(a.forward(x, Mode::train) == b.forward(x, Mode::train));
}

TEST_CASE("LogSoftmax gradients match finite differences, also at large logits") {
    LogSoftmax log_softmax;
    CHECK(check_gradients(log_softmax, random_tensor(4, 5, 8)).input < 1e-6);
    CHECK(check_gradients(log_softmax, random_tensor(4, 5, 9, 30.0)).input < 1e-6);
}

TEST_CASE("LogSoftmax is log(softmax), finite for extreme inputs, in float and double") {
    const Tensor<double> x = random_tensor(3, 4, 10);
    LogSoftmax log_softmax;
    Softmax softmax;
    const Tensor<double> log_p = log_softmax.forward(x, Mode::eval);
    const Tensor<double> expected = xt::log(softmax.forward(x, Mode::eval));
    for (std::size_t i = 0; i < log_p.size(); ++i) {
        CHECK(log_p.data()[i] == doctest::Approx(expected.data()[i]).epsilon(1e-14));
    }
    // Rows whose probabilities underflow to 0 in Softmax keep exact log-probabilities.
    const Tensor<float> extreme = {{-1e4f, 0.f, 1e4f}};
    const auto& y = log_softmax.forward(extreme, Mode::eval);
    CHECK(y(0, 0) == -2e4f);
    CHECK(y(0, 1) == -1e4f);
    CHECK(y(0, 2) == 0.f);
    CHECK_THROWS_AS(LogSoftmax{}.backward(x), xtnn::error);
}
