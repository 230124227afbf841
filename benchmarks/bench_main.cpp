// The main of every benchmark program: pins BLAS to XTNN_BENCH_THREADS threads
// (default 1) and records in the output which BLAS served cblas_sgemm, its
// kernels, the gemm and conv backends (XTNN_GEMM_BACKEND_*, XTNN_CONV_BACKEND_*) it was compiled with, the thread count, the OpenBLAS environment, the -march the
// programs were compiled for and the SIMD instruction set xsimd picked, so
// every result says what produced it. Subnormal floats are flushed to zero, as
// fit does: thousands of repeated steps otherwise drift into subnormal values and
// time microcode assists (a WDNN step measured 3x slower), not the library.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include <xsimd/xsimd.hpp>
#include <xtnn/kernels/blas_info.hpp>
#include <xtnn/kernels/denormals.hpp>
#include <xtnn/kernels/gemm.hpp>
#include <xtnn/compose/dense_chain.hpp>
#include <xtnn/layers/conv2d_backend.hpp>

namespace {

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
    const xtnn::FlushDenormals flush;
    const std::string threads = env_or("XTNN_BENCH_THREADS", "1");
    const bool settable = xtnn::set_blas_threads(std::stoi(threads));
    benchmark::AddCustomContext("blas_library", xtnn::blas_library_path());
    benchmark::AddCustomContext("blas_config", xtnn::blas_config());
    benchmark::AddCustomContext("gemm_backend", xtnn::gemm_backend_config());
    benchmark::AddCustomContext("conv_backend", std::string(xtnn::conv_backend));
    benchmark::AddCustomContext("inference_backend", std::string(xtnn::inference_backend));
    benchmark::AddCustomContext("blas_threads", settable ? threads : threads + " (not settable: library default)");
    benchmark::AddCustomContext("OPENBLAS_CORETYPE", env_or("OPENBLAS_CORETYPE", "(unset)"));
    benchmark::AddCustomContext("OPENBLAS_L2_SIZE", env_or("OPENBLAS_L2_SIZE", "(unset)"));
    benchmark::AddCustomContext("compiled_for", XTNN_BENCH_ARCH_FLAG);
    benchmark::AddCustomContext("simd", xsimd::default_arch::name());
    benchmark::AddCustomContext("denormals", "flushed to zero (FTZ/DAZ)");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
