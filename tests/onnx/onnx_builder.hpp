#pragma once
// Hand-built ONNX models for the import tests and the fuzz seeds: the few
// protobuf calls a graph needs, so each test states only its nodes.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace xtnn_onnx_test {

class GraphBuilder {
public:
    // A graph reading `input` of shape (batch, dims...) and producing `output`.
    GraphBuilder(std::vector<std::int64_t> dims, std::int64_t opset = 14) {
        model_.set_ir_version(8);
        model_.add_opset_import()->set_version(opset);
        auto* in = graph()->add_input();
        in->set_name("input");
        auto* type = in->mutable_type()->mutable_tensor_type();
        type->set_elem_type(onnx::TensorProto::FLOAT);
        type->mutable_shape()->add_dim()->set_dim_param("batch");
        for (const auto d : dims) type->mutable_shape()->add_dim()->set_dim_value(d);
        graph()->add_output()->set_name("output");
    }

    onnx::GraphProto* graph() { return model_.mutable_graph(); }

    // A float initializer (float_data, or raw_data when `raw`).
    onnx::TensorProto& constant(const std::string& name, std::vector<std::int64_t> dims, std::vector<float> values,
                                bool raw = false) {
        auto* t = graph()->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (const auto d : dims) t->add_dims(d);
        if (raw) t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
        else for (const float v : values) t->add_float_data(v);
        return *t;
    }
    onnx::TensorProto& int64_constant(const std::string& name, std::vector<std::int64_t> values) {
        auto* t = graph()->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::INT64);
        t->add_dims(static_cast<std::int64_t>(values.size()));
        for (const auto v : values) t->add_int64_data(v);
        return *t;
    }

    onnx::NodeProto& node(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs) {
        auto* n = graph()->add_node();
        n->set_op_type(op);
        n->set_name(op + "_" + std::to_string(graph()->node_size()));
        for (auto& i : inputs) n->add_input(i);
        for (auto& o : outputs) n->add_output(o);
        return *n;
    }

    const onnx::ModelProto& model() const { return model_; }
    std::string bytes() const { return model_.SerializeAsString(); }

private:
    onnx::ModelProto model_;
};

inline void set_int(onnx::NodeProto& n, const std::string& name, std::int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}
inline void set_float(onnx::NodeProto& n, const std::string& name, float v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
}
inline void set_ints(onnx::NodeProto& n, const std::string& name, std::initializer_list<std::int64_t> v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const auto e : v) a->add_ints(e);
}
inline void set_string(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
}

// input (batch x 3) → MatMul(W 3x2) → Add(b) → Gelu → output; the smallest dense model.
inline GraphBuilder matmul_add_gelu() {
    GraphBuilder g({3});
    g.constant("W", {3, 2}, {1, 2, 3, 4, 5, 6}, true);
    g.constant("b", {2}, {0.5f, -0.5f});
    g.node("MatMul", {"input", "W"}, {"y"});
    g.node("Add", {"y", "b"}, {"z"});
    g.node("Gelu", {"z"}, {"output"});
    return g;
}

// input (batch x 4) → two Gemm branches (one through Relu) and the input itself → Concat → Sigmoid.
inline GraphBuilder concat_of_branches() {
    GraphBuilder g({4});
    g.constant("A", {2, 4}, {1, 0, 0, 0, 0, 1, 0, 0});  // transB: out x in
    g.constant("B", {4, 1}, {1, 1, 1, 1});
    auto& gemm = g.node("Gemm", {"input", "A"}, {"a"});
    set_int(gemm, "transB", 1);
    set_float(gemm, "alpha", 2.0f);
    g.node("Relu", {"a"}, {"ra"});
    g.node("MatMul", {"input", "B"}, {"b"});
    auto& concat = g.node("Concat", {"ra", "input", "b"}, {"c"});
    set_int(concat, "axis", 1);
    g.node("Sigmoid", {"c"}, {"output"});
    return g;
}

}  // namespace xtnn_onnx_test
