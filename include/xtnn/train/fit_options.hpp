#pragma once
// Options of fit. Defaults follow Keras where Keras has one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xtnn {

struct FitOptions {
    std::size_t epochs = 10;
    std::size_t batch_size = 32;
    // Seeds the per-epoch shuffle, every Dropout, and any parameter not yet
    // initialized: the same seed gives the same weights bit for bit.
    std::uint64_t seed = 0;
    bool shuffle = true;
    // Extra validation metrics by name (metrics/named_metric.hpp lists them),
    // logged as "val_<name>". Accuracy is always measured for BinaryCrossEntropy
    // and CrossEntropy.
    std::vector<std::string> metrics;
    // Rows per forward pass when evaluating the validation set.
    std::size_t eval_batch_size = 1024;
    // Subnormal floats count as zero while fit runs (kernels/denormals.hpp): without
    // it, values decaying toward zero can slow training 30-fold.
    bool flush_denormals = true;
};

}  // namespace xtnn
