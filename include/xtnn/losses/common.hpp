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

inline void check_epsilon(double epsilon, std::string_view who) {
    if (!(epsilon > 0.0 && epsilon < 0.5)) {
        fail(who, ": epsilon must be in (0, 0.5), got ", epsilon);
    }
}

}  // namespace xtnn::detail
