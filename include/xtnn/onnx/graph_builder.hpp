#pragma once
// OnnxGraphBuilder: the GraphSink (core/graph_sink.hpp) that modules describe
// themselves to, writing an onnx::GraphProto: constants become initializers,
// operators nodes. Every value gets a name no other value has.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/tensor.hpp"

namespace xtnn::onnx_io {

// ONNX's element type for float and double.
template <Real T>
constexpr onnx::TensorProto_DataType element_type() {
    if constexpr (std::is_same_v<T, float>) return onnx::TensorProto_DataType_FLOAT;
    else return onnx::TensorProto_DataType_DOUBLE;
}

// T: the model's value type, for scalar constants.
template <Real T>
class OnnxGraphBuilder final : public GraphSink {
public:
    // `reserved`: names the caller gives values itself (the graph's input and output).
    OnnxGraphBuilder(onnx::GraphProto& graph, std::set<std::string> reserved)
        : graph_(graph), names_(std::move(reserved)) {}

    std::string constant(const std::string& name, std::vector<std::int64_t> dims, GraphConstant values) override {
        onnx::TensorProto& tensor = *graph_.add_initializer();
        tensor.set_name(unique(name));
        std::int64_t count = 1;
        for (const std::int64_t d : dims) {
            tensor.add_dims(d);
            count *= d;
        }
        std::visit([&](auto span) { store(tensor, span, count); }, values);
        return tensor.name();
    }

    std::string scalar(double value) override {
        const auto [at, added] = scalars_.try_emplace(value);
        if (added) {
            const T typed = static_cast<T>(value);
            at->second = constant("scalar", {}, std::span<const T>(&typed, 1));
        }
        return at->second;
    }

    std::string node(const GraphNode& spec) override {
        onnx::NodeProto& node = *graph_.add_node();
        node.set_op_type(spec.op);
        node.set_name(unique(spec.op));
        node.add_output(node.name());
        for (const std::string& input : spec.inputs) node.add_input(input);
        for (const auto& [name, value] : spec.attributes) set_attribute(*node.add_attribute(), name, value);
        return node.name();
    }

private:
    // `wanted` if free, else `wanted_1`, `wanted_2`, ...
    std::string unique(const std::string& wanted) {
        std::string name = wanted;
        for (std::size_t k = 1; names_.contains(name); ++k) name = wanted + "_" + std::to_string(k);
        names_.insert(name);
        return name;
    }

    template <class V>
    static void store(onnx::TensorProto& tensor, std::span<const V> values, std::int64_t count) {
        if (static_cast<std::int64_t>(values.size()) != count) {
            detail::fail("ONNX constant '", tensor.name(), "': ", values.size(), " values for a shape of ", count);
        }
        if constexpr (std::is_same_v<V, float>) {
            tensor.set_data_type(onnx::TensorProto_DataType_FLOAT);
            tensor.mutable_float_data()->Add(values.begin(), values.end());
        } else if constexpr (std::is_same_v<V, double>) {
            tensor.set_data_type(onnx::TensorProto_DataType_DOUBLE);
            tensor.mutable_double_data()->Add(values.begin(), values.end());
        } else {
            tensor.set_data_type(onnx::TensorProto_DataType_INT64);
            tensor.mutable_int64_data()->Add(values.begin(), values.end());
        }
    }

    static void set_attribute(onnx::AttributeProto& attribute, const std::string& name, const GraphAttribute& value) {
        attribute.set_name(name);
        if (const auto* i = std::get_if<std::int64_t>(&value)) {
            attribute.set_type(onnx::AttributeProto_AttributeType_INT);
            attribute.set_i(*i);
        } else if (const auto* f = std::get_if<float>(&value)) {
            attribute.set_type(onnx::AttributeProto_AttributeType_FLOAT);
            attribute.set_f(*f);
        } else {
            const auto& ints = std::get<std::vector<std::int64_t>>(value);
            attribute.set_type(onnx::AttributeProto_AttributeType_INTS);
            attribute.mutable_ints()->Add(ints.begin(), ints.end());
        }
    }

    onnx::GraphProto& graph_;
    std::set<std::string> names_;
    std::map<double, std::string> scalars_;
};

}  // namespace xtnn::onnx_io
