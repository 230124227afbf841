// Whole training steps, epochs and inference of the paper's models.
//   step/<model>/n<n>/b<batch>/<static|dynamic|unfused>: Trainer::step (forward, fused
//       sigmoid-BCE, backward, L2, Adam); counters: gemm_us (the step's gemms
//       alone, timed in the same run), step/gemm (step time ÷ gemm_us) and
//       GFLOP/s (the gemms' flops over the step time); `unfused` is the static
//       model with fuse_blocks(model, false), its deep blocks run module by module
//   epoch/<model>/n<n>/b64: one shuffled epoch over the Kryptonite-n training
//       split (40 % of 2000·n rows: 7,200 at n = 9, 36,000 at n = 45)
//   infer/<model>/n<n>/b4096: predict (eval mode, default_eval_batch_size rows per pass);
//       counters samples/s, gemm_us (its forward gemms alone, at 4096 rows) and
//       infer/gemm (the pass ÷ gemm_us); `/one_pass`: one forward over all 4096 rows.
//       In the oneDNN build (XTNN_INFERENCE_BACKEND_ONEDNN: evaluation runs oneDNN's
//       products) also infer/onednn: the pass ÷ the same products in oneDNN, plain
#include <string>

#include "bench_common.hpp"
#include "bench_models.hpp"
#if defined(XTNN_INFERENCE_BACKEND_ONEDNN)
#include "bench_onednn.hpp"
#endif

namespace {

using namespace xtnn;

template <class Model>
void run_step(benchmark::State& state, Model& model, std::size_t n, std::size_t batch) {
    init_parameters(model, 1);
    constexpr std::size_t batches = 4;  // cycled, so the data changes from step to step
    std::vector<Tensor<float>> xs, ys;
    for (std::size_t i = 0; i < batches; ++i) {
        xs.push_back(bench::random_tensor<float>(batch, n, 10 + i));
        ys.push_back(bench::random_labels<float>(batch, 20 + i));
    }
    Adam<float> optimizer(1e-3);
    const BinaryCrossEntropy loss;
    Trainer trainer(model, optimizer, loss);
    for (std::size_t i = 0; i < batches; ++i) trainer.step(xs[i], ys[i]);  // sizes every buffer

    bench::GemmSequence<float> gemms(bench::training_gemms(model, batch, n));
    const double gemm_seconds = gemms.median_seconds();

    const double step_seconds = bench::time_steps(state, trainer, xs, ys);
    state.counters["gemm_us"] = gemm_seconds * 1e6;
    state.counters["step/gemm"] = step_seconds / gemm_seconds;
    bench::report_gflops(state, bench::total_flops(gemms.gemms()));
}

template <class Make>
void register_step(const std::string& model, Make make, const std::string& variant) {
    for (std::size_t n : {9, 45}) {
        for (std::size_t batch : {64, 256, 1024}) {
            const std::string name = "step/" + model + "/n" + std::to_string(n) + "/b" + std::to_string(batch) +
                                     "/" + variant;
            benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
                auto m = make(n);
                run_step(state, m, n, batch);
            })->UseRealTime();
        }
    }
}

template <class Model>
void run_epoch(benchmark::State& state, Model& model, std::size_t n) {
    init_parameters(model, 1);
    const std::size_t rows = 2000 * n * 2 / 5;
    const auto data = make_kryptonite<float>(n, {.rows = rows, .seed = 7});
    BatchIterator<float> batches(data.data, 64, true);
    Adam<float> optimizer(1e-3);
    const BinaryCrossEntropy loss;
    Trainer trainer(model, optimizer, loss);
    Rng rng(3);
    for (auto _ : state) {
        batches.start_epoch(rng);
        while (batches.next()) benchmark::DoNotOptimize(trainer.step(batches.X(), batches.y()));
    }
    state.counters["rows"] = static_cast<double>(rows);
}

template <class Model>
void run_inference(benchmark::State& state, Model& model, std::size_t n, bool one_pass) {
    constexpr std::size_t batch = 4096;
    init_parameters(model, 1);
    const Tensor<float> x = bench::random_tensor<float>(batch, n, 5);
    model.forward(x, Mode::eval);  // sizes every buffer
    bench::GemmSequence<float> gemms(bench::inference_gemms(model, batch));
    const double gemm_seconds = gemms.median_seconds();
    const double seconds = bench::time_loop(state, [&] {
        benchmark::DoNotOptimize(one_pass ? model.forward(x, Mode::eval).data() : predict(model, x).data());
    });
    state.counters["gemm_us"] = gemm_seconds * 1e6;
    state.counters["infer/gemm"] = seconds / gemm_seconds;
#if defined(XTNN_INFERENCE_BACKEND_ONEDNN)
    bench::OneDnnProducts products(bench::inference_gemms(model, batch));
    state.counters["infer/onednn"] = seconds / bench::median_seconds([&] { products.run(); });
#endif
    state.counters["samples/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
    bench::report_gflops(state, 2.0 * batch * static_cast<double>(parameter_count(model)));
}

template <class Make>
void register_model(const std::string& model, Make make) {
    for (std::size_t n : {9, 45}) {
        const std::string suffix = model + "/n" + std::to_string(n);
        benchmark::RegisterBenchmark(("epoch/" + suffix + "/b64").c_str(), [=](benchmark::State& state) {
            auto m = make(n);
            run_epoch(state, m, n);
        })->UseRealTime()->Unit(benchmark::kMillisecond);
        for (const bool one_pass : {false, true}) {
            const std::string name = "infer/" + suffix + "/b4096" + (one_pass ? "/one_pass" : "");
            benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
                auto m = make(n);
                run_inference(state, m, n, one_pass);
            })->UseRealTime();
        }
    }
}

[[maybe_unused]] const bool registered = [] {
    auto unfused = [](auto model) {
        fuse_blocks(model, false);
        return model;
    };
    register_step("WDNN", [](std::size_t n) { return paper::make_wdnn<float>(n); }, "static");
    register_step("WDNN", [=](std::size_t n) { return unfused(paper::make_wdnn<float>(n)); }, "unfused");
    register_step("WDNN", [](std::size_t n) { return bench::make_dynamic_wdnn<float>(n); }, "dynamic");
    register_step("FCNN", [](std::size_t n) { return paper::make_fcnn<float>(n); }, "static");
    register_step("FCNN", [=](std::size_t n) { return unfused(paper::make_fcnn<float>(n)); }, "unfused");
    register_step("FCNN", [](std::size_t n) { return bench::make_dynamic_fcnn<float>(n); }, "dynamic");
    register_model("WDNN", [](std::size_t n) { return paper::make_wdnn<float>(n); });
    register_model("FCNN", [](std::size_t n) { return paper::make_fcnn<float>(n); });
    return true;
}();

}  // namespace
