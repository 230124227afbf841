// The libFuzzer entry point, built once per target with
// -DXTNN_FUZZ_TARGET=<npy|npz|csv|checkpoint|idx|onnx_import>: the function of
// targets.hpp (onnx_target.hpp) that gets each input (see tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "onnx_target.hpp"
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xtnn_fuzz::XTNN_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
