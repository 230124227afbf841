// What a gemm epilogue costs where a real library offers one (issue 13): oneDNN's
// matmul with post-ops against its own plain product, next to xtnn's own ways,
// on the shapes of the paper's models. The inference target (predict ≤ 1.1× its
// gemms) asks for an epilogue of at most 10 %; this shows what the best
// available kernels reach, and what xtnn's route through them (the evaluation
// chain of XTNN_INFERENCE_BACKEND=onednn, which this program is built with)
// gives. Built only with oneDNN (libdnnl-dev), as
// build/benchmarks/<provider>+onednn/bench_epilogue.
// Float, one thread.
//   epilogue/r<rows>/<in>x<out>/<variant>: one deep layer
//     xtnn_gemm            xtnn::gemm with beta = 1: bench_training's "its gemms"
//     xtnn_modules         Sequential(Dense, ReLU, BatchNorm, Dropout) forward in Mode::eval,
//                          module by module (fuse_blocks off: bias rows, gemm, two passes)
//     xtnn_chain           the same block as xtnn's oneDNN chain (compose/dense_chain.hpp: bias
//                          and ReLU in the product, the last BatchNorm a pass of its own)
//     onednn_plain         dst = src·W
//     onednn_bias          dst = src·W + b
//     onednn_bias_relu     dst = ReLU(src·W + b)
//     onednn_bias_relu_bn  dst = ReLU(src·W + b)·scale + shift (per-column binary post-ops:
//                          BatchNorm in evaluation mode)
//   epilogue/FCNN/n<n>/r4096/<variant>: the paper's FCNN over 4096 rows
//     xtnn_predict         predict(model, x), as bench_training's infer/: xtnn's oneDNN chain
//     xtnn_gemms           its forward gemms alone (bench_training's gemm_us)
//     onednn_plain         the three products alone, chained, in oneDNN
//     onednn_folded        the three products with bias + ReLU (bias + sigmoid last) fused,
//                          each BatchNorm folded into the next layer's weights (same cost
//                          as any weights): the chain's products without xtnn around them
//   counters: /plain and /gemm, the variant's time ÷ oneDNN's plain products and
//   ÷ xtnn's gemms at the same shapes, both timed in the same run.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench_common.hpp"
#include "bench_onednn.hpp"
#include "models.hpp"

namespace {

using namespace xtnn;
using bench::Epilogue;
using bench::OneDnnDense;

// Layers of widths[0] -> widths[1] -> ... over `rows` rows of x, each fed by the one before.
class OneDnnChain {
public:
    OneDnnChain(const Tensor<float>& x, const std::vector<std::size_t>& widths, bool fused) {
        const float* src = x.data();
        for (std::size_t i = 0; i + 1 < widths.size(); ++i) {
            const bool last = i + 2 == widths.size();
            const Epilogue epilogue = !fused ? Epilogue::none : last ? Epilogue::bias_logistic : Epilogue::bias_relu;
            layers_.push_back(std::make_unique<OneDnnDense>(src, x.shape(0), widths[i], widths[i + 1], epilogue));
            src = layers_.back()->output();
        }
    }

    void run() {
        for (auto& layer : layers_) layer->run();
        benchmark::ClobberMemory();
    }

private:
    std::vector<std::unique_ptr<OneDnnDense>> layers_;
};

// Reports seconds ÷ the plain oneDNN chain and ÷ xtnn's forward gemms over the
// same layers, both timed now.
void report_ratios(benchmark::State& state, const Tensor<float>& x, const std::vector<std::size_t>& widths,
                   double seconds) {
    OneDnnChain plain(x, widths, false);
    std::vector<bench::GemmShape> gemms;
    double flops = 0;
    for (std::size_t i = 0; i + 1 < widths.size(); ++i) {
        gemms.push_back({Transpose::no, Transpose::no, x.shape(0), widths[i + 1], widths[i], true});
        flops += gemms.back().flops();
    }
    bench::GemmSequence<float> xtnn_gemms(gemms);
    state.counters["/plain"] = seconds / bench::median_seconds([&] { plain.run(); });
    state.counters["/gemm"] = seconds / xtnn_gemms.median_seconds();
    bench::report_gflops(state, flops);
}

void register_layer(std::size_t rows, std::size_t in, std::size_t out) {
    const std::string name = "epilogue/r" + std::to_string(rows) + "/" + std::to_string(in) + "x" +
                             std::to_string(out) + "/";
    const std::vector<std::size_t> widths{in, out};
    const auto x = std::make_shared<const Tensor<float>>(bench::random_tensor<float>(rows, in, 1));
    benchmark::RegisterBenchmark((name + "xtnn_gemm").c_str(), [=](benchmark::State& state) {
        bench::GemmSequence<float> gemm({{Transpose::no, Transpose::no, rows, out, in, true}});
        report_ratios(state, *x, widths, bench::time_loop(state, [&] { gemm.run(); }));
    })->UseRealTime();
    for (const bool chained : {false, true}) {
        benchmark::RegisterBenchmark((name + (chained ? "xtnn_chain" : "xtnn_modules")).c_str(),
                                     [=](benchmark::State& state) {
                                         Sequential block(Dense<float>(in, out), ReLU(), BatchNorm<float>(out),
                                                          Dropout(0.3));
                                         init_parameters(block, 1);
                                         fuse_blocks(block, chained);
                                         report_ratios(state, *x, widths, bench::time_loop(state, [&] {
                                             benchmark::DoNotOptimize(block.forward(*x, Mode::eval).data());
                                         }));
                                     })
            ->UseRealTime();
    }
    const std::pair<const char*, Epilogue> variants[] = {{"onednn_plain", Epilogue::none},
                                                         {"onednn_bias", Epilogue::bias},
                                                         {"onednn_bias_relu", Epilogue::bias_relu},
                                                         {"onednn_bias_relu_bn", Epilogue::bias_relu_bn}};
    for (const auto& [variant, epilogue] : variants) {
        benchmark::RegisterBenchmark((name + variant).c_str(), [=, epilogue = epilogue](benchmark::State& state) {
            OneDnnDense dense(x->data(), rows, in, out, epilogue);
            report_ratios(state, *x, widths, bench::time_loop(state, [&] {
                dense.run();
                benchmark::ClobberMemory();
            }));
        })->UseRealTime();
    }
}

void register_fcnn(std::size_t n) {
    constexpr std::size_t rows = 4096;
    const std::string name = "epilogue/FCNN/n" + std::to_string(n) + "/r4096/";
    const std::vector<std::size_t> widths{n, 128, 64, 1};
    const auto x = std::make_shared<const Tensor<float>>(bench::random_tensor<float>(rows, n, 1));
    benchmark::RegisterBenchmark((name + "xtnn_predict").c_str(), [=](benchmark::State& state) {
        auto model = paper::make_fcnn<float>(n);
        init_parameters(model, 1);
        report_ratios(state, *x, widths, bench::time_loop(state, [&] {
            benchmark::DoNotOptimize(predict(model, *x).data());
        }));
    })->UseRealTime();
    benchmark::RegisterBenchmark((name + "xtnn_gemms").c_str(), [=](benchmark::State& state) {
        auto model = paper::make_fcnn<float>(n);
        bench::GemmSequence<float> gemms(bench::inference_gemms(model, rows));
        report_ratios(state, *x, widths, bench::time_loop(state, [&] { gemms.run(); }));
    })->UseRealTime();
    for (const bool fused : {false, true}) {
        benchmark::RegisterBenchmark((name + (fused ? "onednn_folded" : "onednn_plain")).c_str(),
                                     [=](benchmark::State& state) {
                                         OneDnnChain chain(*x, widths, fused);
                                         report_ratios(state, *x, widths, bench::time_loop(state, [&] {
                                             chain.run();
                                         }));
                                     })
            ->UseRealTime();
    }
}

[[maybe_unused]] const bool registered = [] {
    for (std::size_t n : {9, 45}) register_fcnn(n);
    // FCNN's (n = 9, 45) and WDNN's deep layers: a training batch, predict's pass, 4096 rows at once.
    for (std::size_t rows : {64, 256, 4096}) {
        for (auto [in, out] : {std::pair<std::size_t, std::size_t>{9, 128}, {45, 128}, {128, 64}, {9, 256},
                               {256, 128}}) {
            register_layer(rows, in, out);
        }
    }
    return true;
}();

}  // namespace
