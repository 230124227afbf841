// The onnx_import fuzz target (tests/fuzz/onnx_target.hpp) on its seeds, on every
// truncation of them and on single-byte corruptions: each input is refused with
// an xtnn::error or imported into a model that predicts (the target aborts
// otherwise). Inputs the fuzzer once broke the importer with go here too.
#include <doctest/doctest.h>

#include <string>

#include "../fuzz/onnx_seeds.hpp"
#include "../fuzz/onnx_target.hpp"

TEST_CASE("the onnx_import seeds are models xtnn imports") {
    for (const auto& seed : xtnn_fuzz::onnx_seeds()) {
        const std::string& bytes = seed.second;
        INFO(seed.first);
        onnx::ModelProto proto;
        REQUIRE(proto.ParseFromString(bytes));
        CHECK(xtnn_fuzz::accepted([&] { (void)xtnn::import_onnx<float>(proto); }));
        xtnn_fuzz::onnx_import(bytes);
    }
}

TEST_CASE("truncated and corrupted ONNX models are refused or run, never crash") {
    for (const auto& seed : xtnn_fuzz::onnx_seeds()) {
        const std::string& bytes = seed.second;
        INFO(seed.first);
        for (std::size_t n = 0; n < bytes.size(); ++n) xtnn_fuzz::onnx_import(std::string_view(bytes).substr(0, n));
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            for (const char value : {'\x00', '\x7f', '\xff'}) {
                std::string corrupt = bytes;
                corrupt[i] = value;
                xtnn_fuzz::onnx_import(corrupt);
            }
        }
    }
}
