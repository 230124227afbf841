// Built against an installed xtnn by the xtnn_package_consumer test: proves that
// find_package(xtnn) + xtnn::xtnn give the headers, C++20, xtensor and a BLAS
// that provides CBLAS.
#if __has_include(<xtnn/xtnn.hpp>)
#include <xtnn/xtnn.hpp>
#else
#include <xtnn/core/random.hpp>
#include <xtnn/core/tensor.hpp>
#endif

#include <cblas.h>

#include <cmath>
#include <cstdio>

int main() {
    xtnn::Rng rng(7);
    xtnn::Tensor<double> t;
    xtnn::ensure_shape(t, 4, 3);
    for (auto& v : t) v = rng.uniform(-1.0, 1.0);
    xtnn::check_columns(t, 3, "consumer");

    // Sum of squares twice: through xtensor and through CBLAS.
    double by_loop = 0.0;
    for (const double v : t) by_loop += v * v;
    const double by_blas = cblas_ddot(static_cast<int>(t.size()), t.data(), 1, t.data(), 1);

    std::printf("xtnn consumer: %zu x %zu tensor, sum of squares %.12f (cblas %.12f)\n",
                t.shape(0), t.shape(1), by_loop, by_blas);
    return std::fabs(by_loop - by_blas) < 1e-12 && by_loop > 0.0 ? 0 : 1;
}
