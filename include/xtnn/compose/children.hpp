#pragma once
// What every static container does with its tuple of children.
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/module.hpp"
#include "../params/packing.hpp"
#include "../core/random.hpp"
#include "../core/run_state.hpp"

namespace xtnn::detail {

// f(child, index) for each element of a (possibly const) tuple.
template <class Tuple, class F>
void for_each_indexed(Tuple& children, F&& f) {
    constexpr std::size_t n = std::tuple_size_v<std::remove_const_t<Tuple>>;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::get<I>(children), I), ...);
    }(std::make_index_sequence<n>{});
}

// Names each child's parameters by its index and packs them all into one block.
template <class Container, class... Ms>
void adopt_parameters(Container& container, std::tuple<Ms...>& children) {
    if constexpr (Parametric<Container>) {
        using T = typename Container::value_type;
        static_assert(parameters_agree<T, Ms...>,
                      "all modules of a container must use the same value type (float or double)");
        for_each_indexed(children, [&](auto& child, std::size_t i) {
            if constexpr (Parametric<std::remove_cvref_t<decltype(child)>>) {
                prefix_names<T>(child, std::to_string(i));
            }
        });
        pack_parameters<T>(container);
    }
}

template <class Tuple, class F>
void visit_children_parameters(Tuple& children, F& f) {
    for_each_indexed(children, [&](auto& child, std::size_t) {
        if constexpr (Parametric<std::remove_cvref_t<decltype(child)>>) child.visit_parameters(f);
    });
}

template <class Tuple>
void reseed_children(Tuple& children, std::uint64_t seed) {
    for_each_indexed(children,
                     [&](auto& child, std::size_t i) { reseed_if_random(child, derive_seed(seed, i)); });
}

}  // namespace xtnn::detail

namespace xtnn {

// f(module) for `model` and, depth first, every module inside a static
// container (Sequential, Parallel). Run-time containers are leaves here.
template <class M, class F>
void for_each_module(M& model, F&& f) {
    f(model);
    if constexpr (requires { model.children(); }) {
        detail::for_each_indexed(model.children(), [&](auto& child, std::size_t) { for_each_module(child, f); });
    }
}

// The run state (core/run_state.hpp) of every module in `model` that has one,
// numbered in for_each_module's order: Dropout's random streams, and those
// inside run-time containers, which have the hook themselves.
template <class M>
void visit_module_run_states(M& model, RunStateVisitor& v) {
    std::size_t index = 0;
    for_each_module(model, [&](auto& module) {
        if constexpr (HasRunState<std::remove_cvref_t<decltype(module)>>) v.nested(std::to_string(index++), module);
    });
}

}  // namespace xtnn
