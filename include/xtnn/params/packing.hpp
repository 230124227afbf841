#pragma once
// How containers gather their children's parameters into one block: packing,
// dotted names, and the value type a container takes from its children.
#include <algorithm>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "param.hpp"

namespace xtnn {

// Modules that own parameters declare `using value_type = T;` and provide
// `visit_parameters(f)` calling f(Param<T>&) for each of them.
template <class M>
concept Parametric = requires { typename M::value_type; };

namespace detail {

// Moves every parameter of `module` into one fresh block: trainable values
// first in visit order, then state arrays. Values, gradients and the
// initialized flag are kept.
template <Real T, class M>
void pack_parameters(M& module) {
    std::vector<Param<T>*> params;
    module.visit_parameters([&](Param<T>& p) { params.push_back(&p); });
    std::stable_partition(params.begin(), params.end(),
                          [](const Param<T>* p) { return p->trainable(); });

    auto block = std::make_shared<ParameterBlock<T>>();
    for (const Param<T>* p : params) {
        block->values.insert(block->values.end(), p->values().begin(), p->values().end());
        if (p->trainable()) {
            block->grads.insert(block->grads.end(), p->grads().begin(), p->grads().end());
            block->trainable_size += p->size();
        }
    }
    std::size_t offset = 0;
    for (Param<T>* p : params) {
        p->rebind(block, offset);
        offset += p->size();
    }
}

template <Real T, class M>
void prefix_names(M& module, const std::string& prefix) {
    module.visit_parameters([&](Param<T>& p) { p.prepend_name(prefix); });
}

template <class M>
struct value_type_holder {
    using value_type = typename M::value_type;
};

// Gives a container `value_type` when any child has parameters.
template <class... Ms>
struct common_value_type {};

template <class M, class... Rest>
struct common_value_type<M, Rest...>
    : std::conditional_t<Parametric<M>, value_type_holder<M>, common_value_type<Rest...>> {};

template <class M, class T>
constexpr bool has_value_type_or_none() {
    if constexpr (Parametric<M>) return std::is_same_v<typename M::value_type, T>;
    else return true;
}

// True when every child with parameters stores them as T.
template <class T, class... Ms>
constexpr bool parameters_agree = (has_value_type_or_none<Ms, T>() && ...);

}  // namespace detail
}  // namespace xtnn
