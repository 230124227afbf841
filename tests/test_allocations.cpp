// A steady-state training step allocates nothing: this executable replaces
// the global operator new to count allocations across WDNN steps.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include <xtnn/xtnn.hpp>

#include "heap_watch.hpp"
#include "paper_wdnn.hpp"

using heap_watch::allocations;

using namespace xtnn;

TEST_CASE("a steady-state WDNN training step at batch 64 performs zero heap allocations") {
    const std::size_t n = 9;
    auto model = xtnn::testing::paper_wdnn(n);
    init_parameters(model, 1);
    auto data = make_kryptonite<float>(n, {.rows = 640, .seed = 3});
    Adam<float> opt(1e-3);
    BinaryCrossEntropy loss;
    Trainer trainer(model, opt, loss);
    BatchIterator<float> batches(data.data, 64, true);
    Rng rng(5);
    batches.start_epoch(rng);
    REQUIRE(batches.next());
    trainer.step(batches.X(), batches.y());  // the first step sizes every buffer
    const std::size_t before = allocations.load();
    int steps = 0;
    while (batches.next()) {
        trainer.step(batches.X(), batches.y());
        ++steps;
    }
    const std::size_t after = allocations.load();
    CHECK(steps == 9);
    CHECK(after - before == 0);
}

// With XTNN_CONV_BACKEND=onednn, oneDNN's execute allocates a small argument map
// per call: tests/onednn/test_allocations.cpp holds that backend's steps instead.
#if !defined(XTNN_CONV_BACKEND_ONEDNN)
TEST_CASE("a steady-state CNN training step at batch 16 performs zero heap allocations") {
    auto model = Sequential(Conv2D<float>(1, 8, 5, {.padding = Padding::same, .input = ImageShape{1, 12, 12}}), ReLU(),
                            MaxPool2D(2), Conv2D<float>(8, 8, 3, {.stride = 2, .padding = Padding::same}), ReLU(),
                            AvgPool2D(2, {.padding = Padding::same}), GlobalAveragePooling2D(), Dense<float>(8, 1),
                            Sigmoid());
    init_parameters(model, 1);
    Rng rng(2);
    Tensor<float> X = Tensor<float>::from_shape({160, 144});
    Tensor<float> y = Tensor<float>::from_shape({160, 1});
    for (auto& v : X) v = static_cast<float>(rng.normal());
    for (auto& v : y) v = static_cast<float>(rng.below(2));
    const Dataset<float> data(X, y);
    Adam<float> opt(1e-3);
    BinaryCrossEntropy loss;
    Trainer trainer(model, opt, loss);
    BatchIterator<float> batches(data, 16, true);
    batches.start_epoch(rng);
    REQUIRE(batches.next());
    trainer.step(batches.X(), batches.y());
    const std::size_t before = allocations.load();
    int steps = 0;
    while (batches.next()) {
        trainer.step(batches.X(), batches.y());
        ++steps;
    }
    CHECK(steps == 9);
    CHECK(allocations.load() - before == 0);
}
#endif
