#pragma once
// The onnx_import fuzz target (tests/fuzz/CMakeLists.txt builds it with
// xtnn::onnx): any bytes a protobuf parser accepts as a ModelProto are either
// refused by import_onnx with an xtnn::error or give a model that predicts
// rows of the width it declares. Apart from targets.hpp because it needs the
// ONNX component; its seeds are in onnx_seeds.hpp, its regression cases in
// tests/onnx/test_fuzz_regressions.cpp.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include <xtnn/onnx.hpp>

#include "targets.hpp"

namespace xtnn_fuzz {

// Models wider than this are imported but not run, to bound the work per input.
inline constexpr std::size_t onnx_max_run_width = 4096;

inline void onnx_import(std::string_view bytes) {
    onnx::ModelProto proto;
    if (bytes.size() > xtnn::onnx_io::max_model_bytes ||
        !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return;
    }
    std::optional<xtnn::DynamicSequential<float>> model;
    if (!accepted([&] { model.emplace(xtnn::import_onnx<float>(proto)); })) return;
    const auto in = model->input_width();
    const auto out = model->output_width(std::nullopt);
    require(in.has_value() && out.has_value(), "an imported model knows its input and output widths");
    if (*in > onnx_max_run_width || *out > onnx_max_run_width) return;
    xtnn::Tensor<float> x = xtnn::Tensor<float>::from_shape({3, *in});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i % 7) * 0.25f - 0.75f;
    xtnn::Tensor<float> y;
    require(accepted([&] { y = xtnn::predict(*model, x); }), "an imported model predicts");
    require(y.shape(0) == 3 && y.shape(1) == *out, "predictions have the declared width");
}

}  // namespace xtnn_fuzz
