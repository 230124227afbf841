#pragma once
// A model's final layer, for a loss that differentiates through it itself
// (train/fusion.hpp decides when). Static containers lead to it at compile
// time through last(); AnyModule and DynamicSequential have erased the types,
// so they report it at run time as a FinalLayer<T>: the layer's type identity
// plus the protocol a fused loss needs, whatever the activation.
#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>

#include "../core/tensor.hpp"

namespace xtnn {

// A layer a loss can differentiate through: it hands out the input of its last
// forward (the logits) and can pass the next backward's gradient through
// unchanged (layers/activation.hpp).
template <class M, class T>
concept LogitsLayer = Real<T> && requires(M& layer) {
    { layer.template last_input<T>() } -> std::same_as<const Tensor<T>&>;
    layer.bypass_next_backward();
};

// The run-time view of a type-erased model's final layer.
template <Real T>
class FinalLayer {
public:
    virtual ~FinalLayer() = default;
    virtual const std::type_info& type() const = 0;  // the concrete layer's, e.g. typeid(Sigmoid)
    virtual std::string describe() const = 0;
    virtual const Tensor<T>& last_input() const = 0;
    virtual void bypass_next_backward() = 0;
};

namespace detail {

// Follows last() down through static containers (Sequential) to a layer or a
// run-time container.
template <class M>
auto& final_module(M& model) {
    if constexpr (requires { model.last(); }) return final_module(model.last());
    else return model;
}

template <class M>
using final_module_t = std::remove_reference_t<decltype(final_module(std::declval<M&>()))>;

// A run-time container (AnyModule, DynamicSequential) reports its final layer itself.
template <class M, class T>
concept ReportsFinalLayer = requires(M& model) {
    { model.final_layer() } -> std::same_as<std::unique_ptr<FinalLayer<T>>>;
};

template <Real T, class L>
class FinalLayerOf final : public FinalLayer<T> {
public:
    explicit FinalLayerOf(L& layer) : layer_(layer) {}
    const std::type_info& type() const override { return typeid(L); }
    std::string describe() const override { return layer_.describe(); }
    const Tensor<T>& last_input() const override { return layer_.template last_input<T>(); }
    void bypass_next_backward() override { layer_.bypass_next_backward(); }

private:
    L& layer_;
};

// The final layer of `model` (whose type a run-time container erased), or null
// when it is not a LogitsLayer.
template <Real T, class M>
std::unique_ptr<FinalLayer<T>> final_layer(M& model) {
    auto& last = final_module(model);
    using Last = std::remove_reference_t<decltype(last)>;
    if constexpr (ReportsFinalLayer<Last, T>) return last.final_layer();
    else if constexpr (LogitsLayer<Last, T>) return std::make_unique<FinalLayerOf<T, Last>>(last);
    else return nullptr;
}

}  // namespace detail
}  // namespace xtnn
