#pragma once
// What every operator converter of the importer works with: the value flowing
// along the chain being built (its width per sample, and its image while it
// is one), the node being converted, and the chain its modules join.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "../compose/any_module.hpp"
#include "../compose/dynamic_sequential.hpp"
#include "../core/error.hpp"
#include "../core/image_shape.hpp"
#include "../params/param.hpp"
#include "graph_index.hpp"
#include "tensor_data.hpp"

namespace xtnn::detail::onnx_import {

// One sample of a value: `width` numbers per row; an NCHW tensor also has its image.
struct Flow {
    std::size_t width = 0;
    std::optional<ImageShape> image;

    std::size_t rank() const { return image ? 4 : 2; }
    // An axis attribute made non-negative, or nullopt when outside the rank.
    std::optional<std::size_t> axis(std::int64_t axis) const {
        const auto r = static_cast<std::int64_t>(rank());
        if (axis < -r || axis >= r) return std::nullopt;
        return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
    }
};

template <Real T>
struct Step {
    GraphIndex& graph;
    const onnx::NodeProto& node;
    Flow& flow;
    DynamicSequential<T>& chain;

    std::string label() const { return node_label(node); }

    // The node's input `i`, or "" when absent (optional inputs may be empty names).
    std::string input(int i) const { return i < node.input_size() ? node.input(i) : std::string(); }
    void require_inputs(int least, int most) const {
        if (node.input_size() < least || node.input_size() > most) {
            fail(label(), ": expected ", least, least == most ? "" : concat(" to ", most), " inputs, got ",
                 node.input_size());
        }
    }
    // The single output the chain continues from; other outputs (masks, indices) must be unused.
    const std::string& output() const {
        if (node.output_size() < 1 || node.output(0).empty()) fail(label(), ": has no output");
        for (int i = 1; i < node.output_size(); ++i) {
            if (!node.output(i).empty() && !graph.consumers(node.output(i)).empty()) {
                fail(label(), ": its output '", node.output(i), "' is used; xtnn supports only the first output");
            }
        }
        return node.output(0);
    }
};

// Copies `values` (row-major, already in xtnn's layout) into a parameter and marks it initialized.
template <Real T>
void set_values(Param<T>& param, const std::vector<double>& values, const std::string& who) {
    if (values.size() != param.size()) {
        fail(who, ": ", values.size(), " values for parameter '", param.name(), "' of ", param.size());
    }
    auto out = param.values();
    for (std::size_t i = 0; i < values.size(); ++i) out[i] = static_cast<T>(values[i]);
    param.mark_initialized();
}

// A per-feature vector ([n], [1, n]) or a scalar broadcast to n entries.
inline std::vector<double> broadcast_vector(const RealTensor& t, std::size_t n, const std::string& who,
                                            const char* what) {
    const std::size_t count = t.values.size();
    const bool vector_shape = (t.shape.size() == 1) || (t.shape.size() == 2 && t.shape[0] == 1);
    if (count == 1) return std::vector<double>(n, t.values[0]);
    if (!vector_shape || count != n) fail(who, ": ", what, " must have ", n, " entries or one, got shape of ", count);
    return t.values;
}

}  // namespace xtnn::detail::onnx_import
