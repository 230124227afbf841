#pragma once
// The one element loop behind every optimizer. An update rule is written once
// as a generic lambda and runs on xsimd batches, then on plain scalars for the
// tail. A plain loop would stay scalar: under g++'s default -fmath-errno,
// std::sqrt may set errno, which blocks auto-vectorization.
#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace xtnn::detail {

template <class V, class T>
V load_lane(const T* from) {
    if constexpr (std::is_same_v<V, T>) {
        return *from;
    } else {
        return V::load_unaligned(from);
    }
}

template <class T>
void store_lane(T* to, T value) {
    *to = value;
}

template <class T, class A>
void store_lane(T* to, const xsimd::batch<T, A>& value) {
    value.store_unaligned(to);
}

// Loads the gradient and every buffer at index i as V, runs the update, and
// writes the buffers back.
template <class V, class T, class Update, class... Buffers>
void update_lane(std::size_t i, Update& update, const T* grad, Buffers*... buffers) {
    [&](auto... values) {
        update(load_lane<V>(grad + i), values...);
        (store_lane(buffers + i, values), ...);
    }(load_lane<V>(buffers + i)...);
}

// Calls update(g, b0, b1, ...) for every index below `count`, where g is the
// gradient there and each b a modifiable reference to the value of a buffer
// (parameters, optimizer state). Each argument is an xsimd::batch<T> for full
// batches and a T for the tail, so `update` must be generic, and must call
// sqrt unqualified after `using std::sqrt;` so batches find xsimd::sqrt.
template <class T, class Update, class... Buffers>
void update_elementwise(std::size_t count, Update update, const T* grad, Buffers*... buffers) {
    static_assert((std::is_same_v<Buffers, T> && ...), "all buffers must hold T");
    using Batch = xsimd::batch<T>;
    std::size_t i = 0;
    for (; i + Batch::size <= count; i += Batch::size) {
        update_lane<Batch>(i, update, grad, buffers...);
    }
    for (; i < count; ++i) {
        update_lane<T>(i, update, grad, buffers...);
    }
}

}  // namespace xtnn::detail
