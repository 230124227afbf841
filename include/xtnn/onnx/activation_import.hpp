#pragma once
// Importing activations: Relu, LeakyRelu, Sigmoid, Tanh, Gelu (exact form),
// Softmax and LogSoftmax over the features, and the five-node Erf pattern
// PyTorch emits for GELU below opset 20:
//   Div(x, √2) → Erf → Add(·, 1) → Mul(x, ·) → Mul(·, 0.5)
// (also Mul(x, 1/√2) for the Div, and the two last Muls in either order).
#include <cmath>
#include <cstddef>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../layers/activations.hpp"
#include "../layers/log_softmax.hpp"
#include "../layers/softmax.hpp"
#include "import_step.hpp"

namespace xtnn::detail::onnx_import {

template <Real T, class M>
std::string add_elementwise(Step<T>& s, M module) {
    s.require_inputs(1, 1);
    s.chain.add(std::move(module));
    return s.output();
}

template <Real T>
std::string import_softmax(Step<T>& s, bool log) {
    const Attributes attrs(s.node, {"axis"});
    // Before opset 13 the axis defaulted to 1 and meant "flatten from here"; on flat rows both mean the features.
    const std::int64_t axis = attrs.integer("axis", s.graph.opset() < 13 ? 1 : -1);
    if (s.flow.image || s.flow.axis(axis) != std::size_t{1}) {
        fail(s.label(), ": only a softmax over the features of flat rows is supported (axis ", axis, ", rank ",
             s.flow.rank(), ")");
    }
    if (log) return add_elementwise(s, LogSoftmax());
    return add_elementwise(s, Softmax());
}

template <Real T>
std::string import_activation(Step<T>& s) {
    const std::string& op = s.node.op_type();
    if (op == "Softmax" || op == "LogSoftmax") return import_softmax(s, op == "LogSoftmax");
    if (op == "LeakyRelu") {
        const Attributes attrs(s.node, {"alpha"});
        return add_elementwise(s, LeakyReLU(attrs.real("alpha", 0.01)));
    }
    if (op == "Gelu") {
        const Attributes attrs(s.node, {"approximate"});
        if (attrs.text("approximate", "none") != "none") fail(s.label(), ": only the exact GELU is supported");
        return add_elementwise(s, GELU());
    }
    const Attributes attrs(s.node, {});
    if (op == "Relu") return add_elementwise(s, ReLU());
    if (op == "Sigmoid") return add_elementwise(s, Sigmoid());
    return add_elementwise(s, Tanh());
}

inline bool is_activation(const std::string& op) {
    for (const char* known : {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "Gelu", "Softmax", "LogSoftmax"}) {
        if (op == known) return true;
    }
    return false;
}

// The nodes of a matched Erf pattern and the value it produces.
struct GeluMatch {
    std::vector<std::size_t> nodes;
    std::string output;
};

class GeluMatcher {
public:
    GeluMatcher(const GraphIndex& graph, const std::string& x) : graph_(graph), x_(x) {}

    // The pattern starting with node `first` (a Div or Mul reading x), if it is one.
    std::optional<GeluMatch> match(std::size_t first) const {
        const onnx::NodeProto& scale = graph_.node(first);
        const bool div = scale.op_type() == "Div" && scale.input_size() == 2 && scale.input(0) == x_ &&
                         near(graph_.scalar_constant(scale.input(1)), std::numbers::sqrt2);
        if (!div && !is_binary(scale, "Mul", x_, 1 / std::numbers::sqrt2)) return std::nullopt;
        GeluMatch m{{first}, ""};
        const auto erf = single_next(scale, "Erf", m);
        if (!erf) return std::nullopt;
        const auto plus_one = next_binary(*erf, "Add", 1.0, m);
        if (!plus_one) return std::nullopt;
        // Either Mul(x, ·) then Mul(·, 0.5), or Mul(·, 0.5) then Mul(x, ·).
        const auto times_x = next_binary_with(*plus_one, x_, m);
        const auto last = times_x ? next_binary(*times_x, "Mul", 0.5, m) : half_then_x(*plus_one, m);
        if (!last) return std::nullopt;
        m.output = last->output(0);
        return m;
    }

private:
    static bool near(std::optional<double> v, double expected) {
        return v && std::abs(*v - expected) <= 1e-6 * std::abs(expected);
    }

    // `node` is `op` of `input` and a constant ≈ `constant`, in either order.
    bool is_binary(const onnx::NodeProto& node, const char* op, const std::string& input, double constant) const {
        if (node.op_type() != op || node.input_size() != 2 || node.output_size() != 1) return false;
        return (node.input(0) == input && near(graph_.scalar_constant(node.input(1)), constant)) ||
               (node.input(1) == input && near(graph_.scalar_constant(node.input(0)), constant));
    }

    // The only consumer of `node`'s output, if it is an `op` with one input and one output.
    const onnx::NodeProto* single_next(const onnx::NodeProto& node, const char* op, GeluMatch& m) const {
        const auto next = only_consumer(node);
        if (!next || graph_.node(*next).op_type() != op || graph_.node(*next).input_size() != 1 ||
            graph_.node(*next).output_size() != 1)
            return nullptr;
        m.nodes.push_back(*next);
        return &graph_.node(*next);
    }

    const onnx::NodeProto* next_binary(const onnx::NodeProto& node, const char* op, double constant,
                                               GeluMatch& m) const {
        const auto next = only_consumer(node);
        if (!next || !is_binary(graph_.node(*next), op, node.output(0), constant)) return nullptr;
        m.nodes.push_back(*next);
        return &graph_.node(*next);
    }

    // The only consumer of `node`'s output, if it multiplies it by x.
    const onnx::NodeProto* next_binary_with(const onnx::NodeProto& node, const std::string& other,
                                                    GeluMatch& m) const {
        const auto next = only_consumer(node);
        if (!next) return nullptr;
        const onnx::NodeProto& n = graph_.node(*next);
        if (n.op_type() != "Mul" || n.input_size() != 2 || n.output_size() != 1) return nullptr;
        const bool reads = (n.input(0) == node.output(0) && n.input(1) == other) ||
                           (n.input(1) == node.output(0) && n.input(0) == other);
        if (!reads) return nullptr;
        m.nodes.push_back(*next);
        return &n;
    }

    const onnx::NodeProto* half_then_x(const onnx::NodeProto& plus_one, GeluMatch& m) const {
        const auto half = next_binary(plus_one, "Mul", 0.5, m);
        return half ? next_binary_with(*half, x_, m) : nullptr;
    }

    std::optional<std::size_t> only_consumer(const onnx::NodeProto& node) const {
        if (node.output_size() != 1) return std::nullopt;
        const auto& next = graph_.consumers(node.output(0));
        if (next.size() != 1 || graph_.consumed(next[0])) return std::nullopt;
        return next[0];
    }

    const GraphIndex& graph_;
    const std::string& x_;
};

}  // namespace xtnn::detail::onnx_import
