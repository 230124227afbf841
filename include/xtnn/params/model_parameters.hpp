#pragma once
// Whole-model views of the parameter block: what optimizers, regularization,
// initialization and checkpoints work on.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../core/module.hpp"
#include "packing.hpp"
#include "../core/random.hpp"

namespace xtnn {

template <Parametric M>
using value_type_t = typename M::value_type;

namespace detail {

// Stands in for the callable a model's visit_parameters receives, in the Model concept.
template <Real T>
struct ParameterVisitorProbe {
    void operator()(Param<T>&) const {}
};

}  // namespace detail

/// A trainable network: a Module (core/module.hpp) that declares its value type
/// and shows every parameter through visit_parameters. Sequential, Parallel,
/// DynamicSequential and every layer with parameters are Models.
template <class M>
concept Model = Parametric<M> && Module<M, typename M::value_type> &&
                requires(M& model) { model.visit_parameters(detail::ParameterVisitorProbe<typename M::value_type>{}); };

// The model's block, seen as spans. `values`/`grads` are the trainable part
// (what an optimizer steps); `all_values` adds the state arrays (what a
// checkpoint copies).
template <Real T>
struct ParameterView {
    std::span<T> values;
    std::span<T> grads;
    std::span<T> all_values;
};

template <Parametric M>
ParameterView<value_type_t<M>> parameters(M& model) {
    using T = value_type_t<M>;
    ParameterBlock<T>* block = nullptr;
    model.visit_parameters([&](Param<T>& p) {
        ParameterBlock<T>* mine = &p.block();
        if (block != nullptr && block != mine) {
            detail::fail("parameter '", p.name(),
                         "' is not packed with the rest of the model (internal error)");
        }
        block = mine;
    });
    if (block == nullptr) return {};
    return {{block->values.data(), block->trainable_size},
            {block->grads.data(), block->grads.size()},
            {block->values.data(), block->values.size()}};
}

template <Parametric M>
std::size_t parameter_count(M& model) {
    return parameters(model).values.size();
}

template <Parametric M>
void zero_gradients(M& model) {
    auto grads = parameters(model).grads;
    std::fill(grads.begin(), grads.end(), value_type_t<M>(0));
}

// Re-draws every parameter (and resets every state array) from its
// initializer; parameter i draws from Rng(derive_seed(seed, i)), so the same
// seed gives the same weights bit for bit.
template <Parametric M>
void init_parameters(M& model, std::uint64_t seed) {
    std::uint64_t index = 0;
    model.visit_parameters([&](Param<value_type_t<M>>& p) {
        Rng rng(derive_seed(seed, index++));
        p.reset(&rng);
    });
}

// Initializes only what no one has initialized or loaded yet; what `fit` calls.
template <Parametric M>
void init_missing_parameters(M& model, std::uint64_t seed) {
    std::uint64_t index = 0;
    model.visit_parameters([&](Param<value_type_t<M>>& p) {
        Rng rng(derive_seed(seed, index++));
        if (!p.initialized()) p.reset(&rng);
    });
}

template <Parametric M>
void require_initialized(M& model, std::string_view who) {
    model.visit_parameters([&](Param<value_type_t<M>>& p) {
        if (!p.initialized()) {
            detail::fail(who, ": parameter '", p.name(),
                         "' is not initialized; call init_parameters(model, seed), fit or load first");
        }
    });
}

namespace detail {

// f(p) for every trainable parameter that carries an active regularizer.
template <Parametric M, class F>
void for_each_regularized(M& model, F&& f) {
    model.visit_parameters([&](Param<value_type_t<M>>& p) {
        if (p.trainable() && is_active(p.regularizer())) f(p);
    });
}

}  // namespace detail

// Sum of every regularizer's penalty (Keras semantics: added to the loss).
template <Parametric M>
double regularization_penalty(M& model) {
    double total = 0.0;
    detail::for_each_regularized(model, [&](Param<value_type_t<M>>& p) {
        total += penalty<value_type_t<M>>(p.regularizer(), p.values());
    });
    return total;
}

// In one pass over the kernels: adds every regularizer's gradient and returns
// the total penalty (what a training step needs).
template <Parametric M>
double add_regularization(M& model) {
    double total = 0.0;
    detail::for_each_regularized(model, [&](Param<value_type_t<M>>& p) {
        total += add_penalty_gradient_and_value<value_type_t<M>>(p.regularizer(), p.values(), p.grads());
    });
    return total;
}

template <Parametric M>
std::vector<std::string> parameter_names(M& model) {
    std::vector<std::string> names;
    model.visit_parameters([&](Param<value_type_t<M>>& p) { names.push_back(p.name()); });
    return names;
}

}  // namespace xtnn
