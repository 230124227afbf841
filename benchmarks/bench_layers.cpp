// Each layer's forward and backward, the loss, the L2 penalty and the
// optimizer update, at the paper models' shapes (float).
//   layer/<Layer>/<fwd|bwd>/b<batch>/<width or in x out>  (Concat: the WDNN's Parallel, input width)
//   loss/SigmoidBCE/b<batch>      fused sigmoid + binary cross-entropy from logits
//   update/<Adam|L2>/WDNN-n<n>    one pass over the model's parameter block
#include <string>

#include "bench_common.hpp"
#include "bench_models.hpp"

namespace {

using namespace xtnn;

const std::size_t batches[] = {64, 256, 1024};

// Times forward (backward = false) or backward of `layer` on a batch x in input.
template <class Layer>
void run_layer(benchmark::State& state, Layer& layer, std::size_t batch, std::size_t in, bool backward,
               double flops) {
    const Tensor<float> x = bench::random_tensor<float>(batch, in, 1);
    const Tensor<float>& y = layer.forward(x, Mode::train);
    const Tensor<float> grad = bench::random_tensor<float>(y.shape(0), y.shape(1), 2);
    if (backward) {
        for (auto _ : state) benchmark::DoNotOptimize(layer.backward(grad).data());
    } else {
        for (auto _ : state) benchmark::DoNotOptimize(layer.forward(x, Mode::train).data());
    }
    if (flops > 0) bench::report_gflops(state, flops);
}

template <class Make>
void register_layer(const std::string& name, std::size_t width, Make make) {
    for (const bool backward : {false, true}) {
        for (const std::size_t batch : batches) {
            const std::string full = "layer/" + name + (backward ? "/bwd/b" : "/fwd/b") + std::to_string(batch) +
                                     "/" + std::to_string(width);
            benchmark::RegisterBenchmark(full.c_str(), [=](benchmark::State& state) {
                auto layer = make();
                run_layer(state, layer, batch, width, backward, 0.0);
            })->UseRealTime();
        }
    }
}

void register_dense() {
    const std::pair<std::size_t, std::size_t> shapes[] = {{9, 256}, {256, 128}, {128, 64}, {320, 1}};
    for (const bool backward : {false, true}) {
        for (const std::size_t batch : batches) {
            for (const auto& [in, out] : shapes) {
                const std::string name = std::string("layer/Dense/") + (backward ? "bwd" : "fwd") + "/b" +
                                         std::to_string(batch) + "/" + std::to_string(in) + "x" + std::to_string(out);
                // Backward: weight and input gradients, two gemms.
                const double flops = (backward ? 4.0 : 2.0) * static_cast<double>(batch * in * out);
                benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
                    Dense<float> layer(in, out, L2(1e-3));
                    init_parameters(layer, 1);
                    run_layer(state, layer, batch, in, backward, flops);
                })->UseRealTime();
            }
        }
    }
}

void register_loss() {
    for (const std::size_t batch : batches) {
        benchmark::RegisterBenchmark(("loss/SigmoidBCE/b" + std::to_string(batch)).c_str(),
                                     [=](benchmark::State& state) {
                                         const Tensor<float> logits = bench::random_tensor<float>(batch, 1, 1);
                                         const Tensor<float> labels = bench::random_labels<float>(batch, 2);
                                         Tensor<float> grad;
                                         const BinaryCrossEntropy loss;
                                         for (auto _ : state) {
                                             benchmark::DoNotOptimize(
                                                 loss.value_and_gradient_from_logits(logits, labels, grad));
                                         }
                                     })
            ->UseRealTime();
    }
}

void register_updates() {
    for (const std::size_t n : {9, 45}) {
        const std::string suffix = "/WDNN-n" + std::to_string(n);
        benchmark::RegisterBenchmark(("update/Adam" + suffix).c_str(), [=](benchmark::State& state) {
            auto model = paper::make_wdnn<float>(n);
            init_parameters(model, 1);
            auto params = parameters(model);
            std::fill(params.grads.begin(), params.grads.end(), 1e-3F);
            Adam<float> adam(1e-3);
            for (auto _ : state) adam.step(params.values, std::span<const float>(params.grads));
            state.counters["params"] = static_cast<double>(params.values.size());
        })->UseRealTime();
        benchmark::RegisterBenchmark(("update/L2" + suffix).c_str(), [=](benchmark::State& state) {
            auto model = paper::make_wdnn<float>(n);
            init_parameters(model, 1);
            for (auto _ : state) benchmark::DoNotOptimize(add_regularization(model));
        })->UseRealTime();
    }
}

[[maybe_unused]] const bool registered = [] {
    register_dense();
    register_layer("ReLU", 256, [] { return ReLU(); });
    register_layer("BatchNorm", 256, [] { return BatchNorm<float>(256); });
    register_layer("Dropout", 256, [] { return Dropout(0.3, 1); });
    // The WDNN's concatenation (256 + 64 = 320 features) with the deep branch
    // cut to its last block, so Parallel's own cost is not buried under gemms.
    register_layer("Concat", 9, [] {
        auto wide = Sequential(Dense<float>(9, 256), ReLU());
        auto deep = Sequential(Dense<float>(9, 64), ReLU(), BatchNorm<float>(64), Dropout(0.3, 1));
        auto layer = Parallel(Concat{}, std::move(wide), std::move(deep));
        init_parameters(layer, 1);
        return layer;
    });
    register_loss();
    register_updates();
    return true;
}();

}  // namespace
