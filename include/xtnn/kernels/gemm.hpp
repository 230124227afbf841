#pragma once
// xtnn::gemm, the one matrix product every layer calls, and one switch for
// BLAS threading whatever library is linked. The kernel behind gemm is chosen
// when the program is compiled (CMake: -DXTNN_GEMM_BACKEND=..., which sets the
// macro on xtnn::xtnn for the library's users too):
//   (none)                    blas: CBLAS (gemm_blas.hpp)
//   XTNN_GEMM_BACKEND_EIGEN   Eigen's products, compiled for the user's -march (gemm_eigen.hpp)
//   XTNN_GEMM_BACKEND_LIBXSMM libxsmm's JIT kernels for small products, else CBLAS (gemm_libxsmm.hpp)
//   XTNN_GEMM_BACKEND_AUTO    by shape: libxsmm where it measured fastest, else Eigen (gemm_auto.hpp)
// What the linked BLAS is: blas_info.hpp.
#include <dlfcn.h>

#include <cstddef>
#include <string_view>

#include "../core/tensor.hpp"
#include "gemm_blas.hpp"
#include "gemm_common.hpp"

#if defined(XTNN_GEMM_BACKEND_EIGEN) + defined(XTNN_GEMM_BACKEND_LIBXSMM) + defined(XTNN_GEMM_BACKEND_AUTO) > 1
#error "xtnn: define at most one of XTNN_GEMM_BACKEND_EIGEN, XTNN_GEMM_BACKEND_LIBXSMM, XTNN_GEMM_BACKEND_AUTO"
#endif
#if defined(XTNN_GEMM_BACKEND_EIGEN)
#include "gemm_eigen.hpp"
#if !defined(XTNN_HAVE_GEMM_EIGEN)
#error "xtnn: XTNN_GEMM_BACKEND_EIGEN needs <Eigen/Core> on the include path (libeigen3-dev, Eigen3::Eigen)"
#endif
#elif defined(XTNN_GEMM_BACKEND_LIBXSMM)
#include "gemm_libxsmm.hpp"
#if !defined(XTNN_HAVE_GEMM_LIBXSMM)
#error "xtnn: XTNN_GEMM_BACKEND_LIBXSMM needs <libxsmm.h> on the include path (libxsmm-dev)"
#endif
#elif defined(XTNN_GEMM_BACKEND_AUTO)
#include "gemm_auto.hpp"
#if !defined(XTNN_HAVE_GEMM_AUTO)
#error "xtnn: XTNN_GEMM_BACKEND_AUTO needs <Eigen/Core> and <libxsmm.h> on the include path"
#endif
#endif

namespace xtnn {

// The backend this translation unit's gemm calls: "blas", "eigen", "libxsmm" or "auto".
inline constexpr std::string_view gemm_backend =
#if defined(XTNN_GEMM_BACKEND_EIGEN)
    "eigen";
#elif defined(XTNN_GEMM_BACKEND_LIBXSMM)
    "libxsmm";
#elif defined(XTNN_GEMM_BACKEND_AUTO)
    "auto";
#else
    "blas";
#endif

#if defined(XTNN_GEMM_BACKEND_SWITCHABLE)
namespace detail {
// Tests only (tests/test_gemm_backends.cpp trains through every backend in one
// program): when set, gemm calls this instead of the compiled backend.
template <Real T>
inline GemmFunction<T> gemm_switch = nullptr;
}  // namespace detail
#endif

// C = alpha * op(A) * op(B) + beta * C on row-major raw storage; op(A) is
// m x k, op(B) is k x n, C is m x n with leading dimension ldc (>= n), so a
// caller can write into a column slice of a wider matrix. BLAS semantics in
// every backend: beta = 0 overwrites C without reading it, and m, n or k may be 0.
template <Real T>
void gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
          std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
#if defined(XTNN_GEMM_BACKEND_SWITCHABLE)
    if (auto f = detail::gemm_switch<T>) return f(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
#if defined(XTNN_GEMM_BACKEND_EIGEN)
    detail::gemm_eigen(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#elif defined(XTNN_GEMM_BACKEND_LIBXSMM)
    detail::gemm_libxsmm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#elif defined(XTNN_GEMM_BACKEND_AUTO)
    detail::gemm_auto(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#else
    detail::gemm_blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}

// Sets the number of threads of whichever BLAS serves cblas_sgemm (OpenBLAS,
// BLIS, MKL). Returns false when the linked BLAS offers no such control (the
// reference BLAS is single threaded anyway). Programs that run their own
// threads (parallel trainings) should call set_blas_threads(1) first, or the
// two thread pools fight over the cores. The Eigen and libxsmm kernels run in
// the calling thread (Eigen threads only in programs built with -fopenmp).
// With the oneDNN conv backend (XTNN_CONV_BACKEND_ONEDNN) it also sets the
// OpenMP thread count oneDNN runs on, for the calling thread; other threads
// start from OMP_NUM_THREADS.
inline bool set_blas_threads(int threads) {
    if (threads < 1) detail::fail("set_blas_threads: thread count must be >= 1, got ", threads);
    using SetInt = void (*)(int);
#if defined(XTNN_CONV_BACKEND_ONEDNN)
    if (void* f = dlsym(RTLD_DEFAULT, "omp_set_num_threads")) reinterpret_cast<SetInt>(f)(threads);
#endif
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
