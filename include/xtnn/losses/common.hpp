#pragma once
// Pieces shared by the losses: argument checks and the numerically stable
// scalar functions. Losses compute in double whatever T is: a loss is cheap
// next to the forward pass, and double keeps ±1e4 logits exact.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "../core/error.hpp"
#include "../core/tensor.hpp"

namespace xtnn::detail {

// Per-step check of an elementwise loss's inputs; O(1).
template <Real T>
void check_loss_inputs(const Tensor<T>& pred, const Tensor<T>& target, std::string_view who) {
    check_same_shape(pred, target, who);
    if (pred.size() == 0) fail(who, ": empty batch");
}

// Once-per-dataset check that the targets line up with the model's outputs.
template <Real T>
void check_target_columns(const Tensor<T>& target, std::size_t expected, std::string_view who) {
    if (target.shape(0) == 0) fail(who, ": no targets");
    if (target.shape(1) != expected) {
        fail(who, ": targets have ", target.shape(1), " columns but the model has ", expected,
             " outputs");
    }
}

// "row 17", or "row 17, column 2" when there are several columns; rows count from 0.
inline std::string element_position(std::size_t flat_index, std::size_t columns) {
    if (columns == 1) return concat("row ", flat_index);
    return concat("row ", flat_index / columns, ", column ", flat_index % columns);
}

// σ(z) for any z: exp is only ever taken of a non-positive number.
inline double sigmoid(double z) {
    if (z >= 0.0) return 1.0 / (1.0 + std::exp(-z));
    const double e = std::exp(z);
    return e / (1.0 + e);
}

// Probability clipped to [ε, 1 − ε] as Keras does, so log never sees 0.
inline double clip_probability(double p, double epsilon) {
    return std::clamp(p, epsilon, 1.0 - epsilon);
}

// The clip passes the gradient inside the range and blocks it outside (as TF's clip_by_value).
inline bool inside_clip_range(double p, double epsilon) {
    return p >= epsilon && p <= 1.0 - epsilon;
}

// Once-per-dataset check that a classifier's model has one output per class.
inline void check_class_count(std::size_t model_outputs, std::string_view who) {
    if (model_outputs < 2) {
        fail(who, ": needs a model with at least 2 outputs (one per class), got ", model_outputs,
             "; use binary_crossentropy for a single output");
    }
}

// The class id in column 0 of `row`. Checked on every call: an out-of-range id
// would index out of bounds.
template <Real T>
std::size_t class_id(const Tensor<T>& target, std::size_t row, std::size_t classes, std::string_view who) {
    const T id = target(row, 0);
    if (!(id >= T(0) && id < static_cast<T>(classes) && std::trunc(id) == id)) {
        fail(who, ": labels must be integer class ids in [0, ", classes, "); found ", id, " at row ", row);
    }
    return static_cast<std::size_t>(id);
}

// The column holding the single 1 of a one-hot `row`; every other entry must be 0.
template <Real T>
std::size_t one_hot_class(const Tensor<T>& target, std::size_t row, std::string_view who) {
    const std::size_t columns = target.shape(1);
    std::size_t ones = 0, hot = 0;
    for (std::size_t j = 0; j < columns; ++j) {
        const T v = target(row, j);
        if (v != T(0) && v != T(1)) {
            fail(who, ": one-hot labels must be 0 or 1; found ", v, " at row ", row, ", column ", j);
        }
        if (v == T(1)) {
            ++ones;
            hot = j;
        }
    }
    if (ones != 1) fail(who, ": a one-hot row must hold exactly one 1; row ", row, " holds ", ones);
    return hot;
}

// −mean over rows of log softmax(logits)[label_of(row)]; unless `grad` is
// null, also its gradient (softmax(logits) − onehot) / rows with respect to the
// logits. Log-sum-exp shifted by the row maximum, so no exp overflows.
template <Real T, class LabelOf>
T softmax_cross_entropy(const Tensor<T>& logits, LabelOf label_of, T* grad) {
    const std::size_t rows = logits.shape(0);
    const std::size_t classes = logits.shape(1);
    const double inv_rows = 1.0 / static_cast<double>(rows);
    double sum = 0.0;
    for (std::size_t row = 0; row < rows; ++row) {
        const std::size_t label = label_of(row);
        const T* z = logits.data() + row * classes;
        T* g = grad ? grad + row * classes : nullptr;
        const double max = static_cast<double>(*std::max_element(z, z + classes));
        double exp_sum = 0.0;
        for (std::size_t j = 0; j < classes; ++j) {
            const double e = std::exp(static_cast<double>(z[j]) - max);
            exp_sum += e;
            if (g) g[j] = static_cast<T>(e);  // parked here until exp_sum is known
        }
        sum += std::log(exp_sum) + (max - static_cast<double>(z[label]));
        if (g) {
            const double scale = inv_rows / exp_sum;
            for (std::size_t j = 0; j < classes; ++j) g[j] = static_cast<T>(g[j] * scale);
            g[label] -= static_cast<T>(inv_rows);
        }
    }
    return static_cast<T>(sum * inv_rows);
}

inline void check_epsilon(double epsilon, std::string_view who) {
    if (!(epsilon > 0.0 && epsilon < 0.5)) {
        fail(who, ": epsilon must be in (0, 0.5), got ", epsilon);
    }
}

}  // namespace xtnn::detail
