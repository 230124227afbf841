// Loss/activation fusion (train/fusion.hpp): which models fuse with which
// losses, that the fused step computes what the unfused one does where both
// are finite, and that it stays exact where the unfused one saturates.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <xtnn/xtnn.hpp>

#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_tensor;
using xtnn::testing::relative_error;

namespace {

Tensor<double> class_ids(std::size_t rows, std::size_t classes, std::uint64_t seed) {
    Rng rng(seed);
    Tensor<double> t({rows, 1});
    for (double& v : t) v = static_cast<double>(rng.below(classes));
    return t;
}

template <class T>
Tensor<T> one_hot(const Tensor<T>& ids, std::size_t classes) {
    Tensor<T> t = xt::zeros<T>({ids.shape(0), classes});
    for (std::size_t row = 0; row < ids.shape(0); ++row) t(row, static_cast<std::size_t>(ids(row, 0))) = T(1);
    return t;
}

struct Step {
    double loss = 0;
    std::vector<double> gradients;
};

// One step the unfused way: the loss of the model's output, and a backward
// pass through the final activation.
template <class M, class L>
Step unfused_step(M& model, const L& loss, const Tensor<double>& x, const Tensor<double>& y) {
    zero_gradients(model);
    const Tensor<double>& pred = model.forward(x, Mode::train);
    Tensor<double> grad;
    Step step;
    step.loss = loss.value_and_gradient(pred, y, grad);
    model.backward(grad);
    const auto grads = parameters(model).grads;
    step.gradients.assign(grads.begin(), grads.end());
    return step;
}

// The same step through a Trainer, which must fuse.
template <class M, class L>
Step fused_step(M& model, const L& loss, const Tensor<double>& x, const Tensor<double>& y) {
    SGD<double> sgd(0.1);
    Trainer trainer(model, sgd, loss);
    REQUIRE(trainer.fused());
    Step step;
    step.loss = trainer.compute_gradients(x, y);
    const auto grads = trainer.gradients();
    step.gradients.assign(grads.begin(), grads.end());
    return step;
}

template <class M, class L>
void check_fused_equals_unfused(M& model, const L& loss, const Tensor<double>& x, const Tensor<double>& y) {
    init_parameters(model, 11);
    const Step unfused = unfused_step(model, loss, x, y);
    const Step fused = fused_step(model, loss, x, y);
    CHECK(fused.loss == doctest::Approx(unfused.loss).epsilon(1e-12));
    CHECK(relative_error(fused.gradients, unfused.gradients) < 1e-12);
}

template <class M, class L>
bool fuses(M& model, const L& loss) {
    SGD<value_type_t<M>> sgd(0.1);
    init_parameters(model, 1);
    return Trainer(model, sgd, loss).fused();
}

// Three Gaussian blobs in the plane, one per class; labels are class ids.
Dataset<float> three_blobs(std::size_t rows, std::uint64_t seed) {
    const float centers[3][2] = {{0.f, 3.f}, {3.f, -2.f}, {-3.f, -2.f}};
    Rng rng(seed);
    Tensor<float> x({rows, 2});
    Tensor<float> y({rows, 1});
    for (std::size_t row = 0; row < rows; ++row) {
        const std::size_t label = rng.below(3);
        x(row, 0) = centers[label][0] + static_cast<float>(rng.normal());
        x(row, 1) = centers[label][1] + static_cast<float>(rng.normal());
        y(row, 0) = static_cast<float>(label);
    }
    return {x, y};
}

template <class Final>
auto blob_classifier() {
    return Sequential(Dense<float>(2, 16), ReLU(), Dense<float>(16, 3), Final());
}

}  // namespace

TEST_CASE("the fused step equals the unfused one where both are finite") {
    const auto x = random_tensor(6, 4, 1);
    SUBCASE("LogSoftmax + NLLLoss, class ids and one-hot rows") {
        auto model = Sequential(Dense<double>(4, 3), LogSoftmax());
        const auto ids = class_ids(6, 3, 2);
        check_fused_equals_unfused(model, NLLLoss{}, x, ids);
        check_fused_equals_unfused(model, NLLLoss{}, x, one_hot(ids, 3));
    }
    SUBCASE("Softmax + CrossEntropy on probabilities") {
        auto model = Sequential(Dense<double>(4, 3), Softmax());
        check_fused_equals_unfused(model, CrossEntropy{.from_logits = false}, x, class_ids(6, 3, 3));
    }
    SUBCASE("Sigmoid + BinaryCrossEntropy") {
        auto model = Sequential(Dense<double>(4, 2), Sigmoid());
        check_fused_equals_unfused(model, BinaryCrossEntropy{}, x, one_hot(class_ids(6, 2, 4), 2));
    }
}

TEST_CASE("a static Sequential, a DynamicSequential and an AnyModule all fuse") {
    const auto x = random_tensor(5, 4, 5);
    const auto y = class_ids(5, 3, 6);
    SUBCASE("static, also nested") {
        auto nested = Sequential(Dense<double>(4, 4), Sequential(Dense<double>(4, 3), LogSoftmax()));
        check_fused_equals_unfused(nested, NLLLoss{}, x, y);
    }
    SUBCASE("DynamicSequential") {
        DynamicSequential<double> model;
        model.add(Dense<double>(4, 3)).add(LogSoftmax());
        check_fused_equals_unfused(model, NLLLoss{}, x, y);
    }
    SUBCASE("an AnyModule at the end of a static Sequential") {
        auto model = Sequential(Dense<double>(4, 3), AnyModule<double>(LogSoftmax()));
        check_fused_equals_unfused(model, NLLLoss{}, x, y);
    }
    SUBCASE("a static Sequential erased inside a DynamicSequential") {
        DynamicSequential<double> model;
        model.add(Dense<double>(4, 4)).add(Sequential(Dense<double>(4, 3), LogSoftmax()));
        check_fused_equals_unfused(model, NLLLoss{}, x, y);
    }
}

TEST_CASE("a loss fuses only with its own activation") {
    auto softmax = Sequential(Dense<double>(4, 3), Softmax());
    CHECK_FALSE(fuses(softmax, NLLLoss{}));
    auto log_softmax = Sequential(Dense<double>(4, 3), LogSoftmax());
    CHECK_FALSE(fuses(log_softmax, CrossEntropy{.from_logits = false}));
    auto sigmoid = Sequential(Dense<double>(4, 1), Sigmoid());
    CHECK_FALSE(fuses(sigmoid, MeanSquaredError{}));

    DynamicSequential<double> dynamic_softmax;
    dynamic_softmax.add(Dense<double>(4, 3)).add(Softmax());
    CHECK_FALSE(fuses(dynamic_softmax, NLLLoss{}));
    CHECK(fuses(dynamic_softmax, CrossEntropy{.from_logits = false}));
    DynamicSequential<double> dynamic_relu;
    dynamic_relu.add(Dense<double>(4, 1)).add(ReLU());
    CHECK_FALSE(fuses(dynamic_relu, BinaryCrossEntropy{}));
}

TEST_CASE("a loss that expects logits behind its own activation is refused, naming both") {
    auto sigmoid = Sequential(Dense<double>(4, 1), Sigmoid());
    CHECK_THROWS_WITH(fuses(sigmoid, BinaryCrossEntropy{.from_logits = true}),
                      "xtnn: the model ends in Sigmoid but binary_crossentropy with from_logits = true "
                      "expects logits; use from_logits = false or remove the Sigmoid");
    DynamicSequential<double> softmax;
    softmax.add(Dense<double>(4, 3)).add(Softmax());
    CHECK_THROWS_WITH(fuses(softmax, CrossEntropy{}),
                      "xtnn: the model ends in Softmax but sparse_categorical_crossentropy with "
                      "from_logits = true expects logits; use from_logits = false or remove the Softmax");
}

TEST_CASE("fused NLL is exact for ±1e4 logits, where log of the saturated softmax is not") {
    // Row 0 is confidently wrong, row 1 confidently right: the mean loss is (2e4 + 0) / 2.
    const Tensor<float> z = {{1e4f, -1e4f, 0.f}, {-1e4f, 1e4f, 0.f}};
    const Tensor<float> y = {{1.f}, {1.f}};
    auto model = Sequential(Dense<float>(3, 3), LogSoftmax());
    init_parameters(model, 1);  // bias 0; the kernel is set by hand next
    auto kernel = model.get<0>().kernel().value();
    kernel = xt::eye<float>(3);
    SGD<float> sgd(0.1);
    Trainer trainer(model, sgd, NLLLoss{});
    REQUIRE(trainer.fused());
    CHECK(trainer.compute_gradients(z, y) == 1e4);
    // d loss / d z = (softmax(z) − onehot) / 2 reaches the Dense layer intact: its
    // bias gradient is that, summed over the rows.
    const Tensor<float> expected_bias_grad = {{0.5f, -0.5f, 0.f}};
    CHECK(model.get<0>().bias().grad() == expected_bias_grad);

    // Unfused through probabilities, the softmax saturates to exact 0 and 1: log 0.
    Softmax softmax;
    const Tensor<float> log_p = xt::log(softmax.forward(z, Mode::eval));
    CHECK(std::isinf(NLLLoss{}.value(log_p, y)));
}

TEST_CASE("fit trains a softmax classifier with LogSoftmax + NLLLoss exactly as with Softmax + CrossEntropy") {
    const auto train = three_blobs(600, 1);
    const auto test = three_blobs(300, 2);
    FitOptions options;
    options.epochs = 15;
    options.batch_size = 32;
    options.seed = 7;

    auto softmax = blob_classifier<Softmax>();
    Adam<float> adam_softmax(0.01);
    const History softmax_history =
        fit(softmax, adam_softmax, CrossEntropy{.from_logits = false}, train, options);

    auto log_softmax = blob_classifier<LogSoftmax>();
    Adam<float> adam_log_softmax(0.01);
    const History nll_history = fit(log_softmax, adam_log_softmax, NLLLoss{}, train, options);

    auto one_hot_targets = blob_classifier<LogSoftmax>();
    Adam<float> adam_one_hot(0.01);
    fit(one_hot_targets, adam_one_hot, NLLLoss{}, Dataset<float>{train.X, one_hot(train.y, 3)}, options);

    const double softmax_accuracy = evaluate(softmax, test, Accuracy{});
    const double nll_accuracy = evaluate(log_softmax, test, Accuracy{});
    CHECK(softmax_accuracy > 0.9);
    CHECK(nll_accuracy > 0.9);
    CHECK(nll_history.back().get("accuracy") > 0.9);
    CHECK(nll_history.back().loss == softmax_history.back().loss);
    // Both fused paths differentiate the same function of the logits: the same weights, bit for bit.
    const auto softmax_weights = parameters(softmax).all_values;
    const auto nll_weights = parameters(log_softmax).all_values;
    const auto one_hot_weights = parameters(one_hot_targets).all_values;
    CHECK(std::equal(softmax_weights.begin(), softmax_weights.end(), nll_weights.begin(), nll_weights.end()));
    CHECK(std::equal(nll_weights.begin(), nll_weights.end(), one_hot_weights.begin(), one_hot_weights.end()));
}
