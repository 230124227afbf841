#pragma once
// Importing the image operators onto xtnn's channels-first rows: Conv → Conv2D
// (ONNX's weight (out, in, kh, kw) is xtnn's kernel as is), MaxPool →
// MaxPool2D, AveragePool → AvgPool2D, GlobalAveragePool →
// GlobalAveragePooling2D. Pads become Padding::valid (none), explicit padding
// (Conv, symmetric) or Padding::same (pads equal to what SAME_UPPER gives);
// dilations, groups, ceil_mode, SAME_LOWER and pads xtnn cannot express are
// errors naming the node.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/image_shape.hpp"
#include "../layers/conv2d.hpp"
#include "../layers/global_average_pooling2d.hpp"
#include "../layers/pooling.hpp"
#include "../layers/spatial.hpp"
#include "import_step.hpp"

namespace xtnn::detail::onnx_import {

// A 2-D spatial attribute (kernel_shape, strides, dilations): two positive numbers.
inline std::optional<Size2D> pair_attribute(const Attributes& attrs, const char* name, const std::string& who) {
    const auto v = attrs.integers(name);
    if (!v) return std::nullopt;
    if (v->size() != 2) fail(who, ": ", name, " must have 2 entries (2-D images), got ", v->size());
    for (const std::int64_t e : *v) {
        if (e <= 0 || e > (1 << 20)) fail(who, ": ", name, " entry ", e, " is out of range");
    }
    return Size2D{static_cast<std::size_t>((*v)[0]), static_cast<std::size_t>((*v)[1])};
}

// The padding xtnn uses for these ONNX pads (top, left, bottom, right) or auto_pad.
inline Padding padding_of(const Attributes& attrs, ImageShape image, Size2D kernel, Size2D stride, bool explicit_ok,
                          const std::string& who) {
    const std::string auto_pad = attrs.text("auto_pad", "NOTSET");
    if (auto_pad == "VALID") return Padding::valid;
    if (auto_pad == "SAME_UPPER") return Padding::same;
    if (auto_pad != "NOTSET") fail(who, ": auto_pad ", auto_pad, " is not supported");
    const auto pads = attrs.integers("pads").value_or(std::vector<std::int64_t>(4, 0));
    if (pads.size() != 4) fail(who, ": pads must have 4 entries (2-D images), got ", pads.size());
    const std::size_t extent[] = {kernel.height, kernel.width, kernel.height, kernel.width};
    for (std::size_t i = 0; i < 4; ++i) {
        if (pads[i] < 0 || static_cast<std::size_t>(pads[i]) >= extent[i]) {
            fail(who, ": pad ", pads[i], " must be at least 0 and smaller than the kernel (", to_string(kernel), ")");
        }
    }
    const auto p = [&](std::size_t i) { return static_cast<std::size_t>(pads[i]); };
    if (p(0) == 0 && p(1) == 0 && p(2) == 0 && p(3) == 0) return Padding::valid;
    // What Padding::same would add before and after along one axis (spatial.hpp's rule).
    const auto same_split = [](std::size_t extent_in, std::size_t k, std::size_t s) {
        const std::size_t outputs = (extent_in + s - 1) / s;
        const std::size_t covered = (outputs - 1) * s + k;
        const std::size_t total = covered > extent_in ? covered - extent_in : 0;
        return std::pair{total / 2, total - total / 2};
    };
    const auto rows = same_split(image.height, kernel.height, stride.height);
    const auto cols = same_split(image.width, kernel.width, stride.width);
    if (rows == std::pair{p(0), p(2)} && cols == std::pair{p(1), p(3)}) return Padding::same;
    if (explicit_ok && p(0) == p(2) && p(1) == p(3)) return Padding{p(0), p(1)};
    fail(who, ": pads [", p(0), ", ", p(1), ", ", p(2), ", ", p(3), "] are not supported",
         explicit_ok ? " (asymmetric and not 'same')" : " (pooling pads only as 'same')");
}

template <Real T>
const ImageShape& require_image(const Step<T>& s) {
    if (!s.flow.image) fail(s.label(), ": needs an image input (N x C x H x W); its input is flat");
    return *s.flow.image;
}

inline void require_unit_dilations(const Attributes& attrs, const std::string& who) {
    const auto d = pair_attribute(attrs, "dilations", who);
    if (d && !(*d == Size2D{1, 1})) fail(who, ": dilations ", to_string(*d), " are not supported");
}

// Appends an image layer and moves the flow on to the image it produces.
template <Real T, class M>
std::string add_image_layer(Step<T>& s, M module) {
    const ImageShape out = *module.output_image(s.flow.image);
    s.chain.add(std::move(module));
    s.flow = Flow{out.size(), out};
    return s.output();
}

template <Real T>
std::string import_conv(Step<T>& s) {
    s.require_inputs(2, 3);
    const ImageShape image = require_image(s);
    const Attributes attrs(s.node, {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"});
    if (attrs.integer("group", 1) != 1) fail(s.label(), ": grouped convolutions (group ≠ 1) are not supported");
    require_unit_dilations(attrs, s.label());
    const RealTensor w = s.graph.real_constant(s.node, s.input(1));
    if (w.shape.size() != 4) fail(s.label(), ": the weight must be out x in x kh x kw, got ", w.shape.size(), " dims");
    const std::size_t out = w.shape[0], in = w.shape[1];
    const Size2D kernel{w.shape[2], w.shape[3]};
    if (in != image.channels) fail(s.label(), ": the weight takes ", in, " channels, the input has ", image.channels);
    if (out == 0 || kernel.height == 0 || kernel.width == 0) fail(s.label(), ": the weight is empty");
    const auto declared = pair_attribute(attrs, "kernel_shape", s.label());
    if (declared && !(*declared == kernel)) {
        fail(s.label(), ": kernel_shape ", to_string(*declared), " differs from the weight's ", to_string(kernel));
    }
    const Size2D stride = pair_attribute(attrs, "strides", s.label()).value_or(Size2D{1, 1});
    const Padding padding = padding_of(attrs, image, kernel, stride, true, s.label());
    Conv2D<T> conv(in, out, kernel, {.stride = stride, .padding = padding, .input = image});
    set_values(conv.kernel(), w.values, s.label());
    std::vector<double> bias(out, 0.0);
    if (!s.input(2).empty()) bias = broadcast_vector(s.graph.real_constant(s.node, s.input(2)), out, s.label(), "B");
    set_values(conv.bias(), bias, s.label());
    return add_image_layer(s, std::move(conv));
}

template <Real T>
std::string import_pool(Step<T>& s) {
    s.require_inputs(1, 1);
    const ImageShape image = require_image(s);
    const bool max = s.node.op_type() == "MaxPool";
    const Attributes attrs = max ? Attributes(s.node, {"kernel_shape", "strides", "pads", "dilations", "auto_pad",
                                                       "ceil_mode", "storage_order"})
                                 : Attributes(s.node, {"kernel_shape", "strides", "pads", "dilations", "auto_pad",
                                                       "ceil_mode", "count_include_pad"});
    if (attrs.integer("ceil_mode", 0) != 0) fail(s.label(), ": ceil_mode = 1 is not supported");
    if (attrs.integer("storage_order", 0) != 0) fail(s.label(), ": storage_order = 1 is not supported");
    require_unit_dilations(attrs, s.label());
    const auto window = pair_attribute(attrs, "kernel_shape", s.label());
    if (!window) fail(s.label(), ": kernel_shape is required");
    const Size2D stride = pair_attribute(attrs, "strides", s.label()).value_or(Size2D{1, 1});
    const Padding padding = padding_of(attrs, image, *window, stride, false, s.label());
    // xtnn's average over a 'same' border divides by the values covered, ONNX's count_include_pad = 0.
    if (!max && padding == Padding::same && attrs.integer("count_include_pad", 0) != 0) {
        fail(s.label(), ": count_include_pad = 1 with padding is not supported");
    }
    const Pool2DOptions options{.stride = stride, .padding = padding, .input = image};
    if (max) return add_image_layer(s, MaxPool2D(*window, options));
    return add_image_layer(s, AvgPool2D(*window, options));
}

// Output N x C x 1 x 1: flat C values per row, still an image for what follows.
template <Real T>
std::string import_global_average_pool(Step<T>& s) {
    s.require_inputs(1, 1);
    const ImageShape image = require_image(s);
    const Attributes attrs(s.node, {});
    s.chain.add(GlobalAveragePooling2D(image));
    s.flow = Flow{image.channels, ImageShape{image.channels, 1, 1}};
    return s.output();
}

}  // namespace xtnn::detail::onnx_import
