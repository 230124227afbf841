#pragma once
// Which BLAS serves xtnn's gemm calls and what kernels it picked: diagnostics
// for benchmarks and bug reports, kept apart from the gemm itself.
#include <cblas.h>
#include <dlfcn.h>

#include <string>

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
