#pragma once
// Parallel(Concat{}, branch...): every branch sees the same input; their
// outputs are concatenated along the features. Backward hands each branch its
// slice of the gradient and sums the branches' input gradients.
#include <array>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "../core/error.hpp"
#include "../core/module.hpp"
#include "../params/packing.hpp"
#include "../core/tensor.hpp"
#include "children.hpp"

namespace xtnn {

// How Parallel combines its branches: concatenation along the features.
struct Concat {};

namespace detail {

template <class T, std::size_t N>
struct ParallelBuffers {
    std::array<const Tensor<T>*, N> outputs{};
    std::array<Tensor<T>, N> branch_grads;
    Tensor<T> output;
    Tensor<T> grad_input;
};

}  // namespace detail

template <class Combine, class... Bs>
class Parallel;

template <class... Bs>
class Parallel<Concat, Bs...> : public detail::common_value_type<Bs...> {
    static_assert(sizeof...(Bs) > 0, "Parallel needs at least one branch");
    static constexpr std::size_t count = sizeof...(Bs);
    template <class T>
    using Buffers = detail::ParallelBuffers<T, count>;

public:
    explicit Parallel(Concat, Bs... branches) : branches_(std::move(branches)...) {
        std::optional<std::size_t> input;
        std::string owner;
        detail::for_each_indexed(branches_, [&](const auto& b, std::size_t i) {
            const auto need = b.input_width();
            if (need && input && *need != *input) {
                detail::fail("Parallel: branch ", i, " ", b.describe(), " expects ", *need,
                             " input features, but ", owner, " expects ", *input,
                             " (every branch sees the same input)");
            }
            if (need && !input) {
                input = need;
                owner = detail::concat("branch ", i, " ", b.describe());
            }
        });
        input_width_ = input;
        detail::adopt_parameters(*this, branches_);
    }

    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        auto& buf = buffers_.template get<T>();
        std::size_t width = 0;
        detail::for_each_indexed(branches_, [&](auto& b, std::size_t i) {
            buf.outputs[i] = &b.forward(x, mode);
            width += buf.outputs[i]->shape(1);
        });
        const std::size_t rows = x.shape(0);
        ensure_shape(buf.output, rows, width);
        std::size_t offset = 0;
        for (const Tensor<T>* out : buf.outputs) {
            const std::size_t w = out->shape(1);
            for (std::size_t r = 0; r < rows; ++r) {
                std::memcpy(buf.output.data() + r * width + offset, out->data() + r * w, w * sizeof(T));
            }
            offset += w;
        }
        return buf.output;
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        auto& buf = buffers_.template get<T>();
        check_same_shape(grad_out, buf.output, "Parallel");
        const std::size_t rows = grad_out.shape(0), width = grad_out.shape(1);
        std::size_t offset = 0;
        detail::for_each_indexed(branches_, [&](auto& b, std::size_t i) {
            const std::size_t w = buf.outputs[i]->shape(1);
            Tensor<T>& g = buf.branch_grads[i];
            ensure_shape(g, rows, w);
            for (std::size_t r = 0; r < rows; ++r) {
                std::memcpy(g.data() + r * w, grad_out.data() + r * width + offset, w * sizeof(T));
            }
            offset += w;
            const Tensor<T>& dx = b.backward(g);
            if (!input_grad_required_) return;
            if (i == 0) {
                ensure_shape(buf.grad_input, dx.shape(0), dx.shape(1));
                std::memcpy(buf.grad_input.data(), dx.data(), dx.size() * sizeof(T));
            } else {
                T* acc = buf.grad_input.data();
                const T* add = dx.data();
                for (std::size_t k = 0; k < dx.size(); ++k) acc[k] += add[k];
            }
        });
        return buf.grad_input;
    }

    std::optional<std::size_t> input_width() const { return input_width_; }

    std::optional<std::size_t> output_width(std::optional<std::size_t> input) const {
        std::optional<std::size_t> total = 0;
        const auto in = input ? input : input_width_;
        detail::for_each_indexed(branches_, [&](const auto& b, std::size_t) {
            const auto w = b.output_width(in);
            total = (total && w) ? std::optional<std::size_t>(*total + *w) : std::nullopt;
        });
        return total;
    }

    std::string describe() const { return detail::concat("Parallel(Concat, ", count, " branches)"); }

    template <class F>
    void visit_parameters(F&& f) {
        detail::visit_children_parameters(branches_, f);
    }

    void reseed(std::uint64_t seed) { detail::reseed_children(branches_, seed); }

    void set_input_grad_required(bool required) {
        input_grad_required_ = required;
        detail::for_each_indexed(branches_, [&](auto& b, std::size_t) {
            if constexpr (requires { b.set_input_grad_required(required); }) {
                b.set_input_grad_required(required);
            }
        });
    }

    template <std::size_t I>
    auto& get() { return std::get<I>(branches_); }
    std::tuple<Bs...>& children() { return branches_; }

private:
    std::tuple<Bs...> branches_;
    std::optional<std::size_t> input_width_;
    bool input_grad_required_ = true;
    detail::PerReal<Buffers> buffers_;
};

template <class C, class... Bs>
Parallel(C, Bs...) -> Parallel<C, Bs...>;

}  // namespace xtnn
