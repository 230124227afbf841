// Heap use of a steady-state CNN training step with the oneDNN backend. This
// executable replaces the global operator new (heap_watch.hpp), and so counts
// oneDNN's own allocations too: its execute builds a small argument map per
// primitive call (kernels/onednn.hpp). xtnn's side allocates nothing: the
// steady steps allocate the same few small objects each, never a buffer.
#define XTNN_CONV_BACKEND_SWITCHABLE 1
#include <doctest/doctest.h>

#include <vector>

#include <xtnn/xtnn.hpp>

#include "fashion_mnist/models.hpp"
#include "gradient_check.hpp"
#include "heap_watch.hpp"

using namespace xtnn;

namespace {

// Operator-new calls of each of `steps` steady steps after two that size every buffer.
std::vector<std::size_t> allocations_per_step(int steps) {
    auto model = fashion::make_benchmark_cnn<float>();
    init_parameters(model, 1);
    const Tensor<float> x = xtnn::testing::random_matrix<float>(16, 28 * 28, 2);
    Tensor<float> labels = Tensor<float>::from_shape({16, 1});
    for (std::size_t r = 0; r < 16; ++r) labels(r, 0) = static_cast<float>(r % 10);
    Adam<float> opt(1e-3);
    CrossEntropy loss;
    Trainer trainer(model, opt, loss);
    trainer.step(x, labels);
    trainer.step(x, labels);
    std::vector<std::size_t> counts;
    counts.reserve(static_cast<std::size_t>(steps));
    heap_watch::largest_allocation = 0;
    for (int s = 0; s < steps; ++s) {
        const std::size_t before = heap_watch::allocations.load();
        trainer.step(x, labels);
        counts.push_back(heap_watch::allocations.load() - before);
    }
    return counts;
}

}  // namespace

TEST_CASE("a steady oneDNN CNN step allocates only oneDNN's per-call argument maps, the same each step") {
    const std::vector<std::size_t> counts = allocations_per_step(4);
    const std::size_t largest = heap_watch::largest_allocation.load();  // before doctest's own messages allocate
    MESSAGE("operator new calls per step: ", counts[0], ", largest allocation: ", largest, " bytes");
    for (std::size_t c : counts) CHECK(c == counts[0]);
    // About five per primitive call; this step runs 16 (reorders included).
    CHECK(counts[0] <= 100);
    // Blocked buffers, scratchpads or any tensor would be kilobytes at least.
    CHECK(largest <= 1024);
}

TEST_CASE("the same step through im2col allocates nothing (the counter's own check)") {
    detail::conv_force_im2col = true;
    const std::vector<std::size_t> counts = allocations_per_step(2);
    detail::conv_force_im2col = false;
    for (std::size_t c : counts) CHECK(c == 0);
}
