#pragma once
// Predicted class labels, and the challenge's file-to-file prediction:
// hidden-kryptonite-n-X.npy -> hidden-kryptonite-n-y.npy (int64 labels).
#include <cstdint>
#include <filesystem>
#include <functional>

#include <xtensor/xtensor.hpp>

#include "../core/check_finite.hpp"
#include "../params/model_parameters.hpp"
#include "../train/fit.hpp"
#include "npy.hpp"

namespace xtnn {

// One output column: 1 where the output is >= threshold; several: the argmax.
template <Real T>
xt::xtensor<std::int64_t, 1> labels_from_outputs(const Tensor<T>& outputs, double threshold = 0.5) {
    const std::size_t rows = outputs.shape(0), cols = outputs.shape(1);
    xt::xtensor<std::int64_t, 1> labels = xt::xtensor<std::int64_t, 1>::from_shape({rows});
    for (std::size_t r = 0; r < rows; ++r) {
        const T* row = outputs.data() + r * cols;
        if (cols == 1) {
            labels(r) = row[0] >= static_cast<T>(threshold) ? 1 : 0;
        } else {
            labels(r) = static_cast<std::int64_t>(std::max_element(row, row + cols) - row);
        }
    }
    return labels;
}

// Reads features from `features_path`, applies `preprocess` (e.g. the fitted
// scaler's transform_inplace), predicts, and writes int64 labels atomically.
template <Parametric M>
void predict_file(M& model, const std::filesystem::path& features_path, const std::filesystem::path& labels_path,
                  const std::function<void(Tensor<value_type_t<M>>&)>& preprocess = {}, double threshold = 0.5) {
    using T = value_type_t<M>;
    Tensor<T> x = load_npy_matrix<T>(features_path);
    check_finite(x, features_path.string());
    if (preprocess) preprocess(x);
    save_npy(labels_path, labels_from_outputs(predict(model, x), threshold));
}

}  // namespace xtnn
