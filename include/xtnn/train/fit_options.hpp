#pragma once
// Options of fit. Defaults follow Keras where Keras has one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xtnn {

// Rows per evaluation-mode forward pass in predict, evaluate and fit's validation:
// few enough that a paper model's activations stay in the L2 cache (256 rows of
// 256 floats are 256 KiB), which made batch-4096 inference 1.2-1.7x faster than
// one pass over all rows; enough that the gemms keep their speed.
inline constexpr std::size_t default_eval_batch_size = 256;

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
    std::size_t eval_batch_size = default_eval_batch_size;
    // Subnormal floats count as zero while fit runs (kernels/denormals.hpp): without
    // it, values decaying toward zero can slow training 30-fold.
    bool flush_denormals = true;
};

}  // namespace xtnn
