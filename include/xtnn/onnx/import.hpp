#pragma once
// import_onnx<T>(path): an ONNX model as a DynamicSequential<T> that predicts,
// fits and saves like any xtnn model. The graph is walked from its one input:
// a value read by one node continues the chain; a value read by several nodes
// starts branches that must meet again in one Concat, imported as a
// DynamicParallel (nested forks nest). Each node becomes an xtnn module
// (dense_import, activation_import, image_import, shape_import); a node that
// is not on that path, an operator, attribute, data type or shape xtnn cannot
// run is an error naming the node. docs/onnx.md lists what is supported.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../compose/dynamic_parallel.hpp"
#include "../compose/dynamic_sequential.hpp"
#include "../core/error.hpp"
#include "../core/image_shape.hpp"
#include "../layers/activations.hpp"
#include "../layers/identity.hpp"
#include "activation_import.hpp"
#include "dense_import.hpp"
#include "graph_index.hpp"
#include "image_import.hpp"
#include "import_step.hpp"
#include "model_file.hpp"
#include "shape_import.hpp"

namespace xtnn {
namespace detail::onnx_import {

// Opsets of the default domain whose operators above behave as imported.
inline constexpr std::int64_t min_opset = 9;
inline constexpr std::int64_t max_opset = 21;
// Bounds a hostile file cannot push the importer past.
inline constexpr std::size_t max_fork_depth = 32;
inline constexpr std::size_t max_input_features = std::size_t{1} << 31;

inline std::int64_t default_opset(const onnx::ModelProto& model) {
    std::optional<std::int64_t> version;
    for (const auto& o : model.opset_import()) {
        if (o.domain().empty() || o.domain() == "ai.onnx") version = o.version();
    }
    if (!version) fail("ONNX model: no opset_import for the default domain");
    if (*version < min_opset || *version > max_opset) {
        fail("ONNX model: opset ", *version, " is not supported (", min_opset, " to ", max_opset, ")");
    }
    return *version;
}

// The graph's one input that is not a constant, and what flows from it.
inline std::pair<std::string, Flow> graph_input(const onnx::GraphProto& graph, const GraphIndex& index) {
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& candidate : graph.input()) {
        if (index.is_constant(candidate.name())) continue;
        if (input) fail("ONNX graph: more than one input ('", input->name(), "', '", candidate.name(), "')");
        input = &candidate;
    }
    if (!input) fail("ONNX graph: no input");
    const std::string who = concat("ONNX graph input '", input->name(), "'");
    if (!input->type().has_tensor_type()) fail(who, ": not a tensor");
    const auto& type = input->type().tensor_type();
    if (type.elem_type() != onnx::TensorProto::FLOAT && type.elem_type() != onnx::TensorProto::DOUBLE) {
        fail(who, ": element type ", type.elem_type(), " is not supported (float or double only)");
    }
    const int rank = type.shape().dim_size();
    if (!type.has_shape() || (rank != 2 && rank != 4)) {
        fail(who, ": must be N x features or N x C x H x W, got rank ", rank);
    }
    std::vector<std::size_t> extents;
    std::size_t width = 1;
    for (int i = 1; i < rank; ++i) {
        const auto& dim = type.shape().dim(i);
        if (!dim.has_dim_value() || dim.dim_value() <= 0) fail(who, ": dimension ", i, " must be a fixed positive size");
        const auto extent = static_cast<std::uint64_t>(dim.dim_value());
        if (extent > max_input_features / width) fail(who, ": more than ", max_input_features, " features per sample");
        width *= static_cast<std::size_t>(extent);
        extents.push_back(static_cast<std::size_t>(extent));
    }
    Flow flow{width, std::nullopt};
    if (rank == 4) flow.image = ImageShape{extents[0], extents[1], extents[2]};
    return {input->name(), flow};
}

template <Real T>
class GraphImporter {
public:
    explicit GraphImporter(const onnx::ModelProto& model)
        : graph_(model.graph()), index_(graph_, default_opset(model)) {}

    DynamicSequential<T> run() {
        auto [input, flow] = graph_input(graph_, index_);
        if (graph_.output_size() != 1) fail("ONNX graph: expected one output, got ", graph_.output_size());
        output_ = graph_.output(0).name();
        DynamicSequential<T> model = new_chain(flow);
        const std::string end = build_chain(input, flow, model, 0);
        if (end != output_) {
            fail("ONNX graph: the chain from the input stops at value '", end,
                 "', which is not the graph output '", output_, "'");
        }
        for (std::size_t i = 0; i < index_.node_count(); ++i) {
            if (!index_.consumed(i) && index_.node(i).op_type() != "Constant") {
                fail(node_label(index_.node(i)), ": not on the path from the graph input to its output "
                                                 "(xtnn imports chains and branches joined by Concat)");
            }
        }
        if (model.size() == 0) model.add(Identity{});
        return model;
    }

private:
    // Where a chain goes from a value: one node, or the GELU pattern starting at one.
    struct Start {
        std::size_t node;
        std::optional<GeluMatch> gelu;
    };

    // A branch of a fork: its chain, where it ended, and what it produces.
    struct Branch {
        DynamicSequential<T> chain;
        Flow flow;
        std::string end;
        bool joined = false;
    };

    static DynamicSequential<T> new_chain(const Flow& flow) {
        DynamicSequential<T> chain;
        if (flow.image) chain.set_input_image(*flow.image);
        return chain;
    }

    bool is_concat(const Start& s) const { return !s.gelu && index_.node(s.node).op_type() == "Concat"; }

    std::vector<Start> starts(const std::string& value) const {
        std::vector<Start> result;
        std::vector<std::size_t> claimed;
        for (const std::size_t c : index_.consumers(value)) {
            if (index_.consumed(c)) fail(node_label(index_.node(c)), ": reached twice (a cycle in the graph?)");
            bool taken = false;
            for (const std::size_t n : claimed) taken = taken || n == c;
            if (taken) continue;
            auto gelu = GeluMatcher(index_, value).match(c);
            if (gelu) claimed.insert(claimed.end(), gelu->nodes.begin(), gelu->nodes.end());
            result.push_back({c, std::move(gelu)});
        }
        return result;
    }

    // Follows `value` until the graph output or a Concat (the end of a branch).
    std::string build_chain(std::string value, Flow& flow, DynamicSequential<T>& chain, std::size_t depth) {
        while (value != output_) {
            const std::vector<Start> next = starts(value);
            if (next.empty()) fail("ONNX graph: value '", value, "' is neither used nor the graph output");
            if (next.size() == 1 && is_concat(next[0])) return value;
            value = next.size() == 1 ? apply(next[0], value, flow, chain) : fork(value, next, flow, chain, depth + 1);
        }
        return value;
    }

    std::string apply(const Start& start, const std::string& value, Flow& flow, DynamicSequential<T>& chain) {
        if (start.gelu) {
            for (const std::size_t n : start.gelu->nodes) index_.consume(n);
            chain.add(GELU());
            return start.gelu->output;
        }
        index_.consume(start.node);
        const onnx::NodeProto& node = index_.node(start.node);
        Step<T> step{index_, node, flow, chain};
        if (node.input_size() == 0 || node.input(0) != value) {
            fail(step.label(), ": expects '", value, "' as its first input");
        }
        try {
            return convert(step);
        } catch (const error& e) {
            // Errors of the layers themselves (shapes, widths) get the node's name in front.
            if (std::string(e.what()).find(step.label()) != std::string::npos) throw;
            fail(step.label(), ": ", message_of(e));
        }
    }

    std::string convert(Step<T>& s) {
        const std::string& op = s.node.op_type();
        if (!s.node.domain().empty() && s.node.domain() != "ai.onnx") {
            fail(s.label(), ": operators of domain '", s.node.domain(), "' are not supported");
        }
        if (op == "Gemm") return import_gemm(s);
        if (op == "MatMul") return import_matmul(s);
        if (op == "BatchNormalization") return import_batch_norm(s);
        if (is_activation(op)) return import_activation(s);
        if (op == "Conv") return import_conv(s);
        if (op == "MaxPool" || op == "AveragePool") return import_pool(s);
        if (op == "GlobalAveragePool") return import_global_average_pool(s);
        if (op == "Dropout") return import_dropout(s);
        if (op == "Flatten") return import_flatten(s);
        if (op == "Reshape") return import_reshape(s);
        if (op == "Pad") return import_pad(s);
        if (op == "Identity") return import_identity(s);
        fail(s.label(), ": operator ", op, " is not supported (docs/onnx.md lists those xtnn imports)");
    }

    // Branches from `value`, one per start, joined by one Concat into a DynamicParallel.
    std::string fork(const std::string& value, const std::vector<Start>& next, Flow& flow, DynamicSequential<T>& chain,
                     std::size_t depth) {
        if (depth > max_fork_depth) fail("ONNX graph: branches nest deeper than ", max_fork_depth);
        std::vector<Branch> branches;
        std::optional<std::size_t> join;
        const auto agree_on_join = [&](std::size_t concat) {
            if (join && *join != concat) {
                fail("ONNX graph: the branches from value '", value, "' end in different nodes ",
                     node_label(index_.node(*join)), " and ", node_label(index_.node(concat)),
                     " (only branches joined by one Concat are supported)");
            }
            join = concat;
        };
        for (const Start& start : next) {
            if (is_concat(start)) {
                agree_on_join(start.node);
                continue;
            }
            Branch b{new_chain(flow), flow, ""};
            const std::string first = apply(start, value, b.flow, b.chain);
            b.end = build_chain(first, b.flow, b.chain, depth);
            if (b.end == output_) fail("ONNX graph: a branch from value '", value, "' reaches the output unjoined");
            agree_on_join(index_.consumers(b.end).front());
            branches.push_back(std::move(b));
        }
        index_.consume(*join);
        Step<T> step{index_, index_.node(*join), flow, chain};
        DynamicParallel<T> parallel;
        if (flow.image) parallel.set_input_image(*flow.image);
        std::vector<Flow> parts;
        for (const std::string& part : step.node.input()) {
            auto [branch, branch_flow] = take_branch(branches, part, value, flow, step);
            parallel.add(std::move(branch));
            parts.push_back(branch_flow);
        }
        for (const Branch& b : branches) {
            if (!b.joined) fail(step.label(), ": does not read the branch ending at '", b.end, "'");
        }
        flow = joined_flow(parts, step);
        chain.add(std::move(parallel));
        return step.output();
    }

    // The branch the Concat input `part` ends and what it produces (an Identity when
    // `part` is the fork's value itself).
    static std::pair<AnyModule<T>, Flow> take_branch(std::vector<Branch>& branches, const std::string& part,
                                                     const std::string& value, const Flow& flow, const Step<T>& step) {
        if (part == value) return {Identity{}, flow};
        for (Branch& b : branches) {
            if (b.end != part || b.joined) continue;
            b.joined = true;
            if (b.chain.size() == 0) b.chain.add(Identity{});
            return {std::move(b.chain), b.flow};
        }
        fail(step.label(), ": input '", part, "' is not a branch from value '", value, "' (or is read twice)");
    }

    // The concatenation along the features (flat rows) or channels (images of one height and width).
    static Flow joined_flow(const std::vector<Flow>& parts, const Step<T>& step) {
        const Attributes attrs(step.node, {"axis"});
        if (!attrs.has("axis")) fail(step.label(), ": axis is required");
        Flow joined{0, parts.front().image};
        for (const Flow& p : parts) {
            if (p.axis(attrs.integer("axis", 1)) != std::size_t{1}) {
                fail(step.label(), ": only concatenation along axis 1 (features or channels) is supported");
            }
            const bool same_kind = p.image ? joined.image && p.image->height == joined.image->height &&
                                                 p.image->width == joined.image->width
                                           : !joined.image;
            if (!same_kind) fail(step.label(), ": its inputs are not all flat or all images of one height and width");
            joined.width += p.width;
        }
        if (joined.image) joined.image->channels = joined.width / (joined.image->height * joined.image->width);
        return joined;
    }

    const onnx::GraphProto& graph_;
    GraphIndex index_;
    std::string output_;
};

}  // namespace detail::onnx_import

// The model of an ONNX ModelProto in memory (import_onnx(path) reads the file first).
template <Real T>
DynamicSequential<T> import_onnx(const onnx::ModelProto& model) {
    return detail::onnx_import::GraphImporter<T>(model).run();
}

// The model of an ONNX file, ready to predict and fit; its weights are the file's.
template <Real T>
DynamicSequential<T> import_onnx(const std::filesystem::path& path) {
    const onnx::ModelProto model = onnx_io::read_model_proto(path);
    try {
        return import_onnx<T>(model);
    } catch (const error& e) {
        detail::fail("cannot import ONNX model '", path.string(), "': ", detail::onnx_import::message_of(e));
    }
}

}  // namespace xtnn
