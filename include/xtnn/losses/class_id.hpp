#pragma once
// The one check that a label is a class id, shared by the losses that take
// class ids (CrossEntropy) and the classification metrics.
#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/error.hpp"
#include "../core/tensor.hpp"

namespace xtnn::detail {

// The class id in column 0 of `target`'s row `row`; throws, naming `who`, unless
// it is an integer in [0, classes). Callers index with it, so it is checked
// on every use, not only once per dataset.
template <Real T>
std::size_t class_id(const Tensor<T>& target, std::size_t row, std::size_t classes, std::string_view who) {
    const T id = target(row, 0);
    if (!(id >= T(0) && id < static_cast<T>(classes) && std::trunc(id) == id)) {
        fail(who, ": labels must be integer class ids in [0, ", classes, "); found ", id, " at row ", row);
    }
    return static_cast<std::size_t>(id);
}

}  // namespace xtnn::detail
