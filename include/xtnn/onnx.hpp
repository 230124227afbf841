#pragma once
// Model exchange in the ONNX format (optional: link xtnn::onnx, configure with XTNN_WITH_ONNX).
#include "onnx/export.hpp"
#include "onnx/graph_builder.hpp"
#include "onnx/import.hpp"
#include "onnx/model_file.hpp"
