// Evaluation through oneDNN (XTNN_INFERENCE_BACKEND=onednn, compose/dense_chain.hpp)
// against the module-by-module evaluation, its reference, in one program:
// fuse_blocks(model, false) turns the chain off.
//
// Tolerance: the chain computes the same function with BatchNorms folded into
// the next layer's weights and oneDNN's summation order, so results differ by
// rounding alone: at most 8e-7 of the largest output in these cases (float).
// We allow 1e-5 (over 10x that); a wrong fold or a skipped module gives
// errors of order 0.1 to 1.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <xtnn/xtnn.hpp>

#include "gradient_check.hpp"
#include "kryptonite/models.hpp"

using namespace xtnn;
using xtnn::testing::random_matrix;

#if defined(XTNN_INFERENCE_BACKEND_ONEDNN)

namespace {

constexpr double tolerance = 1e-5;

// max |a − b| over the largest |b|.
double scaled_difference(const Tensor<float>& a, const Tensor<float>& b) {
    REQUIRE(a.shape() == b.shape());
    double worst = 0, largest = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        worst = std::max(worst, std::abs(double(a.data()[i]) - double(b.data()[i])));
        largest = std::max(largest, std::abs(double(b.data()[i])));
    }
    return worst / std::max(largest, 1e-30);
}

// Every BatchNorm's parameters and running statistics away from their initial
// (identity) values, some scales negative, so that folding them matters.
template <class M>
void scramble_batch_norms(M& model, std::uint64_t seed) {
    Rng rng(seed);
    model.visit_parameters([&](Param<float>& p) {
        const std::string& name = p.name();
        float* v = p.data();
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (name.ends_with("gamma")) v[i] = static_cast<float>(rng.normal());
            if (name.ends_with("beta") || name.ends_with("running_mean")) v[i] = static_cast<float>(0.5 * rng.normal());
            if (name.ends_with("running_var")) v[i] = static_cast<float>(0.2 + rng.uniform());
        }
    });
}

// predict through the chain and module by module; returns their scaled difference.
template <class M>
double chain_against_modules(M& model, const Tensor<float>& x) {
    const Tensor<float> chained = predict(model, x);
    fuse_blocks(model, false);
    const Tensor<float> reference = predict(model, x);
    fuse_blocks(model, true);
    const double difference = scaled_difference(chained, reference);
    // Module by module the result would be bit-identical: a difference shows the chain ran.
    CHECK(difference > 0);
    return difference;
}

}  // namespace

TEST_CASE("the paper's FCNN and WDNN evaluate through oneDNN within rounding of the modules") {
    using FCNN = decltype(paper::make_fcnn<float>(9));
    using WDNN = decltype(paper::make_wdnn<float>(9));
    static_assert(detail::runs_dense_chain<FCNN>(), "FCNN is one chain");
    static_assert(!detail::runs_dense_chain<WDNN>(), "WDNN's top level holds a Parallel; its branches chain");
    static_assert(!detail::runs_dense_chain<decltype(paper::make_fcnn<double>(9))>(), "oneDNN runs float only");
    CHECK(inference_backend == "onednn");

    for (std::size_t n : {9, 45}) {
        CAPTURE(n);
        const Tensor<float> x = random_matrix<float>(700, n, 1);  // two 256-row passes and a 188-row tail
        auto fcnn = paper::make_fcnn<float>(n);
        init_parameters(fcnn, 2);
        scramble_batch_norms(fcnn, 3);
        CHECK(chain_against_modules(fcnn, x) < tolerance);

        auto wdnn = paper::make_wdnn<float>(n);
        init_parameters(wdnn, 4);
        scramble_batch_norms(wdnn, 5);
        CHECK(chain_against_modules(wdnn, x) < tolerance);
    }
}

TEST_CASE("a chain folds BatchNorm before and after the activation, and runs every activation oneDNN offers") {
    auto model = Sequential(Dense<float>(6, 8), BatchNorm<float>(8), LeakyReLU(0.1), Dense<float>(8, 5), Tanh(),
                            BatchNorm<float>(5), Dropout(0.4), Dense<float>(5, 7), BatchNorm<float>(7),
                            Sequential(Dense<float>(7, 3), Sigmoid(), BatchNorm<float>(3)));
    static_assert(detail::runs_dense_chain<decltype(model)>());
    init_parameters(model, 6);
    scramble_batch_norms(model, 7);
    const Tensor<float> x = random_matrix<float>(300, 6, 8);
    CHECK(chain_against_modules(model, x) < tolerance);
}

TEST_CASE("a DynamicSequential<float> chain, nested ones flattened, evaluates within rounding of the modules") {
    DynamicSequential<float> block;
    block.add(Dense<float>(9, 16)).add(ReLU()).add(BatchNorm<float>(16)).add(Dropout(0.3));
    DynamicSequential<float> model;
    model.add(std::move(block)).add(Dense<float>(16, 8)).add(Tanh()).add(BatchNorm<float>(8)).add(Dense<float>(8, 1));
    model.add(Sigmoid());
    init_parameters(model, 22);
    scramble_batch_norms(model, 23);
    const Tensor<float> x = random_matrix<float>(400, 9, 24);
    CHECK(chain_against_modules(model, x) < tolerance);  // fuse_blocks reaches the nested chain too

    // A backward after a chained evaluation replays it module by module.
    const Tensor<float> dy = random_matrix<float>(400, 1, 25);
    model.forward(x, Mode::eval);
    const Tensor<float> chained = model.backward(dy);
    fuse_blocks(model, false);
    model.forward(x, Mode::eval);
    const Tensor<float> modules = model.backward(dy);
    CHECK(chained == modules);
}

TEST_CASE("a DynamicSequential outside the chain grammar evaluates module by module") {
    DynamicSequential<float> model;
    model.add(Dense<float>(5, 4)).add(Softmax());
    init_parameters(model, 26);
    const Tensor<float> x = random_matrix<float>(50, 5, 27);
    const Tensor<float> evaluated = predict(model, x);
    fuse_blocks(model, false);
    CHECK(predict(model, x) == evaluated);  // bit-identical: no chain ran
}

TEST_CASE("compositions outside the chain grammar evaluate module by module") {
    static_assert(!detail::runs_dense_chain<Sequential<Dense<float>, Softmax>>());
    static_assert(!detail::runs_dense_chain<Sequential<ReLU, Dense<float>>>(), "a chain starts with a Dense");
    static_assert(!detail::runs_dense_chain<Sequential<Dense<float>, ReLU, ReLU>>());
    static_assert(!detail::runs_dense_chain<Sequential<Dense<float>, Dropout, BatchNorm<float>>>());
}

TEST_CASE("a backward after a chained evaluation gives the module-by-module gradients") {
    auto model = paper::make_fcnn<float>(9);
    init_parameters(model, 9);
    scramble_batch_norms(model, 10);
    const Tensor<float> x = random_matrix<float>(64, 9, 11);
    const Tensor<float> dy = random_matrix<float>(64, 1, 12);

    const auto gradients = [&](bool chained) {
        fuse_blocks(model, chained);
        zero_gradients(model);
        model.forward(x, Mode::eval);
        Tensor<float> grads = model.backward(dy);  // the input gradient, then every parameter gradient
        std::vector<float> all(grads.begin(), grads.end());
        model.visit_parameters([&](Param<float>& p) {
            if (p.grad_data() != nullptr) all.insert(all.end(), p.grad_data(), p.grad_data() + p.size());
        });
        return all;
    };
    const std::vector<float> modules = gradients(false);
    const std::vector<float> chained = gradients(true);
    // The backward replays the forward module by module (the fused blocks, bit-identical to the modules).
    CHECK(chained == modules);
}

TEST_CASE("evaluating through the chain leaves training as it was") {
    const Tensor<float> x = random_matrix<float>(64, 9, 13);
    Tensor<float> y = Tensor<float>::from_shape({64, 1});
    for (std::size_t r = 0; r < 64; ++r) y(r, 0) = static_cast<float>(r % 2);
    const auto train = [&](bool evaluate_between) {
        auto model = paper::make_fcnn<float>(9);
        init_parameters(model, 14);
        Adam<float> optimizer(1e-2);
        const BinaryCrossEntropy loss;
        Trainer trainer(model, optimizer, loss);
        std::vector<double> losses;
        for (int step = 0; step < 4; ++step) {
            losses.push_back(trainer.step(x, y));
            if (evaluate_between) predict(model, x);
        }
        return losses;
    };
    CHECK(train(true) == train(false));
}

TEST_CASE("a chain folds again when the parameters change between evaluations") {
    auto model = paper::make_fcnn<float>(9);
    init_parameters(model, 19);
    const Tensor<float> x = random_matrix<float>(600, 9, 20);
    const Tensor<float> before = predict(model, x);  // folds once for its three passes
    scramble_batch_norms(model, 21);                   // what a training step or a load would do
    model.visit_parameters([](Param<float>& p) {
        if (p.name().ends_with("kernel")) p.data()[0] += 0.5f;
    });
    CHECK(chain_against_modules(model, x) < tolerance);  // a stale fold would be off by order 1
    CHECK(scaled_difference(predict(model, x), before) > 0.01);
}

TEST_CASE("a chained model moved after evaluating evaluates the same") {
    auto model = paper::make_fcnn<float>(9);
    init_parameters(model, 17);
    const Tensor<float> x = random_matrix<float>(300, 9, 18);
    const Tensor<float> before = predict(model, x);  // primitives built and bound to the model's buffers
    auto moved = std::move(model);
    CHECK(predict(moved, x) == before);
}

TEST_CASE("a chained model refuses bad input with the modules' own messages") {
    auto model = paper::make_fcnn<float>(9);
    init_parameters(model, 15);
    CHECK_THROWS_WITH(model.forward(random_matrix<float>(4, 5, 16), Mode::eval),
                      doctest::Contains("expected input with 9 features"));
    CHECK(model.forward(Tensor<float>::from_shape({0, 9}), Mode::eval).shape(0) == 0);
}

#else

TEST_CASE("evaluation through oneDNN") {
    MESSAGE("skipped: XTNN_INFERENCE_BACKEND is not onednn in this build");
}

#endif
