#pragma once
// Importing the operators with weights on flat features: Gemm and MatMul (+ a
// following Add of a constant bias) become Dense (kernel in x out, Keras
// layout: ONNX's B as is, or transposed when transB = 1, the way PyTorch
// exports Linear), BatchNormalization becomes BatchNorm or, over images,
// BatchNorm2D, with the file's epsilon and momentum (ONNX's momentum is the
// weight kept by the running value, as xtnn's).
#include <cstddef>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../layers/batch_norm.hpp"
#include "../layers/batch_norm_2d.hpp"
#include "../layers/dense.hpp"
#include "import_step.hpp"
#include "tensor_data.hpp"

namespace xtnn::detail::onnx_import {

// Appends Dense(in -> out) with `kernel` (in x out, row-major) and `bias` (out).
template <Real T>
void add_dense(Step<T>& s, const std::vector<double>& kernel, const std::vector<double>& bias, std::size_t out) {
    if (s.flow.image) fail(s.label(), ": needs flat features; its input is an image (Flatten it first)");
    Dense<T> dense(s.flow.width, out);
    set_values(dense.kernel(), kernel, s.label());
    set_values(dense.bias(), bias, s.label());
    s.chain.add(std::move(dense));
    s.flow = Flow{out, std::nullopt};
}

// A 2-D constant weight with `in` rows (after the optional transpose), in xtnn's in x out layout.
inline std::vector<double> kernel_from(const RealTensor& w, bool transposed, std::size_t in, const std::string& who) {
    if (w.shape.size() != 2) fail(who, ": the weight must be a matrix, got ", w.shape.size(), " dimensions");
    const std::size_t rows = w.shape[0], cols = w.shape[1];
    if ((transposed ? cols : rows) != in) {
        fail(who, ": the weight is ", rows, " x ", cols, (transposed ? " (transposed)" : ""), " but the input has ",
             in, " features");
    }
    if (rows == 0 || cols == 0) fail(who, ": the weight is empty");
    if (!transposed) return w.values;
    std::vector<double> kernel(w.values.size());
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) kernel[c * rows + r] = w.values[r * cols + c];
    }
    return kernel;
}

// Y = alpha·A·B' + beta·C, A the flowing value and B, C constants.
template <Real T>
std::string import_gemm(Step<T>& s) {
    s.require_inputs(2, 3);
    const Attributes attrs(s.node, {"alpha", "beta", "transA", "transB"});
    if (attrs.integer("transA", 0) != 0) fail(s.label(), ": transA = 1 (a transposed input) is not supported");
    const double alpha = attrs.real("alpha", 1.0), beta = attrs.real("beta", 1.0);
    std::vector<double> kernel = kernel_from(s.graph.real_constant(s.node, s.input(1)),
                                             attrs.integer("transB", 0) != 0, s.flow.width, s.label());
    const std::size_t out = kernel.size() / s.flow.width;
    for (double& k : kernel) k *= alpha;
    std::vector<double> bias(out, 0.0);
    if (!s.input(2).empty()) {
        bias = broadcast_vector(s.graph.real_constant(s.node, s.input(2)), out, s.label(), "C (the bias)");
        for (double& b : bias) b *= beta;
    }
    add_dense(s, kernel, bias, out);
    return s.output();
}

// MatMul by a constant; an Add of a constant right after it is taken as the bias.
template <Real T>
std::string import_matmul(Step<T>& s) {
    s.require_inputs(2, 2);
    const Attributes attrs(s.node, {});
    const std::vector<double> kernel =
        kernel_from(s.graph.real_constant(s.node, s.input(1)), false, s.flow.width, s.label());
    const std::size_t out = kernel.size() / s.flow.width;
    std::string result = s.output();
    std::vector<double> bias(out, 0.0);
    const auto& next = s.graph.consumers(result);
    if (next.size() == 1 && s.graph.node(next[0]).op_type() == "Add") {
        const onnx::NodeProto& add = s.graph.node(next[0]);
        const std::string other = add.input_size() == 2 ? add.input(add.input(0) == result ? 1 : 0) : "";
        if (s.graph.is_constant(other)) {
            bias = broadcast_vector(s.graph.real_constant(add, other), out, node_label(add), "the bias");
            s.graph.consume(next[0]);
            result = add.output_size() == 1 ? add.output(0) : "";
            if (result.empty()) fail(node_label(add), ": expected one output");
        }
    }
    add_dense(s, kernel, bias, out);
    return result;
}

template <Real T>
std::string import_batch_norm(Step<T>& s) {
    s.require_inputs(5, 5);
    const Attributes attrs(s.node, {"epsilon", "momentum", "training_mode", "spatial"});
    if (attrs.integer("training_mode", 0) != 0) fail(s.label(), ": training_mode = 1 is not supported");
    if (attrs.integer("spatial", 1) != 1) fail(s.label(), ": spatial = 0 is not supported");
    const std::size_t channels = s.flow.image ? s.flow.image->channels : s.flow.width;
    std::vector<std::vector<double>> arrays;
    const char* names[] = {"scale", "B", "input_mean", "input_var"};
    for (int i = 0; i < 4; ++i) {
        const RealTensor t = s.graph.real_constant(s.node, s.input(i + 1));
        if (t.shape.size() != 1 || t.shape[0] != channels) {
            fail(s.label(), ": ", names[i], " must hold one value per channel (", channels, ")");
        }
        arrays.push_back(t.values);
    }
    for (const double v : arrays[3]) {
        if (v < 0) fail(s.label(), ": input_var holds a negative variance ", v);
    }
    const double momentum = attrs.real("momentum", 0.9), epsilon = attrs.real("epsilon", 1e-5);
    auto fill = [&](auto& bn) {
        set_values(bn.gamma(), arrays[0], s.label());
        set_values(bn.beta(), arrays[1], s.label());
        set_values(bn.running_mean(), arrays[2], s.label());
        set_values(bn.running_var(), arrays[3], s.label());
    };
    if (s.flow.image) {
        BatchNorm2D<T> bn(channels, momentum, epsilon);
        fill(bn);
        s.chain.add(std::move(bn));
    } else {
        BatchNorm<T> bn(channels, momentum, epsilon);
        fill(bn);
        s.chain.add(std::move(bn));
    }
    return s.output();
}

}  // namespace xtnn::detail::onnx_import
