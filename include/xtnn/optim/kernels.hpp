#pragma once
// The one element loop behind every optimizer: an update rule is written once
// as a generic lambda and runs on xsimd batches, then on plain scalars for the
// tail (see elementwise.hpp; std::sqrt in a plain loop would stay scalar).
#include <cstddef>
#include <type_traits>

#include "../elementwise.hpp"

namespace xtnn::detail {

// Calls update(g, b0, b1, ...) for every index below `count`, where g is the
// gradient there and each b a modifiable reference to the value of a buffer
// (parameters, optimizer state). Each argument is an xsimd::batch<T> for full
// batches and a T for the tail, so `update` must be generic, and must call
// sqrt unqualified after `using std::sqrt;` so batches find xsimd::sqrt.
template <class T, class Update, class... Buffers>
void update_elementwise(std::size_t count, Update update, const T* grad, Buffers*... buffers) {
    static_assert((std::is_same_v<Buffers, T> && ...), "all buffers must hold T");
    elementwise(count, update, grad, buffers...);
}

}  // namespace xtnn::detail
