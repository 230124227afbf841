// Built by the xtnn_package_consumer test when the installed xtnn has the onnx
// component: find_package(xtnn COMPONENTS onnx) + xtnn::onnx give export_onnx,
// protobuf and ONNX's checker.
#include <xtnn/onnx.hpp>
#include <xtnn/xtnn.hpp>

#include <cstdio>
#include <filesystem>

int main() {
    auto model = xtnn::Sequential(xtnn::Dense<float>(3, 2), xtnn::Softmax());
    xtnn::init_parameters(model, 1);
    const auto path = std::filesystem::temp_directory_path() / "xtnn_consumer.onnx";
    xtnn::export_onnx(model, path, 3);
    const onnx::ModelProto back = xtnn::onnx_io::read_model_proto(path);
    std::printf("consumer: exported %d ONNX nodes\n", back.graph().node_size());
    return back.graph().node_size() == 2 ? 0 : 1;
}
