#pragma once
// Reading and writing an ONNX ModelProto file: the one place xtnn::onnx touches
// the file system. Writes are atomic (io/atomic_file.hpp); reads check what
// protobuf accepts before parsing and name the file in every error.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>

#include "../core/error.hpp"
#include "../io/atomic_file.hpp"

namespace xtnn::onnx_io {

// Protobuf refuses messages of 2 GiB or more; larger weights need ONNX's external
// data files, which xtnn does not write or read.
inline constexpr std::size_t max_model_bytes = std::numeric_limits<int>::max();

inline void write_model_proto(const onnx::ModelProto& model, const std::filesystem::path& path) {
    const std::size_t size = model.ByteSizeLong();
    if (size > max_model_bytes) {
        detail::fail("cannot write ONNX model '", path.string(), "': it would take ", size,
                     " bytes, more than the 2 GiB a protobuf message can hold");
    }
    std::string bytes;
    if (!model.SerializeToString(&bytes)) {
        detail::fail("cannot write ONNX model '", path.string(), "': protobuf could not serialize it");
    }
    write_file_atomically(path, bytes);
}

inline onnx::ModelProto read_model_proto(const std::filesystem::path& path) {
    const std::string bytes = read_file(path);
    if (bytes.empty()) detail::fail("cannot read ONNX model '", path.string(), "': the file is empty");
    if (bytes.size() > max_model_bytes) {
        detail::fail("cannot read ONNX model '", path.string(), "': ", bytes.size(),
                     " bytes is more than the 2 GiB a protobuf message can hold");
    }
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes)) {
        detail::fail("cannot read ONNX model '", path.string(),
                     "': not a valid ONNX protobuf (truncated or corrupt file?)");
    }
    return model;
}

}  // namespace xtnn::onnx_io
