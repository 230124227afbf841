// ONNX model files: atomic writes, and clear errors for missing, empty or corrupt files.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <xtnn/onnx.hpp>

namespace {

std::filesystem::path scratch(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / "xtnn_onnx_model_file";
    std::filesystem::create_directories(dir);
    return dir / name;
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string error_of(const std::filesystem::path& path) {
    try {
        (void)xtnn::onnx_io::read_model_proto(path);
    } catch (const xtnn::error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("a ModelProto survives a write and a read") {
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.set_producer_name("xtnn");
    model.add_opset_import()->set_version(13);
    model.mutable_graph()->set_name("round_trip");
    const auto path = scratch("round_trip.onnx");
    xtnn::onnx_io::write_model_proto(model, path);
    const onnx::ModelProto back = xtnn::onnx_io::read_model_proto(path);
    CHECK(back.producer_name() == "xtnn");
    CHECK(back.graph().name() == "round_trip");
    CHECK(back.opset_import(0).version() == 13);
}

TEST_CASE("unreadable ONNX files are clear errors naming the file") {
    CHECK(error_of(scratch("missing.onnx")).find("missing.onnx") != std::string::npos);

    const auto empty = scratch("empty.onnx");
    write_bytes(empty, "");
    CHECK(error_of(empty).find("empty") != std::string::npos);

    const auto corrupt = scratch("corrupt.onnx");
    write_bytes(corrupt, std::string("\x0a\xff\xff\xff\xff\x0f garbage", 14));
    CHECK(error_of(corrupt).find("not a valid ONNX protobuf") != std::string::npos);
}
