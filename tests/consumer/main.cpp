// Built against an installed xtnn by the xtnn_package_consumer test: proves that
// find_package(xtnn) + xtnn::xtnn give the headers, C++20, xtensor, a BLAS
// that provides CBLAS, zlib (the IDX reader links inflate) and the configured
// Conv2D backend (XTNN_CONV_BACKEND=onednn: oneDNN).
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
#include <string>
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
    bool conv_ok = true;
#if __has_include(<xtnn/xtnn.hpp>)
    // A convolution through the configured backend: with oneDNN, its macro and
    // library came with xtnn::xtnn.
    xtnn::Conv2D<float> conv(1, 2, 3, {.padding = xtnn::Padding::same, .input = xtnn::ImageShape{1, 4, 4}});
    xtnn::init_parameters(conv, 1);
    xtnn::Tensor<float> image = xtnn::Tensor<float>::from_shape({1, 16});
    for (auto& v : image) v = 1.0f;
    const xtnn::Tensor<float>& out = conv.forward(image, xtnn::Mode::eval);
    const float* k = conv.kernel().data();
    const float centre = k[0] + k[1] + k[2] + k[3] + k[4] + k[5] + k[6] + k[7] + k[8];  // output (1, 1): all 9 taps
    conv_ok = std::fabs(out(0, 5) - centre) < 1e-5f;
    std::printf("xtnn consumer: Conv2D through the %s backend %s\n", std::string(xtnn::conv_backend).c_str(),
                conv_ok ? "agrees" : "DISAGREES");
#endif
    return conv_ok && std::fabs(by_loop - by_blas) < 1e-12 && by_loop > 0.0 && idx.values<int>().back() == 9 ? 0 : 1;
}
