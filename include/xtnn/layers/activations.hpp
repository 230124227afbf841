#pragma once
// The elementwise activations: ReLU, LeakyReLU, Sigmoid, Tanh, GELU.
#include <cmath>
#include <numbers>
#include <string>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../kernels/elementwise.hpp"
#include "activation.hpp"

namespace xtnn {
namespace ops {

// Each op is generic over its argument: a scalar or an xsimd batch (see
// elementwise.hpp), so Activation runs it vectorized and branch-free.
struct ReLU {
    static constexpr bool exact_lanes = true;
    template <class V> V apply(V x) const { return detail::select(x > V(0), x, V(0)); }
    // From the output (y > 0 exactly when x > 0), so backward need not read the input.
    template <class V> V derivative(V, V y) const { return detail::select(y > V(0), V(1), V(0)); }
    std::string describe() const { return "ReLU"; }
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return elementwise_node(graph, x, {"Relu", {}});
    }
};

struct LeakyReLU {
    static constexpr bool exact_lanes = true;
    double alpha = 0.01;
    template <class V> V apply(V x) const { return detail::select(x > V(0), x, V(alpha) * x); }
    template <class V> V derivative(V x, V) const { return detail::select(x > V(0), V(1), V(alpha)); }
    std::string describe() const { return detail::concat("LeakyReLU(", alpha, ")"); }
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return elementwise_node(graph, x, {"LeakyRelu", {}, {{"alpha", static_cast<float>(alpha)}}});
    }
};

struct Sigmoid {
    // exp is only taken of a non-positive number: never overflows.
    template <class V> V apply(V x) const {
        using std::abs;
        using std::exp;
        const V e = exp(-abs(x));
        const V one(1);
        return detail::select(x >= V(0), one / (one + e), e / (one + e));
    }
    template <class V> V derivative(V, V y) const { return y * (V(1) - y); }
    std::string describe() const { return "Sigmoid"; }
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return elementwise_node(graph, x, {"Sigmoid", {}});
    }
};

struct Tanh {
    template <class V> V apply(V x) const {
        using std::tanh;
        return tanh(x);
    }
    template <class V> V derivative(V, V y) const { return V(1) - y * y; }
    std::string describe() const { return "Tanh"; }
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return elementwise_node(graph, x, {"Tanh", {}});
    }
};

// Exact GELU, x·Φ(x), as PyTorch's default (not the tanh approximation).
struct GELU {
    template <class V> V apply(V x) const { return x * cdf(x); }
    template <class V> V derivative(V x, V) const {
        using std::exp;
        const V pdf = exp(V(-0.5) * x * x) * V(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2);
        return cdf(x) + x * pdf;
    }
    std::string describe() const { return "GELU"; }
    // ONNX has Gelu only from opset 20: the same formula as apply(), from Erf.
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        const std::string scaled = graph.node({"Mul", {x.name, graph.scalar(std::numbers::sqrt2 / 2)}});
        const std::string erf = graph.node({"Erf", {scaled}});
        const std::string cdf = graph.node({"Mul", {graph.node({"Add", {erf, graph.scalar(1)}}), graph.scalar(0.5)}});
        return {graph.node({"Mul", {x.name, cdf}}), x.width, x.image};
    }

private:
    template <class V> static V cdf(V x) {
        using std::erf;
        return V(0.5) * (V(1) + erf(x * V(std::numbers::sqrt2 / 2)));
    }
};

}  // namespace ops

struct ReLU : Activation<ops::ReLU> {};

struct LeakyReLU : Activation<ops::LeakyReLU> {
    explicit LeakyReLU(double alpha = 0.01) : Activation<ops::LeakyReLU>(checked(alpha)) {}

private:
    static ops::LeakyReLU checked(double alpha) {
        if (!std::isfinite(alpha) || alpha < 0) {
            detail::fail("LeakyReLU: alpha must be finite and >= 0, got ", alpha);
        }
        return ops::LeakyReLU{alpha};
    }
};

// When a model ends in Sigmoid and is trained with BinaryCrossEntropy, fit
// computes the loss from the Sigmoid's input (logits), so confident
// predictions lose no precision (train/fusion.hpp).
struct Sigmoid : Activation<ops::Sigmoid> {};
struct Tanh : Activation<ops::Tanh> {};
struct GELU : Activation<ops::GELU> {};

}  // namespace xtnn
