#pragma once
// detail::OneDnnMatmul: dst = act(src·W + b) on float row-major matrices through
// oneDNN's matmul, the bias and the activation applied inside its kernel
// (post-ops) instead of in passes of their own: the epilogue OpenBLAS has no
// way to express. The primitive is built for one shape and one pair of row
// strides and rebuilt when they change (oneDNN's primitive cache makes a shape
// seen before cheap to rebuild). Defines XTNN_HAVE_ONEDNN_MATMUL only when
// oneDNN's headers are present.
#include "onednn.hpp"

#if defined(XTNN_HAVE_ONEDNN)
#include <cstddef>
#include <optional>

#define XTNN_HAVE_ONEDNN_MATMUL 1

namespace xtnn::detail {

// An activation oneDNN applies as an eltwise post-op; `undef`: none.
struct OneDnnActivation {
    dnnl::algorithm kind = dnnl::algorithm::undef;
    float alpha = 0;  // eltwise_relu: the slope below zero (LeakyReLU)

    friend bool operator==(const OneDnnActivation&, const OneDnnActivation&) = default;
};

struct OneDnnMatmulShape {
    std::size_t rows = 0, in = 0, out = 0;
    std::size_t src_stride = 0, dst_stride = 0;  // elements between rows (views may be wider)
    OneDnnActivation activation;

    friend bool operator==(const OneDnnMatmulShape&, const OneDnnMatmulShape&) = default;
};

class OneDnnMatmul {
public:
    // Move-only, like the modules that own one: a copy would share the bound memory objects.
    OneDnnMatmul() = default;
    OneDnnMatmul(const OneDnnMatmul&) = delete;
    OneDnnMatmul& operator=(const OneDnnMatmul&) = delete;
    OneDnnMatmul(OneDnnMatmul&&) noexcept = default;
    OneDnnMatmul& operator=(OneDnnMatmul&&) noexcept = default;
    ~OneDnnMatmul() = default;

    // weights: in x out, row-major (xtnn's Dense layout); bias: out values.
    void run(const OneDnnMatmulShape& shape, const float* src, const float* weights, const float* bias, float* dst) {
        if (!step_ || shape_ != shape) build(shape);
        bind(src_, src);
        bind(weights_, weights);
        bind(bias_, bias);
        bind(dst_, dst);
        step_->run(stream_);
    }

private:
    void build(const OneDnnMatmulShape& shape) {
        step_.reset();
        const auto rows = onednn_dim(shape.rows), in = onednn_dim(shape.in), out = onednn_dim(shape.out);
        src_ = onednn_user_memory(onednn_plain_desc({rows, in}, shape.src_stride));
        weights_ = onednn_user_memory(onednn_plain_desc({in, out}, shape.out));
        bias_ = onednn_user_memory(onednn_plain_desc({1, out}, shape.out));
        dst_ = onednn_user_memory(onednn_plain_desc({rows, out}, shape.dst_stride));
        dnnl::primitive_attr attr;
        if (shape.activation.kind != dnnl::algorithm::undef) {
            dnnl::post_ops ops;
            ops.append_eltwise(1.0f, shape.activation.kind, shape.activation.alpha, 0.0f);
            attr.set_post_ops(ops);
        }
        const dnnl::matmul::desc op(src_.get_desc(), weights_.get_desc(), bias_.get_desc(), dst_.get_desc());
        step_.emplace(dnnl::matmul(dnnl::matmul::primitive_desc(op, attr, onednn_engine())),
                      OneDnnStep::Args{{DNNL_ARG_SRC, &src_},
                                       {DNNL_ARG_WEIGHTS, &weights_},
                                       {DNNL_ARG_BIAS, &bias_},
                                       {DNNL_ARG_DST, &dst_}});
        if (!stream_) stream_ = dnnl::stream(onednn_engine());
        shape_ = shape;
    }

    OneDnnMatmulShape shape_;
    dnnl::memory src_, weights_, bias_, dst_;
    std::optional<OneDnnStep> step_;
    dnnl::stream stream_;
};

}  // namespace xtnn::detail
#endif
