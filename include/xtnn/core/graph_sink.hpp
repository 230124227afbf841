#pragma once
// The export protocol: how a module describes itself as operators of a graph
// (an ONNX graph in <xtnn/onnx.hpp>) without anything below onnx/ knowing a
// file format. A module opts in with one const member:
//
//   GraphValue export_graph(GraphSink& graph, const GraphValue& input) const;
//       Adds the module's operators reading `input` (evaluation semantics:
//       what forward(x, Mode::eval) computes) and returns its output value.
//
// Containers forward it to their children (AnyModule through its virtual
// interface); export_module() below calls it, or names the module that has none.
//
// Values carry their layout: rows [batch, width], as xtnn computes, or an image
// [batch, C, H, W]. Since xtnn's rows are channels-first images, a layout change
// is a Reshape or a Flatten (as_image, as_rows), inserted only where a module
// needs the other layout; elementwise modules keep whichever they are given.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "error.hpp"
#include "image_shape.hpp"

namespace xtnn {

// A tensor flowing through the graph; its first dimension is the batch.
struct GraphValue {
    std::string name;
    std::size_t width = 0;            // values per sample
    std::optional<ImageShape> image;  // laid out as [batch, C, H, W]; rows otherwise
};

using GraphAttribute = std::variant<std::int64_t, float, std::vector<std::int64_t>>;

// One operator with one output, in the ONNX operator set's terms ("Gemm", "Relu").
struct GraphNode {
    std::string op;
    std::vector<std::string> inputs;
    std::vector<std::pair<std::string, GraphAttribute>> attributes = {};
};

// Values of a constant: a parameter in the model's type, or int64 operands (shapes).
using GraphConstant = std::variant<std::span<const float>, std::span<const double>, std::span<const std::int64_t>>;

// Where modules describe themselves. Implemented by the ONNX exporter; tests
// may implement it to record what a module emits.
class GraphSink {
public:
    virtual ~GraphSink() = default;

    // Adds a constant tensor of shape `dims` and returns its name: `name` if no
    // value has it yet (parameters keep their dotted names), a fresh one otherwise.
    virtual std::string constant(const std::string& name, std::vector<std::int64_t> dims, GraphConstant values) = 0;
    // A scalar constant in the graph's value type (float or double), for
    // operands of elementwise formulas.
    virtual std::string scalar(double value) = 0;
    // Adds an operator and returns the name of its output.
    virtual std::string node(const GraphNode& node) = 0;
};

template <class M>
concept Exportable = requires(const M& module, GraphSink& graph, const GraphValue& input) {
    { module.export_graph(graph, input) } -> std::same_as<GraphValue>;
};

// Describes `module` to `graph`, or fails naming the module when it cannot.
template <class M>
GraphValue export_module(const M& module, GraphSink& graph, const GraphValue& input) {
    if constexpr (Exportable<M>) {
        return module.export_graph(graph, input);
    } else {
        detail::fail("cannot export ", module.describe(),
                     ": the module has no export_graph hook (core/graph_sink.hpp, docs/extending.md)");
    }
}

// `input` as rows [batch, width]: a Flatten when it is an image.
inline GraphValue as_rows(GraphSink& graph, const GraphValue& input) {
    if (!input.image) return input;
    return {graph.node({"Flatten", {input.name}, {{"axis", std::int64_t{1}}}}), input.width, std::nullopt};
}

// `input` as an image of shape `image` [batch, C, H, W]: a Reshape unless it is one already.
inline GraphValue as_image(GraphSink& graph, const GraphValue& input, ImageShape image) {
    if (input.image == image) return input;
    if (input.width != image.size()) {
        detail::fail("cannot view ", input.width, " values per sample as a ", to_string(image), " image");
    }
    const std::int64_t dims[] = {-1, static_cast<std::int64_t>(image.channels),
                                 static_cast<std::int64_t>(image.height), static_cast<std::int64_t>(image.width)};
    const std::string shape = graph.constant("shape_" + to_string(image), {4}, std::span<const std::int64_t>(dims));
    return {graph.node({"Reshape", {input.name, shape}}), input.width, image};
}

// The image a layer exports over: the one it knows, else the one it is given.
inline ImageShape export_input_image(const std::optional<ImageShape>& known, const GraphValue& input,
                                     const std::string& who) {
    if (known) return *known;
    if (input.image) return *input.image;
    detail::fail("cannot export ", who, ": its input image is unknown; give the model's input as an ImageShape"
                 " or put it after a layer that produces images");
}

// An operator that keeps its input's shape and layout (activations).
inline GraphValue elementwise_node(GraphSink& graph, const GraphValue& input, GraphNode node) {
    node.inputs.insert(node.inputs.begin(), input.name);
    return {graph.node(node), input.width, input.image};
}

}  // namespace xtnn
