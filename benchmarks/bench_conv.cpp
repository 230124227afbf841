// Conv2D and pooling at the shapes of the Fashion-MNIST benchmark CNN (float,
// batch 64), and the gemms they reduce to, for the GFLOP/s they reach against
// the raw sgemm rate.
//   conv/<fwd|bwd|bwd_first>/b64/<in image>-><out channels>   bwd_first: no input gradient (a first layer)
//   conv_gemms/<per_image|per_batch>/<fwd|dW|dX>/b64/<...>     the forward's or a backward's gemms alone:
//                                                              one per image (as Conv2D), or one for the batch
//   im2col/b64/<...>                                           building the column matrices alone
//   pool/<MaxPool2D|AvgPool2D|GlobalAveragePooling2D>/<fwd|bwd>/b64/<in image>
//   sgemm/square/1024                                          the roofline
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace {

using namespace xtnn;

constexpr std::size_t batch = 64;

// The two convolutions of the benchmark CNN (both 5x5, same padding).
struct ConvShape {
    ImageShape in;
    std::size_t out;
    std::string name() const { return to_string(in) + "->" + std::to_string(out); }
    std::size_t patch() const { return in.channels * 25; }
    std::size_t plane() const { return in.height * in.width; }
    // One gemm's flops over the batch: forward, dW and dX each cost this.
    double gemm_flops() const {
        return 2.0 * static_cast<double>(batch * out * plane() * patch());
    }
};

const ConvShape shapes[] = {{{1, 28, 28}, 32}, {{32, 14, 14}, 64}};

Conv2D<float> make_conv(const ConvShape& s) {
    Conv2D<float> conv(s.in.channels, s.out, 5, {.padding = Padding::same, .input = s.in});
    init_parameters(conv, 1);
    return conv;
}

void register_conv(const ConvShape& s) {
    const char* passes[] = {"fwd", "bwd", "bwd_first"};
    for (int pass = 0; pass < 3; ++pass) {
        const std::string name = std::string("conv/") + passes[pass] + "/b64/" + s.name();
        benchmark::RegisterBenchmark(name.c_str(), [s, pass](benchmark::State& state) {
            Conv2D<float> conv = make_conv(s);
            conv.set_input_grad_required(pass != 2);
            const Tensor<float> x = bench::random_tensor<float>(batch, s.in.size(), 1);
            const Tensor<float>& y = conv.forward(x, Mode::train);
            const Tensor<float> grad = bench::random_tensor<float>(y.shape(0), y.shape(1), 2);
            if (pass == 0) {
                for (auto _ : state) benchmark::DoNotOptimize(conv.forward(x, Mode::train).data());
            } else {
                for (auto _ : state) benchmark::DoNotOptimize(conv.backward(grad).data());
            }
            bench::report_gflops(state, (pass == 1 ? 2.0 : 1.0) * s.gemm_flops());
        })->UseRealTime();
    }
}

// The gemms of one pass: `images` gemms of the per-image shape, or one for the batch.
bench::GemmShape pass_gemm(const ConvShape& s, int op, std::size_t images) {
    const std::size_t P = s.plane() * images, K = s.patch(), O = s.out;
    switch (op) {
        case 0: return {Transpose::no, Transpose::no, O, P, K, true};    // Y = W·col
        case 1: return {Transpose::no, Transpose::yes, O, K, P, true};   // dW += dY·colᵀ
        default: return {Transpose::yes, Transpose::no, K, P, O, false};  // dcol = Wᵀ·dY
    }
}

void register_conv_gemms(const ConvShape& s) {
    const char* ops[] = {"fwd", "dW", "dX"};
    for (int op = 0; op < 3; ++op) {
        for (const bool per_image : {true, false}) {
            const std::string name = std::string("conv_gemms/") + (per_image ? "per_image/" : "per_batch/") + ops[op] +
                                     "/b64/" + s.name();
            benchmark::RegisterBenchmark(name.c_str(), [s, op, per_image](benchmark::State& state) {
                const bench::GemmShape g = pass_gemm(s, op, per_image ? 1 : batch);
                bench::GemmSequence<float> seq({g});
                const std::size_t repeats = per_image ? batch : 1;
                for (auto _ : state) {
                    for (std::size_t r = 0; r < repeats; ++r) seq.run();
                }
                bench::report_gflops(state, s.gemm_flops());
            })->UseRealTime();
        }
    }
}

void register_im2col(const ConvShape& s) {
    benchmark::RegisterBenchmark(("im2col/b64/" + s.name()).c_str(), [s](benchmark::State& state) {
        const Tensor<float> x = bench::random_tensor<float>(batch, s.in.size(), 1);
        const detail::Window w = detail::make_window(s.in, 5, 1, Padding::same, [] { return std::string("im2col"); });
        std::vector<float> columns(w.patch() * w.out_plane());
        std::vector<float> bordered(detail::bordered_size(w));
        for (auto _ : state) {
            for (std::size_t r = 0; r < batch; ++r) {
                detail::im2col(x.data() + r * w.in_size(), w, bordered.data(), columns.data());
            }
            benchmark::ClobberMemory();
        }
        state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch * columns.size() * sizeof(float)));
    })->UseRealTime();
}

template <class Layer>
void register_pool(const std::string& name, ImageShape in, Layer (*make)(ImageShape)) {
    for (const bool backward : {false, true}) {
        const std::string full = "pool/" + name + (backward ? "/bwd" : "/fwd") + "/b64/" + to_string(in);
        benchmark::RegisterBenchmark(full.c_str(), [in, make, backward](benchmark::State& state) {
            Layer layer = make(in);
            const Tensor<float> x = bench::random_tensor<float>(batch, in.size(), 1);
            const Tensor<float>& y = layer.forward(x, Mode::train);
            const Tensor<float> grad = bench::random_tensor<float>(y.shape(0), y.shape(1), 2);
            if (backward) {
                for (auto _ : state) benchmark::DoNotOptimize(layer.backward(grad).data());
            } else {
                for (auto _ : state) benchmark::DoNotOptimize(layer.forward(x, Mode::train).data());
            }
        })->UseRealTime();
    }
}

[[maybe_unused]] const bool registered = [] {
    for (const ConvShape& s : shapes) {
        register_conv(s);
        register_conv_gemms(s);
        register_im2col(s);
    }
    for (const ImageShape in : {ImageShape{32, 28, 28}, ImageShape{64, 14, 14}}) {
        register_pool<MaxPool2D>("MaxPool2D", in, [](ImageShape image) { return MaxPool2D(2, {.input = image}); });
        register_pool<AvgPool2D>("AvgPool2D", in, [](ImageShape image) { return AvgPool2D(2, {.input = image}); });
    }
    register_pool<GlobalAveragePooling2D>("GlobalAveragePooling2D", {64, 7, 7},
                                          [](ImageShape image) { return GlobalAveragePooling2D(image); });
    benchmark::RegisterBenchmark("sgemm/square/1024", [](benchmark::State& state) {
        const bench::GemmShape g{Transpose::no, Transpose::no, 1024, 1024, 1024, false};
        bench::GemmSequence<float> seq({g});
        for (auto _ : state) seq.run();
        bench::report_gflops(state, g.flops());
    })->UseRealTime();
    return true;
}();

}  // namespace
