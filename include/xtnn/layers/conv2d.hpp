#pragma once
// Conv2D<T>: 2-D convolution (cross-correlation, as in every framework) over
// channels-first images, one image per row (core/image_shape.hpp).
//
// The kernel is stored out x (in·kh·kw): exactly PyTorch's (out, in, kh, kw)
// weight, flattened, so an exported kernel becomes a torch weight by a plain
// reshape. Per image, forward is im2col + one gemm, W·col, written straight
// into the image's output row (already channels-first); backward recomputes
// the columns (they stay in cache instead of costing batch·in·kh·kw·H·W
// values of memory) and runs dW += dY·colᵀ and, when the input gradient is
// needed, dcol = Wᵀ·dY + col2im. A configure-time backend may take over
// instead (conv2d_backend.hpp: oneDNN for float).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/image_shape.hpp"
#include "../core/matrix_view.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"
#include "../kernels/elementwise.hpp"
#include "../kernels/gemm.hpp"
#include "../kernels/im2col.hpp"
#include "../kernels/window.hpp"
#include "../params/graph_parameter.hpp"
#include "../params/initializers.hpp"
#include "../params/packing.hpp"
#include "../params/regularizers.hpp"
#include "conv2d_backend.hpp"
#include "spatial.hpp"

namespace xtnn {

struct Conv2DOptions {
    Size2D stride = 1;
    Padding padding = Padding::valid;
    // The input image; needed on a model's first layer only, later layers take
    // their predecessor's output image when the model is built.
    std::optional<ImageShape> input = std::nullopt;
};

template <Real T>
class Conv2D {
public:
    using value_type = T;

    // Glorot by default with Keras' fans: in·kh·kw and out·kh·kw.
    Conv2D(std::size_t in_channels, std::size_t out_channels, Size2D kernel, Conv2DOptions options = {},
           Regularizer regularizer = NoRegularizer{}, Initializer init = glorot_uniform)
        : in_(in_channels),
          out_(out_channels),
          kernel_size_(kernel),
          options_(options),
          kernel_(ParamSpec{"kernel", out_channels, in_channels * kernel.height * kernel.width,
                            ParamKind::trainable, init, regularizer, in_channels * kernel.height * kernel.width,
                            out_channels * kernel.height * kernel.width}),
          bias_(ParamSpec{"bias", 1, out_channels, ParamKind::trainable, zeros, NoRegularizer{}, in_channels,
                          out_channels}) {
        if (in_ == 0 || out_ == 0) detail::fail(describe(), ": channel counts must be positive");
        detail::check_positive(kernel_size_, "kernel size", describe());
        detail::check_positive(options_.stride, "stride", describe());
        if (options_.input) set_input_image(*options_.input);
        detail::pack_parameters<T>(*this);
    }

    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        ensure_shape(output_, x.shape(0), window().out_plane() * out_);
        forward_into(x, mode, view_of(output_));
        return output_;
    }

    // Each image's output is one contiguous stretch of its row, so a view's row stride costs nothing.
    void forward_into(const Tensor<T>& x, Mode /*mode*/, MatrixView<T> y) {
        const detail::Window& w = window();
        check_input(x, w);
        const std::size_t plane = w.out_plane();
        check_view_shape(y, x.shape(0), plane * out_, [this] { return describe(); });
        input_ = &x;
        if (backend_.forward(w, out_, x, kernel_.data(), bias_.data(), y)) return;
        ensure_shape(columns_, w.patch(), plane);
        ensure_shape(bordered_, 1, detail::bordered_size(w));
        const T* b = bias_.data();
        for (std::size_t r = 0; r < x.shape(0); ++r) {
            T* out = y.row(r);
            for (std::size_t o = 0; o < out_; ++o) std::fill_n(out + o * plane, plane, b[o]);
            detail::im2col(x.data() + r * w.in_size(), w, bordered_.data(), columns_.data());
            gemm<T>(Transpose::no, Transpose::no, out_, plane, w.patch(), T(1), kernel_.data(), w.patch(),
                    columns_.data(), plane, T(1), out, plane);
        }
    }

    const Tensor<T>& backward(const Tensor<T>& grad_out) { return backward_from(view_of(grad_out)); }

    const Tensor<T>& backward_from(MatrixView<const T> dy) {
        if (input_ == nullptr) detail::fail(describe(), ": backward called before forward");
        const Tensor<T>& x = *input_;
        const detail::Window& w = window();
        const std::size_t batch = x.shape(0), plane = w.out_plane(), patch = w.patch();
        if (dy.rows != batch || dy.cols != plane * out_) {
            detail::fail(describe(), ": gradient of shape ", dy.rows, " x ", dy.cols, " does not match the output ",
                         batch, " x ", plane * out_);
        }
        ensure_shape(grad_input_, batch, w.in_size());
        if (backend_.backward(dy, kernel_.grad_data(), bias_.grad_data(),
                              input_grad_required_ ? grad_input_.data() : nullptr)) {
            return grad_input_;
        }
        if (input_grad_required_) ensure_shape(grad_columns_, patch, plane);
        for (std::size_t r = 0; r < batch; ++r) {
            const T* g = dy.row(r);
            detail::im2col(x.data() + r * w.in_size(), w, bordered_.data(), columns_.data());
            // dW += dY·colᵀ
            gemm<T>(Transpose::no, Transpose::yes, out_, patch, plane, T(1), g, plane, columns_.data(), plane, T(1),
                    kernel_.grad_data(), patch);
            add_bias_gradient(g, plane);
            if (input_grad_required_) {
                // dcol = Wᵀ·dY, then each entry back where im2col took it from.
                gemm<T>(Transpose::yes, Transpose::no, patch, plane, out_, T(1), kernel_.data(), patch, g, plane,
                        T(0), grad_columns_.data(), plane);
                detail::col2im(grad_columns_.data(), w, bordered_.data(), grad_input_.data() + r * w.in_size());
            }
        }
        return grad_input_;
    }

    // A first layer's input gradient is never used; skipping it saves a gemm and col2im per image.
    void set_input_grad_required(bool required) { input_grad_required_ = required; }

    std::optional<std::size_t> input_width() const {
        return window_ ? std::optional<std::size_t>(window_->in_size()) : std::nullopt;
    }
    std::optional<std::size_t> output_width(std::optional<std::size_t>) const {
        return window_ ? std::optional<std::size_t>(window_->out_plane() * out_) : std::nullopt;
    }

    std::optional<ImageShape> input_image() const {
        if (!window_) return std::nullopt;
        return ImageShape{in_, window_->in_height, window_->in_width};
    }

    std::optional<ImageShape> output_image(std::optional<ImageShape> input) const {
        if (window_) return ImageShape{out_, window_->out_height, window_->out_width};
        if (!input) return std::nullopt;
        const detail::Window w = plan({in_, input->height, input->width});
        return ImageShape{out_, w.out_height, w.out_width};
    }

    // Takes the image's height and width; the channels stay in_channels, so a
    // container compares them with what the previous layer produces.
    void set_input_image(ImageShape image) { window_ = plan({in_, image.height, image.width}); }

    std::string describe() const {
        std::string s = "Conv2D(";
        if (window_) {
            s += to_string(*input_image()) + " -> " + to_string(*output_image(std::nullopt));
        } else {
            s += detail::concat(in_, " -> ", out_, " channels");
        }
        s += ", " + to_string(kernel_size_);
        if (!(options_.stride == Size2D{1})) s += ", stride " + to_string(options_.stride);
        s += ", " + to_string(options_.padding);
        if (is_active(kernel_.regularizer())) s += ", " + xtnn::describe(kernel_.regularizer());
        s += ")";
        if (!kernel_.path().empty()) s += " '" + kernel_.path() + "'";
        return s;
    }

    // Conv(x, kernel, bias): the kernel's rows are already ONNX's (out, in, kh, kw).
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        const detail::Window& w = window();
        const auto i64 = [](std::size_t v) { return static_cast<std::int64_t>(v); };
        const std::string kernel =
            graph_parameter(graph, kernel_, {i64(out_), i64(in_), i64(w.kernel_height), i64(w.kernel_width)});
        const std::string output = graph.node({"Conv",
                                               {as_image(graph, x, *input_image()).name, kernel,
                                                graph_parameter(graph, bias_, {i64(out_)})},
                                               detail::window_attributes(w)});
        return {output, w.out_plane() * out_, output_image(std::nullopt)};
    }

    template <class F>
    void visit_parameters(F&& f) {
        f(kernel_);
        f(bias_);
    }

    Param<T>& kernel() { return kernel_; }
    Param<T>& bias() { return bias_; }
    std::size_t in_channels() const { return in_; }
    std::size_t out_channels() const { return out_; }
    Size2D kernel_size() const { return kernel_size_; }

private:
    detail::Window plan(ImageShape image) const {
        return detail::make_window(image, kernel_size_, options_.stride, options_.padding,
                                   [this] { return describe(); });
    }

    const detail::Window& window() const {
        if (!window_) {
            detail::fail(describe(), ": the input image is unknown; give the first layer `.input = ImageShape{...}`"
                                     " or put it after a layer that produces images");
        }
        return *window_;
    }

    void check_input(const Tensor<T>& x, const detail::Window& w) const {
        if (x.shape(1) != w.in_size()) {
            detail::fail(describe(), ": expected input with ", w.in_size(), " features (", to_string(*input_image()),
                         "), got ", x.shape(0), " x ", x.shape(1));
        }
    }

    // db[o] += Σ over the output plane of channel o.
    void add_bias_gradient(const T* g, std::size_t plane) {
        T* db = bias_.grad_data();
        for (std::size_t o = 0; o < out_; ++o) db[o] += detail::sum(g + o * plane, plane);
    }

    std::size_t in_;
    std::size_t out_;
    Size2D kernel_size_;
    Conv2DOptions options_;
    std::optional<detail::Window> window_;
    Param<T> kernel_;
    Param<T> bias_;
    const Tensor<T>* input_ = nullptr;
    Tensor<T> output_;
    Tensor<T> columns_;
    Tensor<T> bordered_;  // the zero-bordered image (kernels/im2col.hpp), when there is padding
    Tensor<T> grad_columns_;
    Tensor<T> grad_input_;
    bool input_grad_required_ = true;
    detail::ConvBackend<T> backend_;
};

}  // namespace xtnn
