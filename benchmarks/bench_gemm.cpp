// Raw gemm through xtnn::gemm (cblas_?gemm, row major) at the shapes a training
// step of the paper's models runs, and at squares for the roofline.
//   gemm/<type>/<op>/b<batch>/<in>x<out>: op is fwd (X·W), dW (Xᵀ·dY) or dX (dY·Wᵀ)
//   gemm/<type>/square/<n>
#include <array>
#include <string>
#include <utility>

#include "bench_common.hpp"

namespace {

using xtnn::Transpose;

template <class T>
void run_gemm(benchmark::State& state, bench::GemmShape shape) {
    bench::GemmSequence<T> seq({shape});
    for (auto _ : state) seq.run();
    bench::report_gflops(state, shape.flops());
}

template <class T>
void register_type(const char* type) {
    // Every distinct Dense (in, out) of WDNN and FCNN at n = 9 and 45.
    const std::array<std::pair<std::size_t, std::size_t>, 8> layers{
        {{9, 256}, {45, 256}, {256, 128}, {128, 64}, {320, 1}, {9, 128}, {45, 128}, {64, 1}}};
    for (std::size_t batch : {64, 256, 1024}) {
        for (const auto& [in, out] : layers) {
            const bench::GemmShape ops[] = {{Transpose::no, Transpose::no, batch, out, in, true},
                                            {Transpose::yes, Transpose::no, in, out, batch, true},
                                            {Transpose::no, Transpose::yes, batch, in, out, false}};
            const char* names[] = {"fwd", "dW", "dX"};
            for (int i = 0; i < 3; ++i) {
                const std::string name = std::string("gemm/") + type + "/" + names[i] + "/b" +
                                         std::to_string(batch) + "/" + std::to_string(in) + "x" +
                                         std::to_string(out);
                benchmark::RegisterBenchmark(name.c_str(), run_gemm<T>, ops[i])->UseRealTime();
            }
        }
    }
    for (std::size_t n : {256, 512, 1024, 2048}) {
        const std::string name = std::string("gemm/") + type + "/square/" + std::to_string(n);
        benchmark::RegisterBenchmark(name.c_str(), run_gemm<T>,
                                     bench::GemmShape{Transpose::no, Transpose::no, n, n, n, false})
            ->UseRealTime();
    }
}

[[maybe_unused]] const bool registered = [] {
    register_type<float>("s");
    register_type<double>("d");
    return true;
}();

}  // namespace
