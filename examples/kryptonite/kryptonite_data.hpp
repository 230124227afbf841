#pragma once
// The Kryptonite-n sets: the challenge's targets, and the data a run trains on.
//
// The rule behind every program's --data DIR: DIR/kryptonite-n-{X,y}.npy when
// both files are there; otherwise (the real labelled sets exist for n = 9, 12
// and 15 only) a set generated with the same construction stands in, and
// KryptoniteSet::origin says so. A DIR that does not exist is an error: a typo
// must not turn a run on real data into one on generated data. Without a DIR
// the data is generated.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>

#include <xtnn/xtnn.hpp>

#include "fail.hpp"

namespace paper {

// What every program's --help says about --data.
inline const char* const data_rule =
    "--data DIR: DIR/kryptonite-n-{X,y}.npy when both are there; for an n whose files DIR lacks, a\n"
    "generated set of the same construction stands in (the output says which data each n used).\n"
    "A DIR that does not exist is an error. Without --data: generated data.\n";

// Success thresholds of the Kryptonite-n challenge.
inline double target_accuracy(std::size_t n) {
    static const std::map<std::size_t, double> targets{{9, 0.95},  {12, 0.925}, {15, 0.90}, {18, 0.875},
                                                       {24, 0.80}, {30, 0.75},  {45, 0.70}};
    auto it = targets.find(n);
    return it == targets.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
}

// Label-flip rates measured on the real sets (data/kryptonite/README.md).
inline double real_bayes_accuracy(std::size_t n) {
    static const std::map<std::size_t, double> flips{{9, 0.0417}, {12, 0.0358}, {15, 0.0328}, {18, 0.0290}};
    auto it = flips.find(n);
    return it == flips.end() ? std::numeric_limits<double>::quiet_NaN() : 1.0 - it->second;
}

struct KryptoniteSet {
    xtnn::Dataset<float> data;
    std::string origin;     // "real" or "generated, seed s"
    double bayes_accuracy;  // best achievable accuracy on this set
};

// Fails unless `dir` is empty (no --data) or an existing directory.
inline void check_data_dir(const std::string& dir) {
    if (dir.empty() || std::filesystem::is_directory(dir)) return;
    if (std::filesystem::exists(dir)) fail("--data: '", dir, "' is not a directory");
    fail("--data: directory '", dir, "' does not exist");
}

// The set for n by the rule above (`generated_rows` rows when generated; 0:
// 2000·n, the size of the published sets).
inline KryptoniteSet kryptonite_set(std::size_t n, const std::string& dir, std::uint64_t generator_seed,
                                    std::size_t generated_rows = 0) {
    namespace fs = std::filesystem;
    check_data_dir(dir);
    if (!dir.empty()) {
        const fs::path x = fs::path(dir) / ("kryptonite-" + std::to_string(n) + "-X.npy");
        const fs::path y = fs::path(dir) / ("kryptonite-" + std::to_string(n) + "-y.npy");
        if (fs::exists(x) && fs::exists(y)) {
            return {xtnn::load_dataset_npy<float>(x, y), "real", real_bayes_accuracy(n)};
        }
    }
    auto generated = xtnn::make_kryptonite<float>(n, {.rows = generated_rows, .seed = generator_seed});
    return {std::move(generated.data), "generated, seed " + std::to_string(generator_seed),
            generated.bayes_accuracy};
}

}  // namespace paper
