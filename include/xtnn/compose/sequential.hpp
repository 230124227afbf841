#pragma once
// Sequential(m...): modules applied one after another. A variadic template, so
// a whole network is one concrete type and every call is visible to the
// compiler. Building one checks that neighbouring widths chain, names every
// parameter by its position ("2.kernel") and packs all parameters into one block.
#include <cstddef>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "../core/module.hpp"
#include "../params/packing.hpp"
#include "../core/tensor.hpp"
#include "children.hpp"
#include "width_check.hpp"

namespace xtnn {

template <class... Ms>
class Sequential : public detail::common_value_type<Ms...> {
    static_assert(sizeof...(Ms) > 0, "Sequential needs at least one module");
    static constexpr std::size_t count = sizeof...(Ms);

public:
    explicit Sequential(Ms... modules) : children_(std::move(modules)...) {
        detail::WidthChain chain("Sequential");
        detail::for_each_indexed(children_, [&](auto& child, std::size_t i) { chain.add(child, i); });
        input_width_ = chain.input();
        detail::adopt_parameters(*this, children_);
    }

    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        return forward_from<0>(x, mode);
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        return backward_from<count - 1>(grad_out);
    }

    std::optional<std::size_t> input_width() const { return input_width_; }

    std::optional<std::size_t> output_width(std::optional<std::size_t> input) const {
        std::optional<std::size_t> width = input ? input : input_width_;
        detail::for_each_indexed(children_, [&](const auto& child, std::size_t) { width = child.output_width(width); });
        return width;
    }

    std::string describe() const { return detail::concat("Sequential(", count, " modules)"); }

    template <class F>
    void visit_parameters(F&& f) {
        detail::visit_children_parameters(children_, f);
    }

    void reseed(std::uint64_t seed) { detail::reseed_children(children_, seed); }

    void set_input_grad_required(bool required) {
        auto& first = std::get<0>(children_);
        if constexpr (requires { first.set_input_grad_required(required); }) {
            first.set_input_grad_required(required);
        }
    }

    template <std::size_t I>
    auto& get() { return std::get<I>(children_); }
    auto& last() { return std::get<count - 1>(children_); }
    std::tuple<Ms...>& children() { return children_; }
    static constexpr std::size_t size() { return count; }

private:
    template <std::size_t I, class T>
    const Tensor<T>& forward_from(const Tensor<T>& x, Mode mode) {
        const Tensor<T>& y = std::get<I>(children_).forward(x, mode);
        if constexpr (I + 1 < count) return forward_from<I + 1>(y, mode);
        else return y;
    }

    template <std::size_t I, class T>
    const Tensor<T>& backward_from(const Tensor<T>& grad) {
        const Tensor<T>& g = std::get<I>(children_).backward(grad);
        if constexpr (I > 0) return backward_from<I - 1>(g);
        else return g;
    }

    std::tuple<Ms...> children_;
    std::optional<std::size_t> input_width_;
};

}  // namespace xtnn
