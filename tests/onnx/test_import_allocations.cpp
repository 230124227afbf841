// An imported model with branches (DynamicSequential + DynamicParallel) trains
// without heap allocations in a steady-state step, like the static containers
// (tests/test_allocations.cpp). This executable replaces the global operator new.
#include <doctest/doctest.h>

#include <xtnn/onnx.hpp>
#include <xtnn/xtnn.hpp>

#include "heap_watch.hpp"
#include "onnx_builder.hpp"

using namespace xtnn;

TEST_CASE("a steady-state training step of an imported branching model performs zero heap allocations") {
    auto g = xtnn_onnx_test::concat_of_branches();  // ... → Concat (7 wide) → Sigmoid → output
    g.graph()->mutable_node(g.graph()->node_size() - 1)->set_output(0, "joined");
    g.constant("head", {7, 1}, {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f, 0.7f});
    g.node("MatMul", {"joined", "head"}, {"logit"});
    g.node("Sigmoid", {"logit"}, {"output"});
    auto model = import_onnx<float>(g.model());

    Rng rng(4);
    Tensor<float> X = Tensor<float>::from_shape({320, 4});
    Tensor<float> y = Tensor<float>::from_shape({320, 1});
    for (auto& v : X) v = static_cast<float>(rng.normal());
    for (auto& v : y) v = static_cast<float>(rng.below(2));
    const Dataset<float> data(X, y);
    Adam<float> opt(1e-3);
    BinaryCrossEntropy loss;
    Trainer trainer(model, opt, loss);
    BatchIterator<float> batches(data, 32, true);
    batches.start_epoch(rng);
    REQUIRE(batches.next());
    trainer.step(batches.X(), batches.y());  // the first step sizes every buffer
    const std::size_t before = heap_watch::allocations.load();
    int steps = 0;
    while (batches.next()) {
        trainer.step(batches.X(), batches.y());
        ++steps;
    }
    CHECK(steps == 9);
    CHECK(heap_watch::allocations.load() - before == 0);
}
