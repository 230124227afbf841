#include <doctest/doctest.h>

#include <xtnn/layers/activations.hpp>
#include <xtnn/layers/batch_norm.hpp>
#include <xtnn/layers/dense.hpp>
#include <xtnn/layers/dropout.hpp>
#include <xtnn/layers/identity.hpp>
#include <xtnn/layers/log_softmax.hpp>
#include <xtnn/layers/softmax.hpp>
#include <xtnn/layers/statistics_reducer.hpp>
#include <xtnn/compose/sequential.hpp>
#include <xtnn/params/model_parameters.hpp>

#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_tensor;

TEST_CASE("Dense gradients match finite differences") {
    Dense<double> dense(5, 3, L2(0.01));
    init_parameters(dense, 7);
    const auto report = check_gradients(dense, random_tensor(4, 5, 1));
    INFO(report);
    CHECK(report.passed);
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
    CHECK(check_gradients(relu, x).passed);
    LeakyReLU leaky(0.1);
    CHECK(check_gradients(leaky, x).passed);
    Sigmoid sigmoid;
    CHECK(check_gradients(sigmoid, x).passed);
    Tanh tanh_;
    CHECK(check_gradients(tanh_, x).passed);
    GELU gelu;
    CHECK(check_gradients(gelu, x).passed);
    Softmax softmax;
    CHECK(check_gradients(softmax, x).passed);
    Identity identity;
    CHECK(check_gradients(identity, x).passed);
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
    const auto train = check_gradients(bn, random_tensor(6, 4, 3));
    INFO(train);
    CHECK(train.passed);
    const auto eval = check_gradients(bn, random_tensor(6, 4, 4), {.mode = Mode::eval});
    INFO(eval);
    CHECK(eval.passed);
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

namespace {
// Stands in for two processes holding the same rows: every sum doubles. The
// global batch then has the same statistics as the local one, and the
// gradient sums' share (1/2) undoes the doubling exactly.
class TwinProcesses final : public StatisticsReducer<double> {
public:
    explicit TwinProcesses(int& calls) : calls_(&calls) {}
    void sum(std::span<double> values) const override {
        ++*calls_;
        for (double& v : values) v *= 2;
    }

private:
    int* calls_;
};
}  // namespace

TEST_CASE("BatchNorm with a statistics reducer sums its statistics and gradient sums through it") {
    const Tensor<double> x = random_tensor(5, 3, 11);
    const Tensor<double> dy = random_tensor(5, 3, 12);
    BatchNorm<double> local(3);
    BatchNorm<double> synced(3);
    int calls = 0;
    synced.synchronize_statistics(std::make_shared<const TwinProcesses>(calls));

    const Tensor<double> y_local = local.forward(x, Mode::train);
    const Tensor<double> y_synced = synced.forward(x, Mode::train);
    CHECK(calls == 3);  // the sum of rows, the row count, the squared deviations
    CHECK(y_synced == y_local);
    CHECK(synced.running_var().value() == local.running_var().value());

    const Tensor<double> dx_local = local.backward(dy);
    const Tensor<double> dx_synced = synced.backward(dy);
    CHECK(calls == 5);  // Σ dy and Σ dy·x̂
    CHECK(dx_synced == dx_local);
    CHECK(synced.gamma().grad() == local.gamma().grad());

    // Evaluation uses the running statistics: nothing to share.
    synced.forward(x, Mode::eval);
    synced.backward(dy);
    CHECK(calls == 5);
}

TEST_CASE("Dense and BatchNorm name their place in the model in describe()") {
    CHECK(Dense<float>(3, 2, L2(1e-3)).describe() == "Dense(3->2, L2(0.001))");
    CHECK(BatchNorm<float>(5).describe() == "BatchNorm(5)");
    auto model = Sequential(Sequential(Dense<float>(3, 4), BatchNorm<float>(4)), ReLU(),
                            Dense<float>(4, 1, L2(1e-3)));
    auto& inner = model.get<0>();
    CHECK(inner.get<0>().describe() == "Dense(3->4) '0.0'");
    CHECK(inner.get<1>().describe() == "BatchNorm(4) '0.1'");
    CHECK(model.get<2>().describe() == "Dense(4->1, L2(0.001)) '2'");
    CHECK(model.get<2>().kernel().name() == "2.kernel");
    CHECK(inner.get<1>().running_var().path() == "0.1");
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
    const auto report = check_gradients(drop, random_tensor(5, 7, 5), {.seed = 42});
    INFO(report);
    CHECK(report.passed);
    Dropout a(0.5, 9), b(0.5, 9);
    Tensor<double> x = random_tensor(3, 9, 6);
    CHECK(a.forward(x, Mode::train) == b.forward(x, Mode::train));
}

TEST_CASE("LogSoftmax gradients match finite differences, also at large logits") {
    LogSoftmax log_softmax;
    CHECK(check_gradients(log_softmax, random_tensor(4, 5, 8)).passed);
    CHECK(check_gradients(log_softmax, random_tensor(4, 5, 9, 30.0)).passed);
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
