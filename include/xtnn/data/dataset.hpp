#pragma once
// A Dataset is features X (one row per sample) and targets y with the same
// number of rows; everything else in xtnn/data produces or consumes one.
#include <cstddef>
#include <span>
#include <utility>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "gather_rows.hpp"

namespace xtnn {

template <Real T>
struct Dataset {
    Tensor<T> X;
    Tensor<T> y;

    Dataset() = default;

    Dataset(Tensor<T> features, Tensor<T> targets) : X(std::move(features)), y(std::move(targets)) {
        if (X.shape(0) != y.shape(0)) {
            detail::fail("Dataset: features have ", X.shape(0), " rows but targets have ",
                         y.shape(0));
        }
    }

    std::size_t size() const { return X.shape(0); }
    std::size_t features() const { return X.shape(1); }
    std::size_t outputs() const { return y.shape(1); }

    // The rows `indices`, in that order (repeats allowed).
    Dataset subset(std::span<const std::size_t> indices) const {
        Dataset part;
        gather_rows(X, indices, part.X);
        gather_rows(y, indices, part.y);
        return part;
    }
};

}  // namespace xtnn
