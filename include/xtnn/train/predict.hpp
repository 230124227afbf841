#pragma once
// predict / evaluate: a trained model's outputs for new rows, and a metric of them.
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "../compose/dense_chain.hpp"
#include "../core/error.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"
#include "../data/dataset.hpp"
#include "../metrics/metric.hpp"
#include "../params/model_parameters.hpp"
#include "fit_options.hpp"

namespace xtnn {

namespace detail {

// Copies rows [begin, begin + count) of `source` into `out` (resized only on change).
template <class T>
void copy_rows(const Tensor<T>& source, std::size_t begin, std::size_t count, Tensor<T>& out) {
    ensure_shape(out, count, source.shape(1));
    std::memcpy(out.data(), source.data() + begin * source.shape(1), count * source.shape(1) * sizeof(T));
}

}  // namespace detail

/// The model's outputs for every row of `x`, computed in evaluation mode.
template <Model M>
Tensor<value_type_t<M>> predict(M& model, const Tensor<value_type_t<M>>& x,
                                 std::size_t batch_size = default_eval_batch_size) {
    using T = value_type_t<M>;
    if (batch_size == 0) detail::fail("predict: batch_size must be >= 1, got 0");
    if (const auto in = model.input_width(); in && *in != x.shape(1)) {
        detail::fail("predict: the input has ", x.shape(1), " features, but the model expects ", *in);
    }
    require_initialized(model, "predict");
    const detail::ParametersFrozen frozen;  // evaluation chains fold once, not per batch
    Tensor<T> batch;
    Tensor<T> out;
    for (std::size_t begin = 0; begin < x.shape(0); begin += batch_size) {
        const std::size_t count = std::min(batch_size, x.shape(0) - begin);
        detail::copy_rows(x, begin, count, batch);
        const Tensor<T>& pred = model.forward(batch, Mode::eval);
        if (begin == 0) out.resize({x.shape(0), pred.shape(1)});
        std::memcpy(out.data() + begin * pred.shape(1), pred.data(), pred.size() * sizeof(T));
    }
    return out;
}

template <Model M>
Tensor<value_type_t<M>> predict(M& model, const Dataset<value_type_t<M>>& data,
                                 std::size_t batch_size = default_eval_batch_size) {
    return predict(model, data.X, batch_size);
}

/// A metric (Accuracy{}, AUC{}, ...) of the model's predictions on `data`.
template <Model M, Metric<value_type_t<M>> Score>
double evaluate(M& model, const Dataset<value_type_t<M>>& data, const Score& metric,
                std::size_t batch_size = default_eval_batch_size) {
    if (data.size() == 0) detail::fail("evaluate: the dataset is empty");
    return metric(predict(model, data, batch_size), data.y);
}

}  // namespace xtnn
