#pragma once
// Finds a model's last module (through nested containers) so fit can fuse a
// final Sigmoid with BinaryCrossEntropy, or a final Softmax with CrossEntropy,
// and differentiate from the logits without losing precision.
#include <type_traits>

#include "../layers/activations.hpp"
#include "../layers/softmax.hpp"
#include "../core/tensor.hpp"

namespace xtnn {

enum class Terminal { other, sigmoid, softmax };

// Run-time containers (AnyModule, DynamicSequential) answer for themselves
// through terminal_kind() / terminal_logits() / bypass_terminal_backward().
template <class M>
concept DynamicTerminal = requires(M& m) { m.terminal_kind(); };

template <class M>
Terminal terminal_kind(M& model) {
    if constexpr (std::is_same_v<M, Sigmoid>) return Terminal::sigmoid;
    else if constexpr (std::is_same_v<M, Softmax>) return Terminal::softmax;
    else if constexpr (DynamicTerminal<M>) return model.terminal_kind();
    else if constexpr (requires { model.last(); }) return terminal_kind(model.last());
    else return Terminal::other;
}

// The logits entering the terminal Sigmoid/Softmax in the last forward pass.
template <Real T, class M>
const Tensor<T>& terminal_logits(M& model) {
    if constexpr (std::is_same_v<M, Sigmoid> || std::is_same_v<M, Softmax>) {
        return model.template last_input<T>();
    } else if constexpr (DynamicTerminal<M>) {
        return model.terminal_logits();
    } else if constexpr (requires { model.last(); }) {
        return terminal_logits<T>(model.last());
    } else {
        detail::fail(model.describe(), " does not end in Sigmoid or Softmax");
    }
}

// The gradient the next backward receives is already taken with respect to
// the logits: the terminal activation passes it through.
template <class M>
void bypass_terminal_backward(M& model) {
    if constexpr (std::is_same_v<M, Sigmoid> || std::is_same_v<M, Softmax>) {
        model.bypass_next_backward();
    } else if constexpr (DynamicTerminal<M>) {
        model.bypass_terminal_backward();
    } else if constexpr (requires { model.last(); }) {
        bypass_terminal_backward(model.last());
    } else {
        detail::fail(model.describe(), " does not end in Sigmoid or Softmax");
    }
}

}  // namespace xtnn
