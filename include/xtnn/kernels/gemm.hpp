#pragma once
// The BLAS calls xtnn makes, and one switch for BLAS threading whatever
// library is linked. What the linked BLAS is: blas_info.hpp.
#include <cblas.h>
#include <dlfcn.h>

#include <cstddef>

#include "../core/tensor.hpp"

namespace xtnn {

enum class Transpose { no, yes };

namespace detail {

inline CBLAS_TRANSPOSE cblas_op(Transpose t) { return t == Transpose::yes ? CblasTrans : CblasNoTrans; }

}  // namespace detail

// C = alpha * op(A) * op(B) + beta * C on row-major raw storage; op(A) is
// m x k, op(B) is k x n, C is m x n with leading dimension ldc (>= n), so a
// caller can write into a column slice of a wider matrix.
template <Real T>
void gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    const auto im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
    if constexpr (std::is_same_v<T, float>) {
        cblas_sgemm(CblasRowMajor, detail::cblas_op(ta), detail::cblas_op(tb), im, in, ik, alpha, a,
                    static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
    } else {
        cblas_dgemm(CblasRowMajor, detail::cblas_op(ta), detail::cblas_op(tb), im, in, ik, alpha, a,
                    static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
    }
}

// Sets the number of threads of whichever BLAS serves cblas_sgemm (OpenBLAS,
// BLIS, MKL). Returns false when the linked BLAS offers no such control (the
// reference BLAS is single threaded anyway). Programs that run their own
// threads (parallel trainings) should call set_blas_threads(1) first, or the
// two thread pools fight over the cores.
inline bool set_blas_threads(int threads) {
    if (threads < 1) detail::fail("set_blas_threads: thread count must be >= 1, got ", threads);
    using SetInt = void (*)(int);
    for (const char* symbol : {"openblas_set_num_threads", "bli_thread_set_num_threads",
                               "MKL_Set_Num_Threads"}) {
        if (void* f = dlsym(RTLD_DEFAULT, symbol)) {
            reinterpret_cast<SetInt>(f)(threads);
            return true;
        }
    }
    return false;
}

}  // namespace xtnn
