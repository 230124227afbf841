#pragma once
// The challenge's hidden sets: DIR/hidden-kryptonite-n-X.npy holds unlabelled
// features (float32, n columns); a submission is hidden-kryptonite-n-y.npy,
// one int64 label (0 or 1) per row.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include <xtensor/xtensor.hpp>
#include <xtnn/xtnn.hpp>

#include "fail.hpp"

namespace paper {

using Labels = xt::xtensor<std::int64_t, 1>;

inline std::string hidden_features_name(std::size_t n) { return "hidden-kryptonite-" + std::to_string(n) + "-X.npy"; }
inline std::string hidden_labels_name(std::size_t n) { return "hidden-kryptonite-" + std::to_string(n) + "-y.npy"; }

// The hidden features of size n, checked: n columns, every value finite.
inline xtnn::Tensor<float> read_hidden_features(const std::filesystem::path& path, std::size_t n) {
    xtnn::Tensor<float> x = xtnn::load_npy_matrix<float>(path);
    if (x.shape(1) != n) fail(path.string(), " has ", x.shape(1), " columns, expected ", n);
    xtnn::check_finite(x, path.string());
    return x;
}

// The labels of a one-column sigmoid output: 1 where the output is >= threshold.
inline Labels labels_from_outputs(const xtnn::Tensor<float>& outputs, float threshold = 0.5F) {
    if (outputs.shape(1) != 1) fail("labels_from_outputs: expected one output column, got ", outputs.shape(1));
    Labels labels = Labels::from_shape({outputs.shape(0)});
    for (std::size_t r = 0; r < labels.size(); ++r) labels(r) = outputs(r, 0) >= threshold ? 1 : 0;
    return labels;
}

}  // namespace paper
