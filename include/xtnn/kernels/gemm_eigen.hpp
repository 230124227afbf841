#pragma once
// The Eigen backend of xtnn::gemm (gemm.hpp): Eigen's own gemm and gemv,
// compiled with the user's flags (so -march=native gives AVX-512 kernels
// whatever CPU the linked BLAS recognises). Defines detail::gemm_eigen and
// XTNN_HAVE_GEMM_EIGEN only when <Eigen/Core> is on the include path
// (CMake: Eigen3::Eigen), so the header compiles alone either way.
// Eigen packs its operands on the stack up to EIGEN_STACK_ALLOCATION_LIMIT
// (128 KiB) and with malloc beyond: products up to the paper's models at batch
// 4096 (4096x128x256) allocate nothing, larger ones (4096x256x320) twice per call.
#if __has_include(<Eigen/Core>)
#include <Eigen/Core>

#include <cstddef>

#include "gemm_common.hpp"

#define XTNN_HAVE_GEMM_EIGEN 1

namespace xtnn::detail {

template <Real T>
using EigenRowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A rows x cols row-major matrix with leading dimension ld, in place.
template <class Matrix, class T>
auto eigen_map(T* data, std::size_t rows, std::size_t cols, std::size_t ld) {
    return Eigen::Map<Matrix, Eigen::Unaligned, Eigen::OuterStride<>>(
        data, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols),
        Eigen::OuterStride<>(static_cast<Eigen::Index>(ld)));
}

// C = alpha * opa * opb + beta * C; `= ` for beta = 0, so garbage in C is overwritten.
template <class C, class OpA, class OpB, class T>
void eigen_product(C& c, const OpA& opa, const OpB& opb, T alpha, T beta) {
    if (beta == T(0)) {
        c.noalias() = alpha * opa * opb;
        return;
    }
    if (beta != T(1)) c *= beta;
    c.noalias() += alpha * opa * opb;
}

template <Real T>
void gemm_eigen(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    if (gemm_without_product(m, n, k, alpha, beta, c, ldc)) return;
    const bool trans_a = ta == Transpose::yes, trans_b = tb == Transpose::yes;
    auto cm = eigen_map<EigenRowMajor<T>>(c, m, n, ldc);
    const auto am = eigen_map<const EigenRowMajor<T>>(a, trans_a ? k : m, trans_a ? m : k, lda);
    const auto bm = eigen_map<const EigenRowMajor<T>>(b, trans_b ? n : k, trans_b ? k : n, ldb);
    if (!trans_a && !trans_b) eigen_product(cm, am, bm, alpha, beta);
    if (!trans_a && trans_b) eigen_product(cm, am, bm.transpose(), alpha, beta);
    if (trans_a && !trans_b) eigen_product(cm, am.transpose(), bm, alpha, beta);
    if (trans_a && trans_b) eigen_product(cm, am.transpose(), bm.transpose(), alpha, beta);
}

}  // namespace xtnn::detail

#endif
