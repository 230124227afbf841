// Numerical corner cases stay finite. Unit-level cases live with their units
// (test_losses: BCE at logits of ±100 and ±1e4; test_layers: BatchNorm forward
// on a constant column and a batch of one; test_optimizers: Adam with zero
// gradients); here are the ones that need a whole model or a training step.
#include <algorithm>
#include <cmath>

#include <doctest/doctest.h>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

namespace {

template <class Range>
bool all_finite(const Range& values) {
    return std::all_of(values.begin(), values.end(), [](auto v) { return std::isfinite(v); });
}

}  // namespace

TEST_CASE_TEMPLATE("a model ending in Sigmoid with saturated outputs trains and validates with finite numbers", T,
                   float, double) {
    // Logits of ±1000: the Sigmoid outputs are exactly 0 and 1, half of them
    // on the wrong side of their labels.
    auto model = Sequential(Dense<T>(2, 1), Sigmoid());
    init_parameters(model, 1);
    const auto values = parameters(model).values;
    std::fill(values.begin(), values.end(), T(0));
    values[0] = T(1000);  // kernel (0, 0)
    const Tensor<T> x = {{1, 0}, {-1, 0}, {1, 1}, {-1, 1}};
    const Tensor<T> y = {{1}, {0}, {0}, {1}};
    const Tensor<T> outputs = predict(model, x);
    CHECK(outputs == Tensor<T>{{1}, {0}, {1}, {0}});

    Adam<T> adam(1e-3);
    Trainer trainer(model, adam, BinaryCrossEntropy{});
    const double loss = trainer.step(x, y);
    CHECK(loss == doctest::Approx(500.0).epsilon(1e-6));  // two rows of 1000 and two of ~0, as in Keras from logits
    CHECK(all_finite(parameters(model).grads));
    CHECK(all_finite(parameters(model).values));

    FitOptions options;
    options.epochs = 3;
    options.batch_size = 2;
    const History h = fit(model, adam, BinaryCrossEntropy{}, Dataset<T>(x, y), Dataset<T>(x, y), options);
    CHECK_FALSE(h.diverged);
    CHECK(all_finite(h.series("loss")));
    CHECK(all_finite(h.series("val_loss")));
}

TEST_CASE_TEMPLATE("BatchNorm backward on a constant column and on a batch of one is finite", T, float, double) {
    BatchNorm<T> bn(2);
    const Tensor<T> constant = {{1, 7}, {3, 7}, {5, 7}};
    const Tensor<T> grad = {{0.5, -1}, {0.25, 2}, {-1, 0.5}};
    CHECK(all_finite(bn.forward(constant, Mode::train)));
    CHECK(all_finite(bn.backward(grad)));
    CHECK(all_finite(parameters(bn).grads));

    const Tensor<T> one = {{2, 7}};
    const Tensor<T> one_grad = {{1, -1}};
    CHECK(bn.forward(one, Mode::train) == Tensor<T>{{0, 0}});
    const Tensor<T>& input_grad = bn.backward(one_grad);
    CHECK(all_finite(input_grad));
    CHECK(all_finite(parameters(bn).all_values));
}

TEST_CASE("training with BatchNorm where the last batch holds one row and a column is constant") {
    auto data = make_xor<float>(3, 33, 0.1, 4);  // batches of 32 and 1
    for (std::size_t i = 0; i < data.size(); ++i) data.X(i, 1) = 0.5f;
    auto model = Sequential(Dense<float>(3, 8), BatchNorm<float>(8), ReLU(), Dense<float>(8, 1), Sigmoid());
    Adam<float> adam(1e-2);
    FitOptions options;
    options.epochs = 5;
    options.batch_size = 32;
    const History h = fit(model, adam, BinaryCrossEntropy{}, data, data, options);
    CHECK_FALSE(h.diverged);
    CHECK(all_finite(h.series("loss")));
    CHECK(all_finite(h.series("val_loss")));
    CHECK(all_finite(parameters(model).all_values));
}
