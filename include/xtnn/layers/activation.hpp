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
#include "../core/module.hpp"
#include "../core/tensor.hpp"

namespace xtnn {
namespace detail {

template <class T>
struct ActivationBuffers {
    const Tensor<T>* input = nullptr;
    Tensor<T> output;
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
        b.input = &x;
        ensure_shape(b.output, x.shape(0), x.shape(1));
        return b;
    }

    // Checks the gradient against the last forward and sizes grad_input;
    // null when a fused loss asked for the gradient to pass through.
    template <Real T>
    ActivationBuffers<T>* start_backward(const Tensor<T>& grad_out) {
        auto& b = buffers_.template get<T>();
        if (b.input == nullptr) fail(layer().describe(), ": backward called before forward");
        check_same_shape(grad_out, b.output, [this] { return layer().describe(); });
        if (std::exchange(bypass_next_backward_, false)) return nullptr;
        ensure_shape(b.grad_input, grad_out.shape(0), grad_out.shape(1));
        return &b;
    }

private:
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
        detail::elementwise(
            x.size(), [this](auto in, auto& out) { out = op_.apply(in); }, x.data(), b.output.data());
        return b.output;
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        auto* b = this->start_backward(grad_out);
        if (b == nullptr) return grad_out;
        detail::elementwise(
            grad_out.size(), [this](auto x, auto y, auto g, auto& gi) { gi = g * op_.derivative(x, y); },
            b->input->data(), b->output.data(), grad_out.data(), b->grad_input.data());
        return b->grad_input;
    }

    std::string describe() const { return op_.describe(); }
    const Op& op() const { return op_; }

private:
    Op op_;
};

}  // namespace xtnn
