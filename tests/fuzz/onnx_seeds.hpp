#pragma once
// Seeds of the onnx_import fuzz target: small models the importer accepts,
// built with the same protobuf calls as the tests (tests/onnx/onnx_builder.hpp).
#include "../onnx/onnx_builder.hpp"
#include "seeds.hpp"

namespace xtnn_fuzz {

inline Seeds onnx_seeds() {
    using namespace xtnn_onnx_test;
    GraphBuilder cnn({1, 6, 6});
    cnn.constant("K", {2, 1, 3, 3}, std::vector<float>(18, 0.1f), true);
    cnn.constant("B", {2}, {0.5f, -0.5f});
    auto& conv = cnn.node("Conv", {"input", "K", "B"}, {"c"});
    set_ints(conv, "pads", {1, 1, 1, 1});
    cnn.node("Relu", {"c"}, {"r"});
    auto& pool = cnn.node("MaxPool", {"r"}, {"p"});
    set_ints(pool, "kernel_shape", {2, 2});
    set_ints(pool, "strides", {2, 2});
    cnn.node("GlobalAveragePool", {"p"}, {"g"});
    cnn.node("Flatten", {"g"}, {"f"});
    cnn.node("LogSoftmax", {"f"}, {"output"});
    return {
        {"matmul-add-gelu", matmul_add_gelu().bytes()},
        {"concat-branches", concat_of_branches().bytes()},
        {"conv-pool", cnn.bytes()},
    };
}

}  // namespace xtnn_fuzz
