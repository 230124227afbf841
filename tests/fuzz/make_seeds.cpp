// Writes the seed corpus of every fuzz target (seeds.hpp):
//   make_seeds <dir>   ->  <dir>/npy, <dir>/npz, <dir>/csv, <dir>/checkpoint, <dir>/idx, <dir>/onnx_import
// Seeds are generated at fuzz time rather than committed, so the repository
// holds no binary data and the seeds always match the current writers.
#include <cstdio>
#include <filesystem>

#include "onnx_seeds.hpp"
#include "seeds.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
        return 2;
    }
    const std::filesystem::path root = argv[1];
    std::filesystem::create_directories(root);
    const auto write = [&](const char* target, const xtnn_fuzz::Seeds& seeds) {
        std::filesystem::create_directories(root / target);
        for (const auto& [name, bytes] : seeds) xtnn::write_file_atomically(root / target / name, bytes);
    };
    write("npy", xtnn_fuzz::npy_seeds());
    write("npz", xtnn_fuzz::npz_seeds());
    write("csv", xtnn_fuzz::csv_seeds());
    write("checkpoint", xtnn_fuzz::checkpoint_seeds(root));
    write("idx", xtnn_fuzz::idx_seeds());
    write("onnx_import", xtnn_fuzz::onnx_seeds());
    return 0;
}
