#pragma once
// Importing the operators that leave xtnn's rows as they are: Identity,
// Dropout (a Dropout layer of the same rate, so fine-tuning regularizes as the
// original did; nothing at rate 0), Flatten from axis 1 and Reshape to
// (batch, features) or (batch, C, H, W) only change what the flow is called;
// Pad only when it pads nothing (PyTorch emits one before AveragePool).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../layers/dropout.hpp"
#include "import_step.hpp"
#include "tensor_data.hpp"

namespace xtnn::detail::onnx_import {

template <Real T>
std::string import_dropout(Step<T>& s) {
    s.require_inputs(1, 3);
    const Attributes attrs(s.node, {"ratio", "seed", "is_test"});
    double ratio = attrs.real("ratio", 0.5);
    if (!s.input(1).empty()) {
        const auto r = s.graph.scalar_constant(s.input(1));
        if (!r) fail(s.label(), ": ratio must be a constant number");
        ratio = *r;
    }
    if (!s.input(2).empty()) {
        const auto training = s.graph.scalar_constant(s.input(2));
        if (!training || *training != 0) fail(s.label(), ": training_mode must be a constant false");
    }
    if (!(ratio >= 0 && ratio < 1)) fail(s.label(), ": ratio must be in [0, 1), got ", ratio);
    if (ratio > 0) s.chain.add(Dropout(ratio));
    return s.output();
}

template <Real T>
std::string import_flatten(Step<T>& s) {
    s.require_inputs(1, 1);
    const Attributes attrs(s.node, {"axis"});
    const std::int64_t axis = attrs.integer("axis", 1);
    if (s.flow.axis(axis) != std::size_t{1}) {
        fail(s.label(), ": only Flatten from axis 1 (keeping the batch) is supported, got axis ", axis);
    }
    s.flow.image.reset();
    return s.output();
}

// Reshape to (batch, features) or (batch, C, H, W): 0 keeps the batch, -1 infers one extent.
template <Real T>
std::string import_reshape(Step<T>& s) {
    s.require_inputs(2, 2);
    const Attributes attrs(s.node, {"allowzero"});
    if (attrs.integer("allowzero", 0) != 0) fail(s.label(), ": allowzero = 1 is not supported");
    const std::vector<std::int64_t> shape = read_int64_tensor(s.graph.constant(s.node, s.input(1)));
    const auto refuse = [&] {
        fail(s.label(), ": only reshapes to (batch, ", s.flow.width, ") or (batch, C, H, W) with C·H·W = ",
             s.flow.width, " are supported");
    };
    if ((shape.size() != 2 && shape.size() != 4) || (shape[0] != 0 && shape[0] != -1)) refuse();
    std::vector<std::size_t> extents;
    std::size_t known = 1;
    bool inferred = shape[0] == -1;
    for (std::size_t i = 1; i < shape.size(); ++i) {
        if (shape[i] == -1 && !inferred) {
            inferred = true;
            extents.push_back(0);  // filled in below
            continue;
        }
        if (shape[i] <= 0 || static_cast<std::uint64_t>(shape[i]) > s.flow.width / known) refuse();
        known *= static_cast<std::size_t>(shape[i]);
        extents.push_back(static_cast<std::size_t>(shape[i]));
    }
    if (s.flow.width % known != 0 || (shape[0] != -1 && !inferred && known != s.flow.width)) refuse();
    if (shape[0] == -1 && known != s.flow.width) refuse();
    for (auto& e : extents) e = e == 0 ? s.flow.width / known : e;
    s.flow.image.reset();
    if (extents.size() == 3) s.flow.image = ImageShape{extents[0], extents[1], extents[2]};
    return s.output();
}

template <Real T>
std::string import_pad(Step<T>& s) {
    s.require_inputs(1, 3);
    const Attributes attrs(s.node, {"mode", "pads", "value"});
    if (attrs.text("mode", "constant") != "constant") fail(s.label(), ": only constant padding is supported");
    std::vector<std::int64_t> pads;
    if (!s.input(1).empty()) pads = read_int64_tensor(s.graph.constant(s.node, s.input(1)));
    else pads = attrs.integers("pads").value_or(std::vector<std::int64_t>{});
    for (const std::int64_t p : pads) {
        if (p != 0) fail(s.label(), ": padding outside a Conv or pooling node is not supported (pads ≠ 0)");
    }
    return s.output();
}

template <Real T>
std::string import_identity(Step<T>& s) {
    s.require_inputs(1, 1);
    const Attributes attrs(s.node, {});
    return s.output();
}

}  // namespace xtnn::detail::onnx_import
