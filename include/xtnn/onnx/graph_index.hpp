#pragma once
// GraphIndex: an ONNX graph looked up by value name, for the importer. Knows
// which node produces and which nodes consume each value, which values are
// constants (initializers and Constant nodes), and which nodes the importer
// has used; reads node attributes with their types checked. Every failure
// names the node by name and op_type.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "../core/error.hpp"
#include "tensor_data.hpp"

namespace xtnn::detail::onnx_import {

// "node 'name' (Op)", as every message names a node.
inline std::string node_label(const onnx::NodeProto& node) {
    return concat("node '", node.name(), "' (", node.op_type(), ")");
}

// An error's message without the "xtnn: " every what() starts with, to put a context in front.
inline std::string message_of(const error& e) {
    const std::string what = e.what();
    const std::string prefix = "xtnn: ";
    return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
}

class GraphIndex {
public:
    GraphIndex(const onnx::GraphProto& graph, std::int64_t opset) : graph_(graph), opset_(opset) {
        for (const auto& init : graph.initializer()) add_constant(init.name(), init);
        for (int i = 0; i < graph.node_size(); ++i) index_node(static_cast<std::size_t>(i));
        consumed_.assign(static_cast<std::size_t>(graph.node_size()), false);
    }

    std::int64_t opset() const { return opset_; }
    std::size_t node_count() const { return consumed_.size(); }
    const onnx::NodeProto& node(std::size_t i) const { return graph_.node(static_cast<int>(i)); }
    bool is_constant(const std::string& value) const { return constants_.count(value) > 0; }

    // Non-Constant nodes reading `value`, in graph order (a node reading it twice counts once).
    const std::vector<std::size_t>& consumers(const std::string& value) const {
        static const std::vector<std::size_t> none;
        const auto it = consumers_.find(value);
        return it == consumers_.end() ? none : it->second;
    }

    // Marks a node used; a node used twice means the graph has a cycle.
    void consume(std::size_t i) {
        if (consumed_.at(i)) fail(node_label(node(i)), ": reached twice (a cycle in the graph?)");
        consumed_[i] = true;
    }
    bool consumed(std::size_t i) const { return consumed_.at(i); }

    const onnx::TensorProto& constant(const onnx::NodeProto& n, const std::string& value) const {
        const auto it = constants_.find(value);
        if (it == constants_.end()) {
            fail(node_label(n), ": input '", value, "' must be a constant (an initializer or a Constant node)");
        }
        return *it->second;
    }
    RealTensor real_constant(const onnx::NodeProto& n, const std::string& value) const {
        return read_real_tensor(constant(n, value));
    }
    // A constant holding one number (any shape of one element), if `value` is one.
    std::optional<double> scalar_constant(const std::string& value) const {
        const auto it = constants_.find(value);
        if (it == constants_.end()) return std::nullopt;
        try {
            const RealTensor t = read_real_tensor(*it->second);
            if (t.values.size() == 1) return t.values[0];
        } catch (const error&) {
        }
        return std::nullopt;
    }

private:
    void add_constant(const std::string& name, const onnx::TensorProto& tensor) {
        if (name.empty()) fail("ONNX graph: a constant without a name");
        if (!constants_.emplace(name, &tensor).second) fail("ONNX graph: constant '", name, "' is defined twice");
    }

    void index_node(std::size_t i) {
        const onnx::NodeProto& n = node(i);
        if (n.op_type() == "Constant") {
            if (n.output_size() != 1 || n.attribute_size() != 1 || n.attribute(0).name() != "value" ||
                n.attribute(0).type() != onnx::AttributeProto::TENSOR) {
                fail(node_label(n), ": only Constant nodes with one tensor `value` are supported");
            }
            add_constant(n.output(0), n.attribute(0).t());
            return;
        }
        std::vector<std::string> seen;
        for (const std::string& input : n.input()) {
            if (input.empty() || is_constant(input)) continue;
            bool repeated = false;
            for (const auto& s : seen) repeated = repeated || s == input;
            if (repeated) continue;
            seen.push_back(input);
            consumers_[input].push_back(i);
        }
    }

    const onnx::GraphProto& graph_;
    std::int64_t opset_;
    std::unordered_map<std::string, const onnx::TensorProto*> constants_;
    std::unordered_map<std::string, std::vector<std::size_t>> consumers_;
    std::vector<bool> consumed_;
};

// Reads one node's attributes, refusing any this importer does not know.
class Attributes {
public:
    Attributes(const onnx::NodeProto& node, std::initializer_list<const char*> known) : node_(node) {
        for (const auto& a : node.attribute()) {
            bool ok = false;
            for (const char* k : known) ok = ok || a.name() == k;
            if (!ok) fail(node_label(node), ": unsupported attribute '", a.name(), "'");
        }
    }

    std::int64_t integer(const char* name, std::int64_t fallback) const {
        const auto* a = find(name, onnx::AttributeProto::INT);
        return a ? a->i() : fallback;
    }
    double real(const char* name, double fallback) const {
        const auto* a = find(name, onnx::AttributeProto::FLOAT);
        return a ? static_cast<double>(a->f()) : fallback;
    }
    std::string text(const char* name, const std::string& fallback) const {
        const auto* a = find(name, onnx::AttributeProto::STRING);
        return a ? a->s() : fallback;
    }
    std::optional<std::vector<std::int64_t>> integers(const char* name) const {
        const auto* a = find(name, onnx::AttributeProto::INTS);
        if (!a) return std::nullopt;
        return std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
    }
    bool has(const char* name) const {
        for (const auto& a : node_.attribute()) {
            if (a.name() == name) return true;
        }
        return false;
    }

private:
    const onnx::AttributeProto* find(const char* name, onnx::AttributeProto::AttributeType type) const {
        for (const auto& a : node_.attribute()) {
            if (a.name() != name) continue;
            if (a.type() != type) {
                fail(node_label(node_), ": attribute '", name, "' has type ", static_cast<int>(a.type()),
                     ", expected ", static_cast<int>(type));
            }
            return &a;
        }
        return nullptr;
    }

    const onnx::NodeProto& node_;
};

}  // namespace xtnn::detail::onnx_import
