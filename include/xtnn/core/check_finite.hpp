#pragma once
// NaN or Inf in inputs poison every gradient that touches them; find them at
// load time, where the message can still say which file and which cell.
#include <cmath>
#include <cstddef>
#include <string_view>

#include "error.hpp"
#include "tensor.hpp"

namespace xtnn {

// Throws naming `source` and the (0-based) row and column of the first bad value.
template <Real T>
void check_finite(const Tensor<T>& values, std::string_view source) {
    const std::size_t columns = values.shape(1);
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values.data()[i])) {
            detail::fail(source, ": non-finite value ", values.data()[i], " at row ", i / columns,
                         ", column ", i % columns, " (0-based)");
        }
    }
}

}  // namespace xtnn
