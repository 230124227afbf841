// Built against an installed xtnn by the xtnn_package_consumer test: proves that
// find_package(xtnn) + xtnn::xtnn give the headers, C++20, xtensor, a BLAS
// that provides CBLAS, and zlib (the IDX reader links inflate).
#if __has_include(<xtnn/xtnn.hpp>)
#include <xtnn/xtnn.hpp>
#else
#include <xtnn/core/random.hpp>
#include <xtnn/core/tensor.hpp>
#include <xtnn/io/idx.hpp>
#endif

#include <cblas.h>

#include <cmath>
#include <cstdio>
#include <string_view>

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
    // A raw IDX vector of two bytes; parse_idx would inflate a gzip one with zlib.
    const xtnn::IdxArray idx = xtnn::parse_idx(std::string_view("\0\0\x08\x01\0\0\0\x02\x07\x09", 10), "consumer");
    std::printf("xtnn consumer: IDX vector of %zu bytes read (zlib %s)\n", idx.size(), zlibVersion());
    return std::fabs(by_loop - by_blas) < 1e-12 && by_loop > 0.0 && idx.values<int>().back() == 9 ? 0 : 1;
}
