#pragma once
// detail::elementwise: the one vectorized loop behind the elementwise kernels
// of layers, regularizers and optimizers. A kernel is written once as a generic
// lambda and runs on xsimd batches, then on plain scalars for the tail.
// Plain loops are not left to the compiler because g++ keeps some of them
// scalar: ReLU's derivative became a mispredicted branch per element, and
// std::sqrt / std::exp never vectorize under the default -fmath-errno. At
// batch 64 such loops cost more than the model's gemms.
#include <cstddef>
#include <tuple>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "../core/tensor.hpp"

namespace xtnn::detail {

template <class V, class P>
auto load_lane(P* from) {
    using T = std::remove_const_t<P>;
    if constexpr (std::is_same_v<V, T>) {
        return T(*from);
    } else {
        return V::load_unaligned(from);
    }
}

// Writes a lane back to a mutable buffer; read-only buffers are left alone.
template <class P, class V>
void store_lane(P* to, const V& value) {
    if constexpr (!std::is_const_v<P>) {
        if constexpr (std::is_arithmetic_v<V>) {
            *to = value;
        } else {
            value.store_unaligned(to);
        }
    }
}

template <class V, class F, class... Ps>
void apply_lane(std::size_t i, F& f, Ps*... buffers) {
    [&](auto... values) {
        f(values...);
        (store_lane(buffers + i, values), ...);
    }(load_lane<V>(buffers + i)...);
}

// Calls f(v0, v1, ...) for every index below `count`, each v the value of the
// matching buffer there: an xsimd::batch<T> for full batches, a T for the tail.
// f takes mutable buffers' values by reference (auto&) and they are written
// back; read-only buffers (const T*) are not. f must be generic and use only
// what both lane kinds offer: arithmetic, comparisons, detail::select, and math
// called unqualified after `using std::exp;` etc., so batches find xsimd's.
template <class F, class P, class... Ps>
void elementwise(std::size_t count, F f, P* first, Ps*... rest) {
    using T = std::remove_const_t<P>;
    static_assert(Real<T> && (std::is_same_v<std::remove_const_t<Ps>, T> && ...),
                  "all buffers must hold the same floating type");
    using Batch = xsimd::batch<T>;
    std::size_t i = 0;
    for (; i + Batch::size <= count; i += Batch::size) apply_lane<Batch>(i, f, first, rest...);
    for (; i < count; ++i) apply_lane<T>(i, f, first, rest...);
}

// Σ values[i], summed in xsimd lanes and then across them: a plain loop's
// single accumulator is one add latency per value (g++ keeps IEEE order).
template <Real T>
T sum(const T* values, std::size_t count) {
    using Batch = xsimd::batch<T>;
    Batch lanes(T(0));
    std::size_t i = 0;
    for (; i + Batch::size <= count; i += Batch::size) lanes += Batch::load_unaligned(values + i);
    T total = xsimd::hadd(lanes);
    for (; i < count; ++i) total += values[i];
    return total;
}

// Branch-free choice for both lane kinds: cond ? a : b.
template <Real T>
T select(bool cond, T a, T b) {
    return cond ? a : b;
}
template <class T, class A>
xsimd::batch<T, A> select(const xsimd::batch_bool<T, A>& cond, const xsimd::batch<T, A>& a,
                          const xsimd::batch<T, A>& b) {
    return xsimd::select(cond, a, b);
}

}  // namespace xtnn::detail
