#pragma once
// Dense<T>: y = x·W + b, with W stored in x n_out (Keras layout).
// Forward is one gemm into the layer's own buffer; backward is two gemms with
// transpose flags (no transposed copies) plus a row-wise bias reduction.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "../kernels/gemm.hpp"
#include "../kernels/elementwise.hpp"
#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../params/initializers.hpp"
#include "../core/matrix_view.hpp"
#include "../core/module.hpp"
#include "../params/graph_parameter.hpp"
#include "../params/packing.hpp"
#include "../params/regularizers.hpp"
#include "../core/tensor.hpp"

namespace xtnn {

template <Real T>
class Dense {
public:
    using value_type = T;

    Dense(std::size_t in, std::size_t out, Regularizer regularizer = NoRegularizer{},
          Initializer init = glorot_uniform)
        : in_(check_width(in, "input", in, out)),
          out_(check_width(out, "output", in, out)),
          kernel_(ParamSpec{"kernel", in, out, ParamKind::trainable, init, regularizer, in, out}),
          bias_(ParamSpec{"bias", 1, out, ParamKind::trainable, zeros, NoRegularizer{}, in, out}) {
        detail::pack_parameters<T>(*this);
    }

    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        ensure_shape(output_, x.shape(0), out_);
        forward_into(x, mode, view_of(output_));
        return output_;
    }

    // Straight into a column slice of a wider matrix: the gemm's ldc.
    void forward_into(const Tensor<T>& x, Mode /*mode*/, MatrixView<T> y) {
        if (x.shape(1) != in_) {
            detail::fail(describe(), ": expected input with ", in_, " features, got ", x.shape(0),
                         " x ", x.shape(1));
        }
        check_view_shape(y, x.shape(0), out_, [this] { return describe(); });
        input_ = &x;
        const std::size_t batch = x.shape(0);
        const T* b = bias_.data();
        // Seed the output with the bias, then accumulate the product on top (beta = 1).
        for (std::size_t r = 0; r < batch; ++r) std::copy_n(b, out_, y.row(r));
        if (batch > 0) {
            gemm<T>(Transpose::no, Transpose::no, batch, out_, in_, T(1), x.data(), in_,
                    kernel_.data(), out_, T(1), y.data, y.stride);
        }
    }

    const Tensor<T>& backward(const Tensor<T>& grad_out) { return backward_from(view_of(grad_out)); }

    // The gradient is read in place through the gemms' ldb / lda.
    const Tensor<T>& backward_from(MatrixView<const T> dy) {
        check_gradient(dy);
        // db += column sums of dY, accumulated row by row so the inner loop is contiguous.
        for (std::size_t r = 0; r < dy.rows; ++r) {
            detail::elementwise(
                out_, [](auto g, auto& db) { db += g; }, dy.row(r), bias_.grad_data());
        }
        return backward_gemms(dy);
    }

    // As backward_from without the bias gradient, for a fused block that sums
    // it in a pass of its own (dense_block_fusion.hpp).
    const Tensor<T>& backward_gemms(MatrixView<const T> dy) {
        check_gradient(dy);
        const Tensor<T>& x = *input_;
        const std::size_t batch = x.shape(0);
        ensure_shape(grad_input_, batch, in_);
        if (batch == 0) return grad_input_;
        // dW += xᵀ·dY
        gemm<T>(Transpose::yes, Transpose::no, in_, out_, batch, T(1), x.data(), in_, dy.data, dy.stride,
                T(1), kernel_.grad_data(), out_);
        if (input_grad_required_) {
            // dX = dY·Wᵀ
            gemm<T>(Transpose::no, Transpose::yes, batch, in_, out_, T(1), dy.data, dy.stride,
                    kernel_.data(), out_, T(0), grad_input_.data(), in_);
        }
        return grad_input_;
    }

    // A first layer's input gradient is never used; skipping it saves a gemm.
    void set_input_grad_required(bool required) { input_grad_required_ = required; }

    std::optional<std::size_t> input_width() const { return in_; }
    std::optional<std::size_t> output_width(std::optional<std::size_t>) const { return out_; }

    std::string describe() const {
        std::string s = detail::concat("Dense(", in_, "->", out_);
        if (is_active(kernel_.regularizer())) s += ", " + xtnn::describe(kernel_.regularizer());
        s += ")";
        if (!kernel_.path().empty()) s += " '" + kernel_.path() + "'";
        return s;
    }

    // Gemm(x, kernel, bias): the kernel is already ONNX's B (in x out).
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        const GraphValue rows = as_rows(graph, x);
        const auto in = static_cast<std::int64_t>(in_), out = static_cast<std::int64_t>(out_);
        const std::string output = graph.node(
            {"Gemm", {rows.name, graph_parameter(graph, kernel_, {in, out}), graph_parameter(graph, bias_, {out})}});
        return {output, out_, std::nullopt};
    }

    template <class F>
    void visit_parameters(F&& f) {
        f(kernel_);
        f(bias_);
    }

    Param<T>& kernel() { return kernel_; }
    Param<T>& bias() { return bias_; }
    std::size_t in_features() const { return in_; }
    std::size_t out_features() const { return out_; }

private:
    void check_gradient(MatrixView<const T> dy) const {
        if (input_ == nullptr) detail::fail(describe(), ": backward called before forward");
        const std::size_t batch = input_->shape(0);
        if (dy.rows != batch || dy.cols != out_) {
            detail::fail(describe(), ": gradient of shape ", dy.rows, " x ", dy.cols,
                         " does not match the output ", batch, " x ", out_);
        }
    }

    static std::size_t check_width(std::size_t w, const char* which, std::size_t in, std::size_t out) {
        if (w == 0) detail::fail("Dense(", in, "->", out, "): ", which, " width must be positive");
        return w;
    }

    std::size_t in_;
    std::size_t out_;
    Param<T> kernel_;
    Param<T> bias_;
    const Tensor<T>* input_ = nullptr;
    Tensor<T> output_;
    Tensor<T> grad_input_;
    bool input_grad_required_ = true;
};

}  // namespace xtnn
