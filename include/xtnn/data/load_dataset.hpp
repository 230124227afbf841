#pragma once
// A Dataset from a pair of .npy files, the form Kryptonite-n ships in:
// features (rows x columns) and labels (rows, or rows x outputs).
#include <filesystem>
#include <utility>

#include "../core/error.hpp"
#include "../io/npy.hpp"
#include "../core/tensor.hpp"
#include "../core/check_finite.hpp"
#include "dataset.hpp"

namespace xtnn {

// Labels of any supported dtype (typically int64 0/1) are converted to T.
// Throws on a rank mismatch, differing row counts or any NaN/Inf.
template <Real T>
Dataset<T> load_dataset_npy(const std::filesystem::path& X_path,
                            const std::filesystem::path& y_path) {
    const NpyArray features = read_npy(X_path);
    if (features.rank() != 2) {
        detail::fail(features.source, ": features must be a matrix (rank 2), found rank ",
                     features.rank(), " with shape ", detail::shape_text(features.shape));
    }
    Tensor<T> X = as_matrix<T>(features);
    Tensor<T> y = as_matrix<T>(read_npy(y_path));
    if (X.shape(0) != y.shape(0)) {
        detail::fail("load_dataset_npy: ", X_path.string(), " has ", X.shape(0), " rows but ",
                     y_path.string(), " has ", y.shape(0));
    }
    check_finite(X, X_path.string());
    check_finite(y, y_path.string());
    return Dataset<T>(std::move(X), std::move(y));
}

}  // namespace xtnn
