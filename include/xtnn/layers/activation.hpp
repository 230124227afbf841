#pragma once
// Activation<Op>: an elementwise function as a module, for float and double.
// Op supplies apply(x) and derivative(x, y) (input and output both offered, so
// ReLU can use x and Sigmoid/Tanh can reuse y) and a name; both functions are
// generic, called on xsimd batches and on scalars (detail::elementwise).
#include <cstddef>
#include <string>
#include <utility>

#include "../kernels/elementwise.hpp"
#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/matrix_view.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"

namespace xtnn {
namespace detail {

struct DenseBlockFusion;

// An op whose apply and derivative give the same bits on a vector lane as on
// a scalar (selects and products, no transcendental functions) says so with
// `static constexpr bool exact_lanes = true;`.
template <class Op>
concept LaneExact = requires { requires Op::exact_lanes; };

template <class T>
struct ActivationBuffers {
    const Tensor<T>* input = nullptr;
    Tensor<T> output;
    MatrixView<T> output_view;  // where the last forward wrote: `output` or a consumer's view
    Tensor<T> grad_input;
};

// What every activation-like layer (Activation<Op>, Softmax, LogSoftmax)
// shares: one buffer set per floating type, the checks that open a backward
// pass, and the fused-loss protocol. `Layer` is the derived class (for its
// describe() in messages).
template <class Layer>
class ActivationBase : public WidthPreserving {
public:
    // Fused-loss protocol (train/fusion.hpp): a loss that differentiates
    // through this layer itself, from last_input() (the logits), asks the next
    // backward to pass its gradient through unchanged.
    template <Real T>
    const Tensor<T>& last_input() const {
        const auto& b = buffers_.template get<T>();
        if (b.input == nullptr) fail(layer().describe(), ": no forward pass yet");
        return *b.input;
    }
    void bypass_next_backward() { bypass_next_backward_ = true; }

protected:
    // Keeps a pointer to the input for backward and sizes the output.
    template <Real T>
    ActivationBuffers<T>& start_forward(const Tensor<T>& x) {
        auto& b = buffers_.template get<T>();
        ensure_shape(b.output, x.shape(0), x.shape(1));
        return start_forward_into(x, view_of(b.output));
    }

    // As start_forward, for an output written into a consumer's view.
    template <Real T>
    ActivationBuffers<T>& start_forward_into(const Tensor<T>& x, MatrixView<T> out) {
        auto& b = buffers_.template get<T>();
        check_view_shape(out, x.shape(0), x.shape(1), [this] { return layer().describe(); });
        b.input = &x;
        b.output_view = out;
        return b;
    }

    // Checks the gradient against the last forward and sizes grad_input;
    // null when a fused loss asked for the gradient to pass through.
    template <Real T>
    ActivationBuffers<T>* start_backward(MatrixView<const T> grad_out) {
        auto& b = buffers_.template get<T>();
        if (b.input == nullptr) fail(layer().describe(), ": backward called before forward");
        check_view_shape(grad_out, b.output_view.rows, b.output_view.cols, [this] { return layer().describe(); });
        if (std::exchange(bypass_next_backward_, false)) return nullptr;
        ensure_shape(b.grad_input, grad_out.rows, grad_out.cols);
        return &b;
    }
    template <Real T>
    ActivationBuffers<T>* start_backward(const Tensor<T>& grad_out) {
        return start_backward(view_of(grad_out));
    }

    // A pass-through gradient given as a view has to land in a tensor.
    template <Real T>
    const Tensor<T>& pass_through(MatrixView<const T> grad_out) {
        auto& b = buffers_.template get<T>();
        ensure_shape(b.grad_input, grad_out.rows, grad_out.cols);
        copy_rows(grad_out, view_of(b.grad_input));
        return b.grad_input;
    }

private:
    friend struct DenseBlockFusion;

    const Layer& layer() const { return static_cast<const Layer&>(*this); }

    bool bypass_next_backward_ = false;
    PerReal<ActivationBuffers> buffers_;
};

}  // namespace detail

template <class Op>
class Activation : public detail::ActivationBase<Activation<Op>> {
public:
    explicit Activation(Op op = {}) : op_(op) {}

    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode /*mode*/) {
        auto& b = this->start_forward(x);
        apply(x, b.output_view);
        return b.output;
    }

    // Offered only by ops whose vector and scalar lanes agree bit for bit: a
    // strided output splits the loop per row, which moves elements between
    // the two lanes, and results must not depend on where the output lives.
    template <Real T>
    void forward_into(const Tensor<T>& x, Mode /*mode*/, MatrixView<T> out) requires detail::LaneExact<Op> {
        apply(x, this->start_forward_into(x, out).output_view);
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        auto* b = this->start_backward(grad_out);
        if (b == nullptr) return grad_out;
        differentiate(*b, view_of(grad_out));
        return b->grad_input;
    }

    template <Real T>
    const Tensor<T>& backward_from(MatrixView<const T> grad_out) requires detail::LaneExact<Op> {
        auto* b = this->start_backward(grad_out);
        if (b == nullptr) return this->pass_through(grad_out);
        differentiate(*b, grad_out);
        return b->grad_input;
    }

    std::string describe() const { return op_.describe(); }
    const Op& op() const { return op_; }

    // Exportable when the op describes itself (core/graph_sink.hpp).
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const requires Exportable<Op> {
        return op_.export_graph(graph, x);
    }

private:
    template <Real T>
    void apply(const Tensor<T>& x, MatrixView<T> out) const {
        detail::for_each_row_span(
            [this](std::size_t n, const T* in, T* y) {
                detail::elementwise(n, [this](auto v, auto& result) { result = op_.apply(v); }, in, y);
            },
            view_of(x), out);
    }

    template <Real T>
    void differentiate(detail::ActivationBuffers<T>& b, MatrixView<const T> grad_out) const {
        detail::for_each_row_span(
            [this](std::size_t n, const T* x, const T* y, const T* g, T* gi) {
                detail::elementwise(
                    n, [this](auto xv, auto yv, auto gv, auto& giv) { giv = gv * op_.derivative(xv, yv); }, x, y,
                    g, gi);
            },
            view_of(*b.input), MatrixView<const T>(b.output_view), grad_out, view_of(b.grad_input));
    }

    Op op_;
};

}  // namespace xtnn
