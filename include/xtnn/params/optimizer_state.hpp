#pragma once
// The OptimizerState concept: what a checkpoint (io/checkpoint.hpp) needs to
// save and restore an optimizer, so that training resumes where it stopped.
// optim/'s Optimizer concept refines it with what a step needs.
#include <concepts>
#include <cstdint>
#include <string_view>
#include <vector>

#include "../core/tensor.hpp"

namespace xtnn {

namespace detail {

// Stands in for the callable visit_state receives (a checkpoint's writer or reader).
template <class T>
struct StateVisitorProbe {
    void operator()(std::string_view, std::vector<T>&) const {}
};

}  // namespace detail

/// An optimizer's resumable state: its named state vectors, shown through
/// `visit_state(f)` with f(std::string_view name, std::vector<value_type>&),
/// and its step count.
template <class O>
concept OptimizerState = Real<typename O::value_type> && requires(O optimizer, std::uint64_t count) {
    optimizer.visit_state(detail::StateVisitorProbe<typename O::value_type>{});
    { optimizer.iterations() } -> std::convertible_to<std::uint64_t>;
    optimizer.set_iterations(count);
};

}  // namespace xtnn
