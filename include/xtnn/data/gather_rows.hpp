#pragma once
// Copies chosen rows of a matrix into another: the one primitive behind
// subsets, splits and mini-batches.
#include <algorithm>
#include <cstddef>
#include <span>

#include "../core/error.hpp"
#include "../core/tensor.hpp"

namespace xtnn {

// `out` becomes rows.size() x source.shape(1); it is resized only when that
// shape changes, so reusing `out` across equal-sized batches allocates nothing.
template <class T>
void gather_rows(const Tensor<T>& source, std::span<const std::size_t> rows, Tensor<T>& out) {
    const std::size_t columns = source.shape(1);
    ensure_shape(out, rows.size(), columns);
    T* destination = out.data();
    for (const std::size_t row : rows) {
        if (row >= source.shape(0)) {
            detail::fail("gather_rows: row index ", row, " out of range for ", source.shape(0),
                         " rows");
        }
        const T* first = source.data() + row * columns;
        destination = std::copy(first, first + columns, destination);
    }
}

}  // namespace xtnn
