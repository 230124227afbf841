#pragma once
// The libxsmm backend of xtnn::gemm (gemm.hpp): kernels generated at run time
// (JIT) for the CPU the program runs on, for small products; everything else
// goes to the BLAS (gemm_blas.hpp). Defines detail::gemm_libxsmm and
// XTNN_HAVE_GEMM_LIBXSMM only when <libxsmm.h> is on the include path; a
// program that calls it links libxsmm (CMake: LIBXSMM::LIBXSMM).
#if __has_include(<libxsmm.h>)
#include <libxsmm.h>

#include <cstddef>
#include <type_traits>

#include "gemm_blas.hpp"
#include "gemm_common.hpp"

#define XTNN_HAVE_GEMM_LIBXSMM 1

namespace xtnn::detail {

// Products up to this many multiply-adds (m·n·k; 2^21 is the WDNN's widest
// batch-64 layer) go to libxsmm. Its kernels do not block for the caches: at
// batch 1024 (fwd 1024x256x9) Eigen's blocked gemm already ran twice as fast
// (docs/benchmarks.md, "Gemm backends").
inline constexpr std::size_t libxsmm_max_mnk = std::size_t{1} << 21;

template <Real T>
using LibxsmmKernel = std::conditional_t<std::is_same_v<T, float>, libxsmm_smmfunction, libxsmm_dmmfunction>;

// libxsmm is column-major: row-major C = op(A)·op(B) (m x n) is column-major
// Cᵀ = op(B)ᵀ·op(A)ᵀ (n x m) on the same memory, so A and B swap places and
// roles. Returns null where libxsmm has no kernel: a transposed first operand
// (row-major op(B) = Bᵀ), alpha other than 1, beta other than 0 or 1.
template <Real T>
LibxsmmKernel<T> libxsmm_kernel(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k,
                                std::size_t lda, std::size_t ldb, std::size_t ldc, T alpha, T beta) {
    const int flags = (tb == Transpose::yes ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) |
                      (ta == Transpose::yes ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
    const auto ld_first = static_cast<libxsmm_blasint>(ldb), ld_second = static_cast<libxsmm_blasint>(lda),
               ld_out = static_cast<libxsmm_blasint>(ldc);
    const auto rows = static_cast<libxsmm_blasint>(n), cols = static_cast<libxsmm_blasint>(m),
               depth = static_cast<libxsmm_blasint>(k);
    if constexpr (std::is_same_v<T, float>) {
        return libxsmm_smmdispatch(rows, cols, depth, &ld_first, &ld_second, &ld_out, &alpha, &beta, &flags,
                                   nullptr);
    } else {
        return libxsmm_dmmdispatch(rows, cols, depth, &ld_first, &ld_second, &ld_out, &alpha, &beta, &flags,
                                   nullptr);
    }
}

// Runs the product through a JIT kernel if it is small and libxsmm has one;
// returns false otherwise (C untouched).
template <Real T>
bool gemm_libxsmm_jit(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha,
                      const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    if (m * n * k > libxsmm_max_mnk) return false;
    const auto kernel = libxsmm_kernel(ta, tb, m, n, k, lda, ldb, ldc, alpha, beta);
    if (kernel == nullptr) return false;
    kernel(b, a, c);
    return true;
}

template <Real T>
void gemm_libxsmm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                  std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    if (gemm_without_product(m, n, k, alpha, beta, c, ldc)) return;
    if (gemm_libxsmm_jit(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
    gemm_blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace xtnn::detail

#endif
