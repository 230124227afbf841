// One deep block of the paper's models, Dense → ReLU → BatchNorm → Dropout(0.3),
// fused (layers/dense_block_fusion.hpp) and module by module (fuse_blocks(block, false)).
//   block/<fused|unfused>/<train|eval>/b<batch>/<in>x<out>: one forward and one
//       backward in that mode; counter gemm_us (the block's three gemms alone,
//       timed in the same run) and step/gemm. Whole training steps fused and
//       unfused: step/<model>/.../<static|unfused> in bench_training.
#include <string>

#include "bench_common.hpp"

namespace {

using namespace xtnn;

void run_block(benchmark::State& state, bool fused, Mode mode, std::size_t batch, std::size_t in, std::size_t out) {
    auto block = Sequential(Dense<float>(in, out, L2(1e-3)), ReLU(), BatchNorm<float>(out), Dropout(0.3));
    fuse_blocks(block, fused);
    init_parameters(block, 1);
    const Tensor<float> x = bench::random_tensor<float>(batch, in, 1);
    const Tensor<float> grad = bench::random_tensor<float>(batch, out, 2);
    bench::GemmSequence<float> gemms(bench::training_gemms(block, batch, 0));
    const double gemm_seconds = gemms.median_seconds();
    for (auto _ : state) {
        block.forward(x, mode);
        benchmark::DoNotOptimize(block.backward(grad).data());
    }
    state.counters["gemm_us"] = gemm_seconds * 1e6;
    // Seconds per iteration over gemm_seconds: an inverted rate of gemm_seconds per iteration.
    state.counters["step/gemm"] =
        benchmark::Counter(gemm_seconds, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

[[maybe_unused]] const bool registered = [] {
    const std::pair<std::size_t, std::size_t> shapes[] = {{9, 256}, {256, 128}, {128, 64}};
    for (const std::size_t batch : {64, 1024}) {
        for (const auto& [in, out] : shapes) {
            for (const Mode mode : {Mode::train, Mode::eval}) {
                for (const bool fused : {true, false}) {
                    const std::string name = std::string("block/") + (fused ? "fused/" : "unfused/") +
                                             (mode == Mode::train ? "train" : "eval") + "/b" + std::to_string(batch) +
                                             "/" + std::to_string(in) + "x" + std::to_string(out);
                    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
                        run_block(state, fused, mode, batch, in, out);
                    })->UseRealTime();
                }
            }
        }
    }
    return true;
}();

}  // namespace
