#pragma once
// The `auto` backend of xtnn::gemm (gemm.hpp): per call, by shape, whichever of
// libxsmm and Eigen measured faster there (docs/benchmarks.md, "Gemm backends"):
// libxsmm's JIT kernels for small products it has kernels for, except
// matrix-vector products (n = 1), where its one-row kernels lose to Eigen's
// gemv; Eigen for everything else (larger products and a transposed B, which
// libxsmm would hand to the BLAS). Defined when both headers are reachable
// (XTNN_HAVE_GEMM_AUTO).
#include "gemm_eigen.hpp"
#include "gemm_libxsmm.hpp"

#if defined(XTNN_HAVE_GEMM_EIGEN) && defined(XTNN_HAVE_GEMM_LIBXSMM)
#include <cstddef>

#include "gemm_common.hpp"

#define XTNN_HAVE_GEMM_AUTO 1

namespace xtnn::detail {

template <Real T>
void gemm_auto(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
               std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    if (gemm_without_product(m, n, k, alpha, beta, c, ldc)) return;
    if (n > 1 && gemm_libxsmm_jit(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
    gemm_eigen(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace xtnn::detail

#endif
