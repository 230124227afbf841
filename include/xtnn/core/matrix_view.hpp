#pragma once
// MatrixView<T>: a row-major matrix that another object owns, possibly a
// column slice of a wider one (stride > cols). It is how a consumer lends a
// module the place to write its output, or to read its gradient from, without
// a copy (the optional forward_into / backward_from hooks, core/module.hpp).
// T is const for read-only views.
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "error.hpp"
#include "tensor.hpp"

namespace xtnn {

template <class T>
struct MatrixView {
    T* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::size_t stride = 0;  // elements from one row's start to the next, >= cols

    T* row(std::size_t r) const { return data + r * stride; }

    // Columns [first, first + count) of every row.
    MatrixView columns(std::size_t first, std::size_t count) const { return {data + first, rows, count, stride}; }

    operator MatrixView<const T>() const requires(!std::is_const_v<T>) { return {data, rows, cols, stride}; }
};

template <class T>
MatrixView<T> view_of(Tensor<T>& t) {
    return {t.data(), t.shape(0), t.shape(1), t.shape(1)};
}

template <class T>
MatrixView<const T> view_of(const Tensor<T>& t) {
    return {t.data(), t.shape(0), t.shape(1), t.shape(1)};
}

// Throws unless `v` is rows x cols; `who` names the caller, as in check_same_shape.
template <class T, class Who>
void check_view_shape(MatrixView<T> v, std::size_t rows, std::size_t cols, const Who& who) {
    if (v.rows != rows || v.cols != cols) {
        auto name = [&] {
            if constexpr (std::is_invocable_v<const Who&>) return who();
            else return who;
        };
        detail::fail(name(), ": shape mismatch, ", v.rows, " x ", v.cols, " vs ", rows, " x ", cols);
    }
}

namespace detail {

// f(count, p...) over equally shaped views: once over every element when all
// are contiguous (so the common case is the single loop it always was), else
// once per row.
template <class F, class... Ts>
void for_each_row_span(F&& f, MatrixView<Ts>... views) {
    const auto& first = std::get<0>(std::forward_as_tuple(views...));
    const std::size_t rows = first.rows, cols = first.cols;
    if (((views.stride == cols) && ...)) {
        f(rows * cols, views.data...);
        return;
    }
    for (std::size_t r = 0; r < rows; ++r) f(cols, views.row(r)...);
}

template <class T>
void copy_rows(MatrixView<const T> from, MatrixView<T> to) {
    for_each_row_span([](std::size_t n, const T* src, T* dst) { std::copy_n(src, n, dst); }, from, to);
}

}  // namespace detail
}  // namespace xtnn
