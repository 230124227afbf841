#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <xtnn/losses/binary_crossentropy.hpp>
#include <xtnn/losses/cross_entropy.hpp>
#include <xtnn/layers/log_softmax.hpp>
#include <xtnn/losses/mean_squared_error.hpp>
#include <xtnn/losses/nll_loss.hpp>
#include <xtnn/core/random.hpp>

using namespace xtnn;

namespace {

// |a − b| relative to the larger magnitude; entries below 1e-3 are compared absolutely.
double relative_error(double a, double b) {
    return std::abs(a - b) / std::max({std::abs(a), std::abs(b), 1e-3});
}

// Central differences of `value` around `point`, compared with `analytic`.
template <class ValueFn>
void check_gradient(Tensor<double> point, const Tensor<double>& analytic, ValueFn value) {
    const double h = 1e-6;
    REQUIRE(point.shape() == analytic.shape());
    for (std::size_t i = 0; i < point.size(); ++i) {
        const double saved = point.data()[i];
        point.data()[i] = saved + h;
        const double up = value(point);
        point.data()[i] = saved - h;
        const double down = value(point);
        point.data()[i] = saved;
        const double numeric = (up - down) / (2 * h);
        INFO("element ", i, ": numeric ", numeric, " analytic ", analytic.data()[i]);
        CHECK(relative_error(numeric, analytic.data()[i]) < 1e-6);
    }
}

Tensor<double> uniform_tensor(std::size_t rows, std::size_t cols, double lo, double hi,
                              std::uint64_t seed) {
    Rng rng(seed);
    Tensor<double> t({rows, cols});
    for (double& v : t) v = rng.uniform(lo, hi);
    return t;
}

Tensor<double> binary_labels(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    Rng rng(seed);
    Tensor<double> t({rows, cols});
    for (double& v : t) v = static_cast<double>(rng.below(2));
    return t;
}

Tensor<double> class_ids(std::size_t rows, std::size_t classes, std::uint64_t seed) {
    Rng rng(seed);
    Tensor<double> t({rows, 1});
    for (double& v : t) v = static_cast<double>(rng.below(classes));
    return t;
}

template <class Loss, class T>
std::string validation_message(const Loss& loss, const Tensor<T>& target, std::size_t outputs) {
    try {
        loss.validate_targets(target, outputs);
    } catch (const xtnn::error& e) {
        return e.what();
    }
    return "no error";
}

Tensor<double> one_hot(const Tensor<double>& ids, std::size_t classes) {
    Tensor<double> t = xt::zeros<double>({ids.shape(0), classes});
    for (std::size_t row = 0; row < ids.shape(0); ++row) t(row, static_cast<std::size_t>(ids(row, 0))) = 1.0;
    return t;
}

}  // namespace

// ---------------------------------------------------------------- mean squared error

TEST_CASE("mse: value and gradient by hand") {
    const Tensor<double> pred = {{1.0, 2.0}, {3.0, 4.0}};
    const Tensor<double> target = {{0.0, 2.0}, {5.0, 4.0}};
    // Differences 1, 0, −2, 0: mean square 5/4, gradient 2·diff/4.
    Tensor<double> grad;
    CHECK(MeanSquaredError{}.value(pred, target) == 1.25);
    CHECK(MeanSquaredError{}.value_and_gradient(pred, target, grad) == 1.25);
    const Tensor<double> expected = {{0.5, 0.0}, {-1.0, 0.0}};
    CHECK(grad == expected);
}

TEST_CASE("mse: gradient matches finite differences") {
    const MeanSquaredError loss;
    const auto pred = uniform_tensor(5, 3, -2, 2, 1);
    const auto target = uniform_tensor(5, 3, -2, 2, 2);
    Tensor<double> grad;
    loss.value_and_gradient(pred, target, grad);
    check_gradient(pred, grad, [&](const Tensor<double>& p) { return loss.value(p, target); });
}

TEST_CASE("mse: float, repeated calls reuse the gradient buffer") {
    const Tensor<float> pred = {{1.0f}, {2.0f}};
    const Tensor<float> target = {{1.5f}, {2.0f}};
    Tensor<float> grad;
    CHECK(MeanSquaredError{}.value_and_gradient(pred, target, grad) == 0.125f);
    const float* buffer = grad.data();
    MeanSquaredError{}.value_and_gradient(pred, target, grad);
    CHECK(grad.data() == buffer);
    CHECK(grad(0, 0) == -0.5f);
}

TEST_CASE("mse: errors") {
    const MeanSquaredError loss;
    Tensor<double> grad;
    CHECK_THROWS_AS(loss.value(Tensor<double>({2, 2}), Tensor<double>({2, 3})), xtnn::error);
    CHECK_THROWS_AS(loss.value_and_gradient(Tensor<double>({0, 2}), Tensor<double>({0, 2}), grad),
                    xtnn::error);
    CHECK(validation_message(loss, Tensor<double>({4, 2}), 3) ==
          "xtnn: mean_squared_error: targets have 2 columns but the model has 3 outputs");
    Tensor<double> target = {{1.0, 2.0}, {3.0, std::nan("")}};
    CHECK(validation_message(loss, target, 2) ==
          "xtnn: mean_squared_error: targets must be finite; found nan at row 1, column 1");
    target(1, 1) = 0.0;
    CHECK_NOTHROW(loss.validate_targets(target, 2));
}

// ---------------------------------------------------------------- binary cross-entropy

TEST_CASE("bce on probabilities: value by hand, gradient (p − y) / (p(1 − p)) / count") {
    const Tensor<double> pred = {{0.8}, {0.4}};
    const Tensor<double> target = {{1.0}, {0.0}};
    Tensor<double> grad;
    // (−log 0.8 − log 0.6) / 2
    const double expected = (0.22314355131420976 + 0.51082562376599072) / 2;
    CHECK(BinaryCrossEntropy{}.value(pred, target) == doctest::Approx(expected).epsilon(1e-14));
    BinaryCrossEntropy{}.value_and_gradient(pred, target, grad);
    CHECK(grad(0, 0) == doctest::Approx(-1.0 / 0.8 / 2).epsilon(1e-14));
    CHECK(grad(1, 0) == doctest::Approx(1.0 / 0.6 / 2).epsilon(1e-14));
}

TEST_CASE("bce on probabilities: clipped to [eps, 1 - eps], no gradient through the clip") {
    const Tensor<double> pred = {{0.0}, {1.0}};
    const Tensor<double> target = {{1.0}, {1.0}};
    Tensor<double> grad;
    const double value = BinaryCrossEntropy{}.value_and_gradient(pred, target, grad);
    CHECK(value == doctest::Approx((-std::log(1e-7) - std::log(1.0 - 1e-7)) / 2).epsilon(1e-14));
    CHECK(grad(0, 0) == 0.0);
    CHECK(grad(1, 0) == 0.0);
    CHECK_THROWS_AS((BinaryCrossEntropy{.epsilon = 0.0}.value(pred, target)), xtnn::error);
}

TEST_CASE("bce on probabilities: gradient matches finite differences") {
    const BinaryCrossEntropy loss;
    const auto pred = uniform_tensor(4, 3, 0.05, 0.95, 3);
    const auto target = binary_labels(4, 3, 4);
    Tensor<double> grad;
    loss.value_and_gradient(pred, target, grad);
    check_gradient(pred, grad, [&](const Tensor<double>& p) { return loss.value(p, target); });
}

TEST_CASE("bce from logits: value by hand and agreement with the probability form") {
    const Tensor<double> zero = {{0.0}};
    const Tensor<double> one = {{1.0}};
    Tensor<double> grad;
    const BinaryCrossEntropy logits{.from_logits = true};
    CHECK(logits.value_and_gradient(zero, one, grad) == doctest::Approx(std::log(2.0)));
    CHECK(grad(0, 0) == -0.5);

    const auto z = uniform_tensor(3, 2, -4, 4, 5);
    const auto y = binary_labels(3, 2, 6);
    const Tensor<double> p = 1.0 / (1.0 + xt::exp(-z));
    CHECK(logits.value(z, y) == doctest::Approx(BinaryCrossEntropy{}.value(p, y)).epsilon(1e-12));
}

TEST_CASE("bce from logits: finite and exact for saturated logits") {
    const BinaryCrossEntropy loss{.from_logits = true};
    Tensor<double> grad;
    auto single = [&](double z, double y) {
        const double value =
            loss.value_and_gradient(Tensor<double>{{z}}, Tensor<double>{{y}}, grad);
        return std::pair{value, grad(0, 0)};
    };
    const double tail = std::exp(-100.0);  // 3.72e-44: log1p(e^-100) and σ(−100)

    CHECK(single(100.0, 1.0).first == doctest::Approx(tail).epsilon(1e-12));
    CHECK(single(100.0, 1.0).first > 0.0);
    CHECK(single(100.0, 1.0).second == doctest::Approx(-tail).epsilon(1e-12));
    CHECK(single(100.0, 0.0).first == 100.0);
    CHECK(single(100.0, 0.0).second == 1.0);
    CHECK(single(-100.0, 0.0).first == doctest::Approx(tail).epsilon(1e-12));
    CHECK(single(-100.0, 0.0).second == doctest::Approx(tail).epsilon(1e-12));
    CHECK(single(-100.0, 1.0).first == 100.0);
    CHECK(single(-100.0, 1.0).second == -1.0);

    CHECK(single(1e4, 1.0) == std::pair{0.0, 0.0});
    CHECK(single(1e4, 0.0) == std::pair{1e4, 1.0});
    CHECK(single(-1e4, 1.0) == std::pair{1e4, -1.0});
    CHECK(single(-1e4, 0.0) == std::pair{0.0, 0.0});

    Tensor<float> grad_f;
    const float value_f = loss.value_and_gradient_from_logits(
        Tensor<float>{{1e4f, -1e4f}}, Tensor<float>{{0.0f, 0.0f}}, grad_f);
    CHECK(value_f == 5e3f);
    CHECK(grad_f(0, 0) == 0.5f);
    CHECK(grad_f(0, 1) == 0.0f);
}

TEST_CASE("bce from logits: both logit paths match finite differences") {
    const auto z = uniform_tensor(4, 3, -6, 6, 7);
    const auto y = binary_labels(4, 3, 8);
    Tensor<double> grad;

    const BinaryCrossEntropy from_logits{.from_logits = true};
    from_logits.value_and_gradient(z, y, grad);
    check_gradient(z, grad, [&](const Tensor<double>& p) { return from_logits.value(p, y); });

    // The fused path ignores from_logits: it always takes the Sigmoid's input.
    const BinaryCrossEntropy fused;
    Tensor<double> fused_grad;
    CHECK(fused.value_and_gradient_from_logits(z, y, fused_grad) == from_logits.value(z, y));
    CHECK(fused_grad == grad);
    check_gradient(z, fused_grad,
                   [&](const Tensor<double>& p) { return fused.value_from_logits(p, y); });
}

TEST_CASE("bce: validate_targets") {
    const BinaryCrossEntropy loss;
    Tensor<double> target = xt::zeros<double>({20, 1});
    target(7, 0) = 1.0;
    CHECK_NOTHROW(loss.validate_targets(target, 1));
    target(17, 0) = 2.5;
    CHECK(validation_message(loss, target, 1) ==
          "xtnn: binary_crossentropy: labels must be 0 or 1; found 2.5 at row 17");
    CHECK(validation_message(loss, Tensor<double>({3, 2}), 1) ==
          "xtnn: binary_crossentropy: targets have 2 columns but the model has 1 outputs");
    CHECK_THROWS_AS(loss.validate_targets(Tensor<float>({0, 1}), 1), xtnn::error);
}

TEST_CASE("bce: shape mismatch") {
    Tensor<double> grad;
    CHECK_THROWS_AS(BinaryCrossEntropy{}.value(Tensor<double>({2, 1}), Tensor<double>({3, 1})),
                    xtnn::error);
    CHECK_THROWS_AS(BinaryCrossEntropy{}.value_and_gradient_from_logits(
                        Tensor<double>({2, 1}), Tensor<double>({2, 2}), grad),
                    xtnn::error);
}

// ---------------------------------------------------------------- softmax cross-entropy

TEST_CASE("cross-entropy from logits: value and gradient by hand") {
    const Tensor<double> logits = {{1.0, 2.0, 3.0}, {0.0, 0.0, 0.0}};
    const Tensor<double> labels = {{2.0}, {0.0}};
    // Row 0: log(e + e² + e³) − 3 = 0.40760596444; row 1: log 3.
    const double expected = (0.40760596444437532 + 1.0986122886681098) / 2;
    Tensor<double> grad;
    CHECK(CrossEntropy{}.value_and_gradient(logits, labels, grad) ==
          doctest::Approx(expected).epsilon(1e-14));
    // softmax(1, 2, 3) = (0.0900306, 0.2447285, 0.6652410); minus one-hot, over 2 rows.
    const double s0 = 0.090030573170380462;
    const double s1 = 0.24472847105479764;
    const double s2 = 0.66524095577482190;
    const Tensor<double> expected_grad = {{s0 / 2, s1 / 2, (s2 - 1) / 2},
                                          {(1.0 / 3 - 1) / 2, 1.0 / 6, 1.0 / 6}};
    for (std::size_t i = 0; i < grad.size(); ++i) {
        CHECK(grad.data()[i] == doctest::Approx(expected_grad.data()[i]).epsilon(1e-14));
    }
}

TEST_CASE("cross-entropy from logits: huge logits stay finite") {
    const Tensor<double> logits = {{1000.0, 0.0, -1000.0}, {1000.0, 0.0, -1000.0}};
    const Tensor<double> labels = {{0.0}, {1.0}};
    Tensor<double> grad;
    CHECK(CrossEntropy{}.value_and_gradient(logits, labels, grad) == 500.0);
    const Tensor<double> expected_grad = {{0.0, 0.0, 0.0}, {0.5, -0.5, 0.0}};
    CHECK(grad == expected_grad);
}

TEST_CASE("cross-entropy on probabilities: value by hand, clipping") {
    const Tensor<double> probs = {{0.2, 0.7, 0.1}, {0.5, 0.25, 0.25}, {1.0, 0.0, 0.0}};
    const Tensor<double> labels = {{1.0}, {2.0}, {1.0}};
    const CrossEntropy loss{.from_logits = false};
    // −log 0.7, −log 0.25, −log 1e-7 (clipped)
    const double expected = (0.35667494393873238 + 1.3862943611198906 - std::log(1e-7)) / 3;
    Tensor<double> grad;
    CHECK(loss.value_and_gradient(probs, labels, grad) == doctest::Approx(expected).epsilon(1e-14));
    const Tensor<double> expected_grad = {
        {0.0, -1.0 / 0.7 / 3, 0.0}, {0.0, 0.0, -4.0 / 3}, {0.0, 0.0, 0.0}};
    for (std::size_t i = 0; i < grad.size(); ++i) {
        CHECK(grad.data()[i] == doctest::Approx(expected_grad.data()[i]).epsilon(1e-14));
    }
}

TEST_CASE("cross-entropy: every path matches finite differences") {
    const auto labels = class_ids(5, 4, 9);
    Tensor<double> grad;

    const CrossEntropy logits;
    const auto z = uniform_tensor(5, 4, -5, 5, 10);
    logits.value_and_gradient(z, labels, grad);
    check_gradient(z, grad, [&](const Tensor<double>& p) { return logits.value(p, labels); });

    const CrossEntropy probabilities{.from_logits = false};
    const auto p = uniform_tensor(5, 4, 0.05, 0.95, 11);
    probabilities.value_and_gradient(p, labels, grad);
    check_gradient(p, grad,
                   [&](const Tensor<double>& q) { return probabilities.value(q, labels); });

    // The fused path ignores from_logits: it always takes the Softmax's input.
    Tensor<double> fused_grad;
    probabilities.value_and_gradient_from_logits(z, labels, fused_grad);
    check_gradient(z, fused_grad, [&](const Tensor<double>& q) {
        return probabilities.value_from_logits(q, labels);
    });
}

TEST_CASE("cross-entropy: float and buffer reuse") {
    const Tensor<float> logits = {{0.0f, 0.0f}, {0.0f, 0.0f}};
    const Tensor<float> labels = {{0.0f}, {1.0f}};
    Tensor<float> grad;
    CHECK(CrossEntropy{}.value_and_gradient(logits, labels, grad) ==
          doctest::Approx(std::log(2.0)).epsilon(1e-6));
    const float* buffer = grad.data();
    CrossEntropy{}.value_and_gradient(logits, labels, grad);
    CHECK(grad.data() == buffer);
    CHECK(grad(0, 0) == -0.25f);
    CHECK(grad(0, 1) == 0.25f);
}

TEST_CASE("cross-entropy: validate_targets and bad labels") {
    const CrossEntropy loss;
    Tensor<double> labels = {{0.0}, {2.0}, {1.0}};
    CHECK_NOTHROW(loss.validate_targets(labels, 3));
    CHECK(validation_message(loss, labels, 2) ==
          "xtnn: sparse_categorical_crossentropy: labels must be integer class ids in [0, 2); "
          "found 2 at row 1");
    labels(2, 0) = 0.5;
    CHECK(validation_message(loss, labels, 3) ==
          "xtnn: sparse_categorical_crossentropy: labels must be integer class ids in [0, 3); "
          "found 0.5 at row 2");
    labels(2, 0) = -1.0;
    CHECK_THROWS_AS(loss.validate_targets(labels, 3), xtnn::error);
    labels(2, 0) = std::nan("");
    CHECK_THROWS_AS(loss.validate_targets(labels, 3), xtnn::error);
    CHECK_THROWS_AS(loss.validate_targets(Tensor<double>({3, 3}), 3), xtnn::error);  // one-hot
    CHECK_THROWS_AS(loss.validate_targets(Tensor<double>({3, 1}), 1), xtnn::error);

    // value() checks ids as well: a bad one must never index out of bounds.
    const Tensor<double> out_of_range = {{5.0}};
    CHECK_THROWS_AS(loss.value(Tensor<double>({1, 3}), out_of_range), xtnn::error);
    CHECK_THROWS_AS(loss.value(Tensor<double>({2, 3}), Tensor<double>({3, 1})), xtnn::error);
}

TEST_CASE("loss names") {
    CHECK(MeanSquaredError{}.name() == "mean_squared_error");
    CHECK(BinaryCrossEntropy{}.name() == "binary_crossentropy");
    CHECK(CrossEntropy{}.name() == "sparse_categorical_crossentropy");
}

// ---------------------------------------------------------------- negative log-likelihood

TEST_CASE("nll loss on log-probabilities: value and gradient by hand") {
    const Tensor<double> log_p = {{-0.5, -1.5, -2.5}, {-3.0, -0.25, -4.0}};
    const Tensor<double> labels = {{2.0}, {1.0}};
    Tensor<double> grad;
    CHECK(NLLLoss{}.value_and_gradient(log_p, labels, grad) == (2.5 + 0.25) / 2);
    const Tensor<double> expected_grad = {{0.0, 0.0, -0.5}, {0.0, -0.5, 0.0}};
    CHECK(grad == expected_grad);
    // One-hot rows name the same classes.
    Tensor<double> one_hot_grad;
    CHECK(NLLLoss{}.value_and_gradient(log_p, one_hot(labels, 3), one_hot_grad) == (2.5 + 0.25) / 2);
    CHECK(one_hot_grad == expected_grad);
}

TEST_CASE("nll loss from logits is log_softmax then nll, and softmax cross-entropy") {
    const auto z = uniform_tensor(5, 4, -5, 5, 12);
    const auto labels = class_ids(5, 4, 13);
    LogSoftmax log_softmax;
    const double two_steps = NLLLoss{}.value(log_softmax.forward(z, Mode::eval), labels);
    CHECK(NLLLoss{}.value_from_logits(z, labels) == doctest::Approx(two_steps).epsilon(1e-14));
    Tensor<double> nll_grad, ce_grad;
    CHECK(NLLLoss{}.value_and_gradient_from_logits(z, labels, nll_grad) ==
          CrossEntropy{}.value_and_gradient_from_logits(z, labels, ce_grad));
    CHECK(nll_grad == ce_grad);
}

TEST_CASE("nll loss: every path matches finite differences, class ids and one-hot rows") {
    const auto ids = class_ids(5, 4, 14);
    for (const Tensor<double>& labels : {ids, one_hot(ids, 4)}) {
        const NLLLoss loss;
        Tensor<double> grad;
        const auto log_p = uniform_tensor(5, 4, -6, -0.1, 15);
        loss.value_and_gradient(log_p, labels, grad);
        check_gradient(log_p, grad, [&](const Tensor<double>& p) { return loss.value(p, labels); });

        const auto z = uniform_tensor(5, 4, -5, 5, 16);
        loss.value_and_gradient_from_logits(z, labels, grad);
        check_gradient(z, grad, [&](const Tensor<double>& q) { return loss.value_from_logits(q, labels); });
    }
}

TEST_CASE("nll loss from logits: ±1e4 logits stay finite and exact") {
    const Tensor<float> logits = {{1e4f, -1e4f, 0.f}, {-1e4f, 1e4f, 0.f}};
    const Tensor<float> labels = {{1.f}, {1.f}};
    Tensor<float> grad;
    CHECK(NLLLoss{}.value_and_gradient_from_logits(logits, labels, grad) == 1e4f);
    const Tensor<float> expected_grad = {{0.5f, -0.5f, 0.f}, {0.f, 0.f, 0.f}};
    CHECK(grad == expected_grad);
}

TEST_CASE("nll loss: validate_targets and bad labels") {
    const NLLLoss loss;
    CHECK(loss.name() == "nll_loss");
    Tensor<double> ids = {{0.0}, {2.0}, {1.0}};
    CHECK_NOTHROW(loss.validate_targets(ids, 3));
    CHECK_NOTHROW(loss.validate_targets(one_hot(ids, 3), 3));
    CHECK(validation_message(loss, ids, 2) ==
          "xtnn: nll_loss: labels must be integer class ids in [0, 2); found 2 at row 1");
    CHECK(validation_message(loss, ids, 1) ==
          "xtnn: nll_loss: needs a model with at least 2 outputs (one per class), got 1; use "
          "binary_crossentropy for a single output");
    CHECK(validation_message(loss, one_hot(ids, 3), 4) ==
          "xtnn: nll_loss: targets must be one column of class ids or one-hot rows of 4 columns, got 3 "
          "columns");
    CHECK(validation_message(loss, Tensor<double>({0, 1}), 3) == "xtnn: nll_loss: no targets");

    Tensor<double> rows = one_hot(ids, 3);
    rows(1, 0) = 1.0;
    CHECK(validation_message(loss, rows, 3) ==
          "xtnn: nll_loss: a one-hot row must hold exactly one 1; row 1 holds 2");
    rows(1, 0) = 0.5;
    CHECK(validation_message(loss, rows, 3) ==
          "xtnn: nll_loss: one-hot labels must be 0 or 1; found 0.5 at row 1, column 0");
    rows(1, 0) = 0.0;
    rows(1, 2) = 0.0;
    CHECK(validation_message(loss, rows, 3) ==
          "xtnn: nll_loss: a one-hot row must hold exactly one 1; row 1 holds 0");

    // value() checks labels and shapes as well: a bad one must never index out of bounds.
    const Tensor<double> out_of_range = {{5.0}};
    CHECK_THROWS_AS(loss.value(Tensor<double>({1, 3}), out_of_range), xtnn::error);
    CHECK_THROWS_AS(loss.value(Tensor<double>({2, 3}), Tensor<double>({2, 2})), xtnn::error);
    CHECK_THROWS_AS(loss.value_from_logits(Tensor<double>({2, 3}), Tensor<double>({3, 1})), xtnn::error);
    CHECK_THROWS_AS(loss.value(Tensor<double>({0, 3}), Tensor<double>({0, 1})), xtnn::error);
}
