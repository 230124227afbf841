#pragma once
// Identity: passes its input and gradient through untouched (no copy).
#include <string>

#include "../core/graph_sink.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"

namespace xtnn {

struct Identity : WidthPreserving {
    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode /*mode*/) { return x; }
    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) { return grad_out; }
    std::string describe() const { return "Identity"; }
    GraphValue export_graph(GraphSink& /*graph*/, const GraphValue& x) const { return x; }
};

}  // namespace xtnn
