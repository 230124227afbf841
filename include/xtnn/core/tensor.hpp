#pragma once
// Tensor<T>: the one data type crossing module boundaries. A batch is rows,
// features are columns, row major, so every per-sample loop is contiguous.
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <xtensor/xtensor.hpp>

#include "error.hpp"

namespace xtnn {

template <class T>
using Tensor = xt::xtensor<T, 2>;

template <class T>
concept Real = std::is_same_v<T, float> || std::is_same_v<T, double>;

// Resizes only when the shape changes, so steady-state steps never allocate.
template <class T>
void ensure_shape(Tensor<T>& t, std::size_t rows, std::size_t cols) {
    if (t.shape(0) != rows || t.shape(1) != cols) {
        t.resize({rows, cols});
    }
}

// Throws unless `t` has `expected` columns; `who` names the caller in the message.
template <class T>
void check_columns(const Tensor<T>& t, std::size_t expected, std::string_view who) {
    if (t.shape(1) != expected) {
        detail::fail(who, ": expected input with ", expected, " features (columns), got ",
                     t.shape(0), " x ", t.shape(1));
    }
}

// `who` names the caller: a string, or a callable returning one, so hot paths
// build the name only when the check fails.
template <class T, class Who>
void check_same_shape(const Tensor<T>& a, const Tensor<T>& b, const Who& who) {
    if (a.shape(0) != b.shape(0) || a.shape(1) != b.shape(1)) {
        auto name = [&] {
            if constexpr (std::is_invocable_v<const Who&>) return who();
            else return who;
        };
        detail::fail(name(), ": shape mismatch, ", a.shape(0), " x ", a.shape(1), " vs ", b.shape(0),
                     " x ", b.shape(1));
    }
}

}  // namespace xtnn
