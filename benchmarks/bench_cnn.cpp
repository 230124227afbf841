// One training step of the Fashion-MNIST benchmark CNN (examples/fashion_mnist/models.hpp:
// Conv 5x5x32 same, max-pool, Conv 5x5x64 same, max-pool, Dense 1024, Dropout 0.4, Dense 10;
// CrossEntropy on the logits, Adam), float, on random 28x28 images.
//   step/CNN/b<batch>/static   Trainer::step; counters: gemm_us (the step's gemms alone, timed
//                              in the same run), conv_gemm_us (the convolutions' share of them),
//                              step/gemm (step ÷ gemm_us), GFLOP/s (the gemms' flops over the step);
//                              built with the oneDNN conv backend (<provider>+onednn/bench_cnn), the
//                              convolutions are no gemms: gemm_us covers the dense layers only
//   infer/CNN/b<batch>         forward in evaluation mode; counter samples/s
// The name step/CNN/b64/static is what benchmarks/pytorch_compare.py matches against PyTorch.
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "fashion_mnist/models.hpp"

namespace {

using namespace xtnn;
using bench::GemmShape;

struct ConvLayer {
    std::size_t in_channels, out_channels, height, width;
    bool first;  // fed by the data: no input gradient
};

// Per image: Y = W·col, dW += dY·colᵀ and (not for the first layer) dcol = Wᵀ·dY.
std::vector<GemmShape> conv_gemms(std::size_t batch) {
    std::vector<GemmShape> gemms;
    for (const ConvLayer& c : {ConvLayer{1, 32, 28, 28, true}, ConvLayer{32, 64, 14, 14, false}}) {
        const std::size_t out = c.out_channels, patch = c.in_channels * 25, plane = c.height * c.width;
        gemms.push_back({Transpose::no, Transpose::no, out, plane, patch, true, batch});
        gemms.push_back({Transpose::no, Transpose::yes, out, patch, plane, true, batch});
        if (!c.first) gemms.push_back({Transpose::yes, Transpose::no, patch, plane, out, false, batch});
    }
    return gemms;
}

// Dense layers: X·W, Xᵀ·dY, dY·Wᵀ (none is fed by the data).
std::vector<GemmShape> dense_gemms(std::size_t batch) {
    std::vector<GemmShape> gemms;
    for (const auto& [in, out] : {std::pair<std::size_t, std::size_t>{7 * 7 * 64, 1024}, {1024, 10}}) {
        gemms.push_back({Transpose::no, Transpose::no, batch, out, in, true});
        gemms.push_back({Transpose::yes, Transpose::no, in, out, batch, true});
        gemms.push_back({Transpose::no, Transpose::yes, batch, in, out, false});
    }
    return gemms;
}

Tensor<float> random_classes(std::size_t rows, std::uint64_t seed) {
    Rng rng(seed);
    Tensor<float> t = Tensor<float>::from_shape({rows, 1});
    for (auto& v : t) v = static_cast<float>(rng.below(10));
    return t;
}

void run_step(benchmark::State& state, std::size_t batch) {
    auto model = fashion::make_benchmark_cnn<float>();
    init_parameters(model, 1);
    constexpr std::size_t batches = 4;  // cycled, so the data changes from step to step
    std::vector<Tensor<float>> xs, ys;
    for (std::size_t i = 0; i < batches; ++i) {
        xs.push_back(bench::random_tensor<float>(batch, 28 * 28, 10 + i));
        ys.push_back(random_classes(batch, 20 + i));
    }
    Adam<float> optimizer(1e-3);
    Trainer trainer(model, optimizer, CrossEntropy{});
    for (std::size_t i = 0; i < batches; ++i) trainer.step(xs[i], ys[i]);  // sizes every buffer

    bench::GemmSequence<float> conv(conv_gemms(batch)), dense(dense_gemms(batch));
    constexpr bool conv_gemms_run = conv_backend == "im2col";
    const double conv_seconds = conv_gemms_run ? conv.median_seconds(5, 0.05) : 0.0;
    const double gemm_seconds = conv_seconds + dense.median_seconds(5, 0.05);

    const double step_seconds = bench::time_steps(state, trainer, xs, ys);
    state.counters["gemm_us"] = gemm_seconds * 1e6;
    if (conv_gemms_run) state.counters["conv_gemm_us"] = conv_seconds * 1e6;
    state.counters["step/gemm"] = step_seconds / gemm_seconds;
    bench::report_gflops(state, bench::total_flops(conv.gemms()) + bench::total_flops(dense.gemms()));
}

void run_inference(benchmark::State& state, std::size_t batch) {
    auto model = fashion::make_benchmark_cnn<float>();
    init_parameters(model, 1);
    const Tensor<float> x = bench::random_tensor<float>(batch, 28 * 28, 5);
    for (auto _ : state) benchmark::DoNotOptimize(model.forward(x, Mode::eval).data());
    state.counters["samples/s"] = benchmark::Counter(static_cast<double>(batch),
                                                     benchmark::Counter::kIsIterationInvariantRate);
}

[[maybe_unused]] const bool registered = [] {
    for (std::size_t batch : {64, 256}) {
        const std::string b = std::to_string(batch);
        benchmark::RegisterBenchmark(("step/CNN/b" + b + "/static").c_str(),
                                     [batch](benchmark::State& state) { run_step(state, batch); })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("infer/CNN/b" + b).c_str(),
                                     [batch](benchmark::State& state) { run_inference(state, batch); })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
    return true;
}();

}  // namespace
