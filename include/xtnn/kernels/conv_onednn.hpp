#pragma once
// The oneDNN backend of Conv2D<float> (CMake: -DXTNN_CONV_BACKEND=onednn, which
// sets XTNN_CONV_BACKEND_ONEDNN on xtnn::xtnn). oneDNN's direct convolutions
// work on blocked layouts (channels in blocks of 16 for AVX-512) chosen by the
// library; xtnn's images stay plain NCHW rows and its kernel plain OIHW, so each
// call reorders into and out of those layouts. At batch 64 on the Fashion-MNIST
// CNN the convolutions, reorders included, took about half the time of im2col +
// sgemm per image (docs/fashion-mnist.md). oneDNN has no f64 convolution:
// Conv2D<double> always takes the im2col path.
//
// Primitives and blocked buffers are created for one shape (window, output
// channels, batch, row strides of the views) and reused until it changes, so a
// steady-state step allocates nothing of its own (onednn.hpp: oneDNN's execute
// still allocates its small argument map). Defines XTNN_HAVE_CONV_ONEDNN only
// when oneDNN's headers are present.
#include "onednn.hpp"

#if defined(XTNN_HAVE_ONEDNN)
#include <cstddef>
#include <optional>
#include <vector>

#include "window.hpp"

#define XTNN_HAVE_CONV_ONEDNN 1

namespace xtnn::detail {

#if defined(XTNN_CONV_BACKEND_SWITCHABLE)
// Tests only (tests/onednn/ compare both paths in one program):
// while set, Conv2D<float> takes the im2col path even in a oneDNN build.
inline bool conv_force_im2col = false;
#endif

// What a convolution call looks like; a change re-creates the primitives.
struct OneDnnConvShape {
    Window window;
    std::size_t out_channels = 0;
    std::size_t batch = 0;
    std::size_t output_stride = 0;  // elements between two images' outputs (a view may be wider)

    friend bool operator==(const OneDnnConvShape&, const OneDnnConvShape&) = default;
};

class OneDnnConvolution {
public:
    // Plans hold blocked copies of one layer's data: a copied layer builds its own.
    OneDnnConvolution() = default;
    OneDnnConvolution(const OneDnnConvolution&) {}
    OneDnnConvolution& operator=(const OneDnnConvolution&) {
        backward_.reset();
        forward_.reset();
        return *this;
    }
    OneDnnConvolution(OneDnnConvolution&&) = default;
    OneDnnConvolution& operator=(OneDnnConvolution&&) = default;
    ~OneDnnConvolution() = default;

    // y = conv(x, kernel) + bias for a batch of plain NCHW images x (rows of
    // window.in_size() values); kernel is out x (in·kh·kw), y rows are output_stride apart.
    void forward(const OneDnnConvShape& shape, const float* x, const float* kernel, const float* bias, float* y) {
        if (!forward_ || forward_->shape != shape) {
            backward_.reset();  // built on the forward's primitive and buffers
            forward_.emplace(shape);
            if (!stream_) stream_ = dnnl::stream(onednn_engine());
        }
        bind(forward_->x, x);
        bind(forward_->kernel, kernel);
        bind(forward_->bias, bias);
        bind(forward_->y, y);
        run(forward_->steps);
    }

    // After forward with the same x and kernel: kernel_grad += dK, bias_grad +=
    // db and, unless dx is null, dx = dL/dx (plain rows of window.in_size()).
    // dy's rows are dy_stride apart.
    void backward(const float* dy, std::size_t dy_stride, float* kernel_grad, float* bias_grad, float* dx) {
        if (!forward_) fail("OneDnnConvolution: backward before forward");
        const BackwardKey key{dy_stride, dx != nullptr};
        if (!backward_ || backward_->key != key) backward_.emplace(*forward_, key);
        bind(backward_->dy, dy);
        bind(backward_->kernel_grad, kernel_grad);
        if (dx != nullptr) bind(backward_->dx, dx);
        run(backward_->steps);
        const auto* db = static_cast<const float*>(backward_->bias_grad.get_data_handle());
        for (std::size_t o = 0; o < forward_->shape.out_channels; ++o) bias_grad[o] += db[o];
    }

private:
    using dims = dnnl::memory::dims;
    using tag = dnnl::memory::format_tag;

    struct Geometry {
        dims src, weights, bias, dst, strides, pad_before, pad_after;
    };

    static Geometry geometry(const OneDnnConvShape& s) {
        const Window& w = s.window;
        const auto d = onednn_dim;
        return {{d(s.batch), d(w.channels), d(w.in_height), d(w.in_width)},
                {d(s.out_channels), d(w.channels), d(w.kernel_height), d(w.kernel_width)},
                {d(s.out_channels)},
                {d(s.batch), d(s.out_channels), d(w.out_height), d(w.out_width)},
                {d(w.stride_height), d(w.stride_width)},
                {d(w.pad_top), d(w.pad_left)},
                {d(w.pad_bottom()), d(w.pad_right())}};
    }

    // Layouts left to oneDNN (format any); the caller's scratchpad, so none is allocated per call.
    static dnnl::memory::desc any(const dims& d) { return {d, dnnl::memory::data_type::f32, tag::any}; }
    static dnnl::primitive_attr user_scratchpad() {
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        return attr;
    }

    struct ForwardPlan {
        OneDnnConvShape shape;
        Geometry g;
        dnnl::convolution_forward::primitive_desc pd;
        dnnl::memory x, kernel, bias, y;  // the caller's buffers, bound at each call
        dnnl::memory src, weights, dst;   // in oneDNN's layouts (or the caller's memory when they agree)
        dnnl::memory scratchpad;
        std::vector<OneDnnStep> steps;

        explicit ForwardPlan(const OneDnnConvShape& s)
            : shape(s),
              g(geometry(s)),
              pd(dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                                 dnnl::algorithm::convolution_direct, any(g.src), any(g.weights),
                                                 onednn_plain_desc(g.bias, 1), any(g.dst), g.strides,
                                                 g.pad_before, g.pad_after),
                 user_scratchpad(), onednn_engine()),
              x(onednn_user_memory(onednn_plain_desc(g.src, s.window.in_size()))),
              kernel(onednn_user_memory(onednn_plain_desc(g.weights, s.window.patch()))),
              bias(onednn_user_memory(onednn_plain_desc(g.bias, 1))),
              y(onednn_user_memory(onednn_plain_desc(g.dst, s.output_stride))),
              scratchpad(pd.scratchpad_desc(), onednn_engine()) {
            src = onednn_as(x, pd.src_desc(), steps);
            weights = onednn_as(kernel, pd.weights_desc(), steps);
            dst = pd.dst_desc() == y.get_desc() ? y : dnnl::memory(pd.dst_desc(), onednn_engine());
            steps.emplace_back(dnnl::convolution_forward(pd), OneDnnStep::Args{
                                                                  {DNNL_ARG_SRC, &src},
                                                                  {DNNL_ARG_WEIGHTS, &weights},
                                                                  {DNNL_ARG_BIAS, &bias},
                                                                  {DNNL_ARG_DST, &dst},
                                                                  {DNNL_ARG_SCRATCHPAD, &scratchpad}});
            if (dst != y) steps.push_back(reorder_step(dst, y));
        }
    };

    struct BackwardKey {
        std::size_t dy_stride = 0;
        bool input_grad = false;
        friend bool operator==(const BackwardKey&, const BackwardKey&) = default;
    };

    struct BackwardPlan {
        BackwardKey key;
        dnnl::memory dy, kernel_grad, dx;  // the caller's buffers
        dnnl::memory bias_grad;            // this step's db, added to the caller's by hand
        dnnl::memory weights_src, weights_dy, weights_grad, weights_scratchpad;
        dnnl::memory data_dy, data_weights, data_dx, data_scratchpad;
        std::vector<OneDnnStep> steps;

        BackwardPlan(ForwardPlan& f, BackwardKey k)
            : key(k),
              dy(onednn_user_memory(onednn_plain_desc(f.g.dst, k.dy_stride))),
              kernel_grad(onednn_user_memory(onednn_plain_desc(f.g.weights, f.shape.window.patch()))),
              bias_grad(onednn_plain_desc(f.g.bias, 1), onednn_engine()) {
            add_weight_gradients(f);
            if (k.input_grad) add_input_gradient(f);
        }

        // dK into oneDNN's layout, then accumulated into the caller's plain kernel gradient.
        void add_weight_gradients(ForwardPlan& f) {
            const Geometry& g = f.g;
            const dnnl::convolution_backward_weights::primitive_desc pd(
                dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, any(g.src),
                                                         any(g.weights), bias_grad.get_desc(), any(g.dst), g.strides,
                                                         g.pad_before, g.pad_after),
                user_scratchpad(), onednn_engine(), f.pd);
            weights_src = pd.src_desc() == f.src.get_desc() ? f.src : onednn_as(f.x, pd.src_desc(), steps);
            weights_dy = onednn_as(dy, pd.diff_dst_desc(), steps);
            weights_grad = dnnl::memory(pd.diff_weights_desc(), onednn_engine());
            weights_scratchpad = dnnl::memory(pd.scratchpad_desc(), onednn_engine());
            steps.emplace_back(dnnl::convolution_backward_weights(pd),
                               OneDnnStep::Args{
                                   {DNNL_ARG_SRC, &weights_src},
                                   {DNNL_ARG_DIFF_DST, &weights_dy},
                                   {DNNL_ARG_DIFF_WEIGHTS, &weights_grad},
                                   {DNNL_ARG_DIFF_BIAS, &bias_grad},
                                   {DNNL_ARG_SCRATCHPAD, &weights_scratchpad}});
            steps.push_back(reorder_step(weights_grad, kernel_grad, /*accumulate=*/true));
        }

        void add_input_gradient(ForwardPlan& f) {
            const Geometry& g = f.g;
            const dnnl::convolution_backward_data::primitive_desc pd(
                dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, any(g.src), any(g.weights),
                                                      any(g.dst), g.strides, g.pad_before, g.pad_after),
                user_scratchpad(), onednn_engine(), f.pd);
            dx = onednn_user_memory(onednn_plain_desc(g.src, f.shape.window.in_size()));
            data_dy = pd.diff_dst_desc() == weights_dy.get_desc() ? weights_dy : onednn_as(dy, pd.diff_dst_desc(), steps);
            data_weights =
                pd.weights_desc() == f.weights.get_desc() ? f.weights : onednn_as(f.kernel, pd.weights_desc(), steps);
            data_dx = pd.diff_src_desc() == dx.get_desc() ? dx : dnnl::memory(pd.diff_src_desc(), onednn_engine());
            data_scratchpad = dnnl::memory(pd.scratchpad_desc(), onednn_engine());
            steps.emplace_back(dnnl::convolution_backward_data(pd),
                               OneDnnStep::Args{
                                   {DNNL_ARG_DIFF_DST, &data_dy},
                                   {DNNL_ARG_WEIGHTS, &data_weights},
                                   {DNNL_ARG_DIFF_SRC, &data_dx},
                                   {DNNL_ARG_SCRATCHPAD, &data_scratchpad}});
            if (data_dx != dx) steps.push_back(reorder_step(data_dx, dx));
        }
    };

    void run(const std::vector<OneDnnStep>& steps) {
        for (const OneDnnStep& step : steps) step.run(stream_);
        stream_.wait();
    }

    dnnl::stream stream_;  // created with the first plan
    std::optional<ForwardPlan> forward_;
    std::optional<BackwardPlan> backward_;
};

}  // namespace xtnn::detail
#endif
