#pragma once
// The kernel behind Conv2D, chosen at configure time (CMake:
// -DXTNN_CONV_BACKEND=im2col|onednn, which sets the macro on xtnn::xtnn):
//   (none)                      im2col + gemm per image, in Conv2D itself: the reference
//   XTNN_CONV_BACKEND_ONEDNN    oneDNN's convolutions for Conv2D<float> (kernels/conv_onednn.hpp);
//                               Conv2D<double> stays on im2col (oneDNN has no f64 convolution)
// ConvBackend<T> is the one place Conv2D asks: forward / backward return true
// when the backend did the work, false when Conv2D runs im2col.
#include <cstddef>
#include <string_view>

#include "../core/matrix_view.hpp"
#include "../core/tensor.hpp"
#include "../kernels/window.hpp"

#if defined(XTNN_CONV_BACKEND_ONEDNN)
#include "../kernels/conv_onednn.hpp"
#if !defined(XTNN_HAVE_CONV_ONEDNN)
#error "xtnn: XTNN_CONV_BACKEND_ONEDNN needs <oneapi/dnnl/dnnl.hpp> on the include path (libdnnl-dev, DNNL::dnnl)"
#endif
#endif

namespace xtnn {

// The backend Conv2D<float> uses in this translation unit: "im2col" or "onednn".
inline constexpr std::string_view conv_backend =
#if defined(XTNN_CONV_BACKEND_ONEDNN)
    "onednn";
#else
    "im2col";
#endif

namespace detail {

// No backend: Conv2D runs im2col.
template <Real T>
class ConvBackend {
public:
    bool forward(const Window&, std::size_t, const Tensor<T>&, const T*, const T*, MatrixView<T>) { return false; }
    bool backward(MatrixView<const T>, T*, T*, T*) { return false; }
};

#if defined(XTNN_CONV_BACKEND_ONEDNN)
template <>
class ConvBackend<float> {
public:
    bool forward(const Window& w, std::size_t out_channels, const Tensor<float>& x, const float* kernel,
                 const float* bias, MatrixView<float> y) {
#if defined(XTNN_CONV_BACKEND_SWITCHABLE)
        active_ = !conv_force_im2col;
        if (!active_) return false;
#endif
        conv_.forward({w, out_channels, x.shape(0), y.stride}, x.data(), kernel, bias, y.data);
        return true;
    }

    // dx null: no input gradient wanted.
    bool backward(MatrixView<const float> dy, float* kernel_grad, float* bias_grad, float* dx) {
        if (!active_) return false;
        conv_.backward(dy.data, dy.stride, kernel_grad, bias_grad, dx);
        return true;
    }

private:
    OneDnnConvolution conv_;
    bool active_ = true;  // the path of the last forward, which backward must follow
};
#endif

}  // namespace detail
}  // namespace xtnn
