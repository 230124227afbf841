// Raw gemm at the shapes a training step of the paper's models runs, and at
// squares for the roofline; the float shapes once per gemm backend built in.
//   gemm/<type>/<op>/b<batch>/<in>x<out>[/<backend>]: op is fwd (X·W), dW (Xᵀ·dY) or dX (dY·Wᵀ)
//   gemm/<type>/square/<n>[/<backend>]
// No suffix: xtnn::gemm as this program was built (the CBLAS backend, linked to
// the provider of the program's directory); /eigen, /libxsmm, /auto: that backend's
// detail:: function in the same program (when its library was found).
#include <array>
#include <string>
#include <utility>
#include <vector>

#include <xtnn/kernels/gemm_auto.hpp>

#include "bench_common.hpp"

namespace {

using xtnn::Transpose;

template <class T>
struct Backend {
    const char* suffix;
    xtnn::detail::GemmFunction<T> gemm;
};

// Every backend compiled into this program, xtnn::gemm first (no suffix).
template <class T>
std::vector<Backend<T>> backends() {
    std::vector<Backend<T>> list{{"", &xtnn::gemm<T>}};
#ifdef XTNN_HAVE_GEMM_EIGEN
    list.push_back({"/eigen", &xtnn::detail::gemm_eigen<T>});
#endif
#ifdef XTNN_HAVE_GEMM_LIBXSMM
    list.push_back({"/libxsmm", &xtnn::detail::gemm_libxsmm<T>});
#endif
#ifdef XTNN_HAVE_GEMM_AUTO
    list.push_back({"/auto", &xtnn::detail::gemm_auto<T>});
#endif
    return list;
}

template <class T>
void run_gemm(benchmark::State& state, bench::GemmShape shape, xtnn::detail::GemmFunction<T> gemm) {
    bench::GemmSequence<T> seq({shape}, gemm);
    for (auto _ : state) seq.run();
    bench::report_gflops(state, shape.flops());
}

template <class T>
void register_shape(const std::string& name, bench::GemmShape shape, const std::vector<Backend<T>>& list) {
    for (const auto& backend : list) {
        benchmark::RegisterBenchmark((name + backend.suffix).c_str(), run_gemm<T>, shape, backend.gemm)
            ->UseRealTime();
    }
}

// float: every backend side by side; double: xtnn::gemm only (the models train in float).
template <class T>
void register_type(const char* type, const std::vector<Backend<T>>& list) {
    // Every distinct Dense (in, out) of WDNN and FCNN at n = 9 and 45.
    const std::array<std::pair<std::size_t, std::size_t>, 8> layers{
        {{9, 256}, {45, 256}, {256, 128}, {128, 64}, {320, 1}, {9, 128}, {45, 128}, {64, 1}}};
    for (std::size_t batch : {64, 256, 1024, 4096}) {
        for (const auto& [in, out] : layers) {
            const bench::GemmShape ops[] = {{Transpose::no, Transpose::no, batch, out, in, true},
                                            {Transpose::yes, Transpose::no, in, out, batch, true},
                                            {Transpose::no, Transpose::yes, batch, in, out, false}};
            const char* names[] = {"fwd", "dW", "dX"};
            for (int i = 0; i < 3; ++i) {
                register_shape(std::string("gemm/") + type + "/" + names[i] + "/b" + std::to_string(batch) + "/" +
                                   std::to_string(in) + "x" + std::to_string(out),
                               ops[i], list);
            }
        }
    }
    for (std::size_t n : {256, 512, 1024, 2048}) {
        register_shape(std::string("gemm/") + type + "/square/" + std::to_string(n),
                       bench::GemmShape{Transpose::no, Transpose::no, n, n, n, false}, list);
    }
}

[[maybe_unused]] const bool registered = [] {
    register_type<float>("s", backends<float>());
    register_type<double>("d", {{"", &xtnn::gemm<double>}});
    return true;
}();

}  // namespace
