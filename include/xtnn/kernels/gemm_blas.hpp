#pragma once
// The CBLAS backend of xtnn::gemm (gemm.hpp), and the fallback of the others
// for what they do not cover.
#include <cblas.h>

#include <cstddef>
#include <type_traits>

#include "gemm_common.hpp"

namespace xtnn::detail {

inline CBLAS_TRANSPOSE cblas_op(Transpose t) { return t == Transpose::yes ? CblasTrans : CblasNoTrans; }

template <Real T>
void gemm_blas(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
               std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    const auto im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
    if constexpr (std::is_same_v<T, float>) {
        cblas_sgemm(CblasRowMajor, cblas_op(ta), cblas_op(tb), im, in, ik, alpha, a, static_cast<int>(lda), b,
                    static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
    } else {
        cblas_dgemm(CblasRowMajor, cblas_op(ta), cblas_op(tb), im, in, ik, alpha, a, static_cast<int>(lda), b,
                    static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
    }
}

}  // namespace xtnn::detail
