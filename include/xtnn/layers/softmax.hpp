#pragma once
// Softmax over the features of each row.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "../core/graph_sink.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"
#include "activation.hpp"

namespace xtnn {

// Trained with CrossEntropy{.from_logits = false}, fit computes the loss from
// this layer's input instead (train/fusion.hpp).
class Softmax : public detail::ActivationBase<Softmax> {
public:
    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode /*mode*/) {
        auto& b = start_forward(x);
        const std::size_t rows = x.shape(0), cols = x.shape(1);
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
        auto* b = start_backward(grad_out);
        if (b == nullptr) return grad_out;
        const std::size_t rows = grad_out.shape(0), cols = grad_out.shape(1);
        for (std::size_t r = 0; r < rows; ++r) {
            const T* y = b->output.data() + r * cols;
            const T* g = grad_out.data() + r * cols;
            T* gi = b->grad_input.data() + r * cols;
            T dot = 0;
            for (std::size_t j = 0; j < cols; ++j) dot += g[j] * y[j];
            for (std::size_t j = 0; j < cols; ++j) gi[j] = y[j] * (g[j] - dot);
        }
        return b->grad_input;
    }

    std::string describe() const { return "Softmax"; }
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return elementwise_node(graph, as_rows(graph, x), {"Softmax", {}, {{"axis", std::int64_t{1}}}});
    }
};

}  // namespace xtnn
