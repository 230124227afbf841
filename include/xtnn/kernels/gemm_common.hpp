#pragma once
// What every gemm backend (gemm_blas.hpp, gemm_eigen.hpp, gemm_libxsmm.hpp)
// shares: the transpose flag and the calls that form no product at all.
#include <algorithm>
#include <cstddef>

#include "../core/tensor.hpp"

namespace xtnn {

enum class Transpose { no, yes };

namespace detail {

// The signature every backend shares with xtnn::gemm, for code that picks one at run
// time (the tests and benchmarks that compare backends).
template <Real T>
using GemmFunction = void (*)(Transpose, Transpose, std::size_t, std::size_t, std::size_t, T, const T*,
                              std::size_t, const T*, std::size_t, T, T*, std::size_t);

// BLAS semantics for the calls with nothing to multiply: m or n = 0 touch
// nothing; k = 0 or alpha = 0 set C = beta * C without reading A or B, and
// beta = 0 overwrites C (NaN garbage included) instead of scaling it. Returns
// whether the call was one of these, so a backend only sees real products.
template <Real T>
bool gemm_without_product(std::size_t m, std::size_t n, std::size_t k, T alpha, T beta, T* c, std::size_t ldc) {
    if (m == 0 || n == 0) return true;
    if (k != 0 && alpha != T(0)) return false;
    for (std::size_t r = 0; r < m; ++r) {
        T* row = c + r * ldc;
        if (beta == T(0)) {
            std::fill_n(row, n, T(0));
        } else if (beta != T(1)) {
            std::transform(row, row + n, row, [beta](T v) { return beta * v; });
        }
    }
    return true;
}

}  // namespace detail
}  // namespace xtnn
