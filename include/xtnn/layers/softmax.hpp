#pragma once
// Softmax over the features of each row.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>

#include "../core/error.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"
#include "activation.hpp"

namespace xtnn {

class Softmax : public WidthPreserving {
public:
    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode /*mode*/) {
        auto& b = buffers_.template get<T>();
        b.input = &x;
        const std::size_t rows = x.shape(0), cols = x.shape(1);
        ensure_shape(b.output, rows, cols);
        for (std::size_t r = 0; r < rows; ++r) {
            const T* in = x.data() + r * cols;
            T* out = b.output.data() + r * cols;
            const T peak = *std::max_element(in, in + cols);  // shift: exp never overflows
            T sum = 0;
            for (std::size_t j = 0; j < cols; ++j) sum += out[j] = std::exp(in[j] - peak);
            const T inv = T(1) / sum;
            for (std::size_t j = 0; j < cols; ++j) out[j] *= inv;
        }
        return b.output;
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        auto& b = buffers_.template get<T>();
        if (b.input == nullptr) detail::fail("Softmax: backward called before forward");
        check_same_shape(grad_out, b.output, "Softmax");
        if (std::exchange(bypass_next_backward_, false)) return grad_out;
        const std::size_t rows = grad_out.shape(0), cols = grad_out.shape(1);
        ensure_shape(b.grad_input, rows, cols);
        for (std::size_t r = 0; r < rows; ++r) {
            const T* y = b.output.data() + r * cols;
            const T* g = grad_out.data() + r * cols;
            T* gi = b.grad_input.data() + r * cols;
            T dot = 0;
            for (std::size_t j = 0; j < cols; ++j) dot += g[j] * y[j];
            for (std::size_t j = 0; j < cols; ++j) gi[j] = y[j] * (g[j] - dot);
        }
        return b.grad_input;
    }

    std::string describe() const { return "Softmax"; }

    // Fused-loss protocol, as for Activation (see activation.hpp).
    template <Real T>
    const Tensor<T>& last_input() {
        const auto& b = buffers_.template get<T>();
        if (b.input == nullptr) detail::fail("Softmax: no forward pass yet");
        return *b.input;
    }
    void bypass_next_backward() { bypass_next_backward_ = true; }

private:
    bool bypass_next_backward_ = false;
    detail::PerReal<detail::ActivationBuffers> buffers_;
};

}  // namespace xtnn
