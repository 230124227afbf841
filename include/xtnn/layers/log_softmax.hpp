#pragma once
// LogSoftmax over the features of each row: log(softmax(x)), computed as
// x − max − log Σ exp(x − max) so that no exp overflows and no probability
// underflows to log 0 (PyTorch's log_softmax).
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

// Trained with NLLLoss, fit computes the loss from this layer's input instead
// (train/fusion.hpp), as PyTorch's log_softmax + nll_loss.
class LogSoftmax : public detail::ActivationBase<LogSoftmax> {
public:
    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode /*mode*/) {
        auto& b = start_forward(x);
        const std::size_t rows = x.shape(0), cols = x.shape(1);
        for (std::size_t r = 0; r < rows; ++r) {
            const T* in = x.data() + r * cols;
            T* out = b.output.data() + r * cols;
            const T peak = *std::max_element(in, in + cols);
            T sum = 0;
            for (std::size_t j = 0; j < cols; ++j) sum += std::exp(in[j] - peak);
            const T log_sum = std::log(sum);
            for (std::size_t j = 0; j < cols; ++j) out[j] = (in[j] - peak) - log_sum;
        }
        return b.output;
    }

    // d/dx_j = g_j − softmax(x)_j · Σ_k g_k, with softmax(x) = exp(output).
    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        auto* b = start_backward(grad_out);
        if (b == nullptr) return grad_out;
        const std::size_t rows = grad_out.shape(0), cols = grad_out.shape(1);
        for (std::size_t r = 0; r < rows; ++r) {
            const T* y = b->output.data() + r * cols;
            const T* g = grad_out.data() + r * cols;
            T* gi = b->grad_input.data() + r * cols;
            T total = 0;
            for (std::size_t j = 0; j < cols; ++j) total += g[j];
            for (std::size_t j = 0; j < cols; ++j) gi[j] = g[j] - std::exp(y[j]) * total;
        }
        return b->grad_input;
    }

    std::string describe() const { return "LogSoftmax"; }
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return elementwise_node(graph, as_rows(graph, x), {"LogSoftmax", {}, {{"axis", std::int64_t{1}}}});
    }
};

}  // namespace xtnn
