#pragma once
// Which BLAS serves xtnn's gemm calls and what kernels it picked: diagnostics
// for benchmarks and bug reports, kept apart from the gemm itself.
#include <cblas.h>
#include <dlfcn.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include "../core/error.hpp"
#include "gemm.hpp"

namespace xtnn {

// The shared object that actually provides cblas_sgemm, e.g.
// "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3".
inline std::string blas_library_path() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&cblas_sgemm), &info) != 0 && info.dli_fname != nullptr) {
        return info.dli_fname;
    }
    return "unknown";
}

// What the linked BLAS says about its build and the kernels it chose at run
// time, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64; core Zen"
// or "BLIS 0.9.0; arch zen3"; empty when the library exposes neither (ATLAS,
// reference BLAS). Looked up with dlsym, so any BLAS links.
inline std::string blas_config() {
    using GetString = const char* (*)();
    auto call = [](const char* symbol) -> std::string {
        void* f = dlsym(RTLD_DEFAULT, symbol);
        const char* s = f != nullptr ? reinterpret_cast<GetString>(f)() : nullptr;
        return s != nullptr ? s : "";
    };
    if (std::string config = call("openblas_get_config"); !config.empty()) {
        return config + "; core " + call("openblas_get_corename");
    }
    if (std::string version = call("bli_info_get_version_str"); !version.empty()) {
        // arch_t is a C enum: an int.
        using QueryId = int (*)();
        using ArchName = const char* (*)(int);
        auto query = reinterpret_cast<QueryId>(dlsym(RTLD_DEFAULT, "bli_arch_query_id"));
        auto name = reinterpret_cast<ArchName>(dlsym(RTLD_DEFAULT, "bli_arch_string"));
        std::string s = "BLIS " + version;
        if (query != nullptr && name != nullptr) {
            if (const char* arch = name(query())) s += std::string("; arch ") + arch;
        }
        return s;
    }
    return "";
}

namespace detail {

// OpenBLAS cores too old for the CPU's vector units, newest last.
inline constexpr std::string_view pre_avx2_cores[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem",
                                                      "Atom", "Sandybridge"};

// The advice for an OpenBLAS that chose `core` on a CPU with the given vector units.
inline std::string openblas_core_advice(std::string_view core, bool has_avx512, bool has_avx2) {
    const bool pre_avx2 = std::find(std::begin(pre_avx2_cores), std::end(pre_avx2_cores), core) !=
                          std::end(pre_avx2_cores);
    const bool pre_avx512 = pre_avx2 || core == "Haswell" || core == "Zen";
    const char* better = has_avx512 && pre_avx512 ? "SkylakeX" : has_avx2 && pre_avx2 ? "Haswell" : nullptr;
    if (better == nullptr) return "";
    return concat("OpenBLAS runs its ", core, " kernels although this CPU has ", has_avx512 ? "AVX-512" : "AVX2",
                  " (it does not recognise the CPU): gemms run up to 3x slower. Set OPENBLAS_CORETYPE=", better,
                  " before starting the program, or configure xtnn with -DXTNN_GEMM_BACKEND=auto");
}

}  // namespace detail

// A hint when the linked BLAS runs kernels older than the CPU could (OpenBLAS
// picks by CPU model and falls back to old ones for models it does not know);
// empty when there is nothing to say.
inline std::string blas_kernel_advice() {
    if (void* f = dlsym(RTLD_DEFAULT, "openblas_get_corename")) {
        const char* core = reinterpret_cast<const char* (*)()>(f)();
#if defined(__x86_64__) || defined(__i386__)
        if (core != nullptr) {
            return detail::openblas_core_advice(core, __builtin_cpu_supports("avx512f") != 0,
                                                __builtin_cpu_supports("avx2") != 0);
        }
#else
        (void)core;
#endif
    }
    return "";
}

// The gemm backend compiled into this translation unit and what it runs on:
// "blas", "eigen 3.4.0 (SSE, SSE2, ..., AVX512)" (the instruction sets Eigen was
// compiled for), "libxsmm 1.17 (target cpx)" (the CPU its JIT generates code for)
// or "auto; eigen 3.4.0 (...); libxsmm 1.17 (...)".
inline std::string gemm_backend_config() {
    // detail::concat, not a chain of std::string +: g++ 12 warns falsely on those (-Wrestrict).
    std::string s(gemm_backend);
#if defined(XTNN_GEMM_BACKEND_EIGEN) || defined(XTNN_GEMM_BACKEND_AUTO)
    s += detail::concat(s == "auto" ? "; eigen " : " ", EIGEN_WORLD_VERSION, ".", EIGEN_MAJOR_VERSION, ".",
                        EIGEN_MINOR_VERSION, " (", Eigen::SimdInstructionSetsInUse(), ")");
#endif
#if defined(XTNN_GEMM_BACKEND_LIBXSMM) || defined(XTNN_GEMM_BACKEND_AUTO)
    s += detail::concat(s.starts_with("auto") ? "; libxsmm " : " ", LIBXSMM_VERSION, " (target ",
                        libxsmm_get_target_arch(), ")");
#endif
    return s;
}

}  // namespace xtnn
