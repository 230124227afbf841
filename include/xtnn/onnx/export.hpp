#pragma once
// export_onnx(model, path, input, opset): the model in evaluation form as an
// ONNX file that any ONNX runtime serves. Every module describes itself through
// the export protocol (core/graph_sink.hpp); a module without it is an error
// naming the module. The graph has one input "input" ([batch, width], or
// [batch, C, H, W] when the input is given as an ImageShape) and one output
// "output" ([batch, width]); the batch dimension is dynamic. Parameters are
// initializers named as in checkpoints ("0.1.kernel"). The file is checked with
// ONNX's checker and then written atomically (onnx/model_file.hpp).
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/image_flow.hpp"
#include "../core/image_shape.hpp"
#include "../params/model_parameters.hpp"
#include "graph_builder.hpp"
#include "model_file.hpp"

namespace xtnn {

// Opset 13 gave Softmax, Reshape and the other operators used here their
// current forms; the newest is what the linked ONNX library knows (17 for
// Debian 12's 1.12), since its checker validates every export.
inline constexpr int onnx_min_opset = 13;
inline constexpr int onnx_default_opset = 17;

inline int onnx_max_opset() {
    return onnx::OpSchemaRegistry::DomainToVersionRange::Instance().LastReleaseVersionMap().at(onnx::ONNX_DOMAIN);
}

namespace onnx_io {

// The oldest IR version that carries `opset` (ONNX's versioning table), so
// older runtimes read the file.
constexpr std::int64_t ir_version_for(int opset) {
    if (opset <= 14) return 7;
    if (opset <= 18) return 8;
    if (opset <= 20) return 9;
    return 10;
}

inline void check_opset(int opset) {
    if (opset < onnx_min_opset || opset > onnx_max_opset()) {
        detail::fail("export_onnx: cannot write opset ", opset, "; xtnn writes opsets ", onnx_min_opset, " to ",
                     onnx_max_opset(), " (", onnx_max_opset(), " is the newest the linked ONNX library knows)");
    }
}

// [batch, width] or [batch, C, H, W], of element type T.
template <Real T>
void describe_value(onnx::ValueInfoProto& info, const GraphValue& value) {
    info.set_name(value.name);
    onnx::TypeProto_Tensor& tensor = *info.mutable_type()->mutable_tensor_type();
    tensor.set_elem_type(element_type<T>());
    onnx::TensorShapeProto& shape = *tensor.mutable_shape();
    shape.add_dim()->set_dim_param("batch");
    if (value.image) {
        for (const std::size_t d : {value.image->channels, value.image->height, value.image->width})
            shape.add_dim()->set_dim_value(static_cast<std::int64_t>(d));
    } else {
        shape.add_dim()->set_dim_value(static_cast<std::int64_t>(value.width));
    }
}

// The input the user gives must be what the model takes, when it says.
template <class M>
void check_input(const M& model, const GraphValue& input) {
    const std::optional<std::size_t> width = model.input_width();
    if (width && *width != input.width) {
        detail::fail("export_onnx: ", model.describe(), " takes ", *width, " input features, but the input given has ",
                     input.width, input.image ? " (" + to_string(*input.image) + ")" : std::string());
    }
    const std::optional<ImageShape> image = input_image_of(model);
    if (image && input.image && *image != *input.image) {
        detail::fail("export_onnx: ", model.describe(), " takes a ", to_string(*image), " input image, but the input given is ",
                     to_string(*input.image));
    }
}

// The graph's last value becomes "output": the last node's output is renamed,
// or an Identity added when no node produced it (a model that changes nothing).
inline void name_output(onnx::GraphProto& graph, GraphSink& sink, const GraphValue& last, const std::string& output) {
    const int nodes = graph.node_size();
    if (nodes == 0 || graph.node(nodes - 1).output(0) != last.name) sink.node({"Identity", {last.name}});
    graph.mutable_node(graph.node_size() - 1)->set_output(0, output);
}

template <Model M>
onnx::ModelProto build_model(M& model, const GraphValue& input, int opset) {
    using T = value_type_t<M>;
    check_opset(opset);
    require_initialized(model, "export_onnx");
    check_input(model, input);

    onnx::ModelProto proto;
    proto.set_ir_version(ir_version_for(opset));
    proto.set_producer_name("xtnn");
    proto.add_opset_import()->set_version(opset);
    onnx::GraphProto& graph = *proto.mutable_graph();
    graph.set_name("xtnn");
    describe_value<T>(*graph.add_input(), input);

    const std::string output = "output";
    OnnxGraphBuilder<T> sink(graph, {input.name, output});
    const GraphValue last = as_rows(sink, export_module(model, sink, input));
    name_output(graph, sink, last, output);
    describe_value<T>(*graph.add_output(), {output, last.width, std::nullopt});

    try {
        onnx::checker::check_model(proto);
    } catch (const std::exception& e) {
        detail::fail("export_onnx: the graph of ", model.describe(), " fails ONNX's checker: ", e.what());
    }
    return proto;
}

}  // namespace onnx_io

// Writes `model` (initialized, evaluation form) to `path` for input rows of
// `input_width` features.
template <Model M>
void export_onnx(M& model, const std::filesystem::path& path, std::size_t input_width,
                 int opset = onnx_default_opset) {
    onnx_io::write_model_proto(onnx_io::build_model(model, {"input", input_width, std::nullopt}, opset), path);
}

// As above, for image models: the graph's input is [batch, C, H, W].
template <Model M>
void export_onnx(M& model, const std::filesystem::path& path, ImageShape input, int opset = onnx_default_opset) {
    onnx_io::write_model_proto(onnx_io::build_model(model, {"input", input.size(), input}, opset), path);
}

}  // namespace xtnn
