#pragma once
// Sequential(m...): modules applied one after another. A variadic template, so
// a whole network is one concrete type and every call is visible to the
// compiler. Building one checks that neighbouring widths chain (and hands image
// shapes down the chain), names every parameter by its position ("2.kernel")
// and packs all parameters into one block.
// A run Dense → ReLU | LeakyReLU → BatchNorm → Dropout among the children is
// computed fused, in fewer passes with bit-identical results
// (layers/dense_block_fusion.hpp); fuse_blocks(model, false) turns that off.
// With XTNN_INFERENCE_BACKEND=onednn a Sequential<float> made of Dense layers,
// activations, BatchNorm and Dropout evaluates through oneDNN with the bias and
// activation fused into each product (compose/dense_chain.hpp); fuse_blocks
// turns that off too.
#include <cstddef>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/graph_sink.hpp"
#include "../core/image_flow.hpp"
#include "../core/image_shape.hpp"
#include "../core/matrix_view.hpp"
#include "../core/module.hpp"
#include "../params/packing.hpp"
#include "../core/tensor.hpp"
#include "../layers/dense_block_fusion.hpp"
#include "children.hpp"
#include "dense_chain.hpp"
#include "width_check.hpp"

namespace xtnn {

template <class... Ms>
class Sequential : public detail::common_value_type<Ms...> {
    static_assert(sizeof...(Ms) > 0, "Sequential needs at least one module");
    static constexpr std::size_t count = sizeof...(Ms);
    using Last = std::tuple_element_t<count - 1, std::tuple<Ms...>>;

public:
    explicit Sequential(Ms... modules) : children_(std::move(modules)...) {
        chain_children(std::nullopt);
        detail::adopt_parameters(*this, children_);
    }

    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        fused_ = fuse_;
        if constexpr (chains<T>) {
            eval_chain_.take_input();
            if (detail::chain_may_run(mode, fuse_)) {
                if (const Tensor<T>* y = eval_chain_.run(*this, x)) return *y;
            }
        }
        return forward_through<0, count - 1>(x, mode);
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        replay_chained_forward<T>();
        return backward_through<count - 1>(grad_out);
    }

    // Output into a view: offered when the last module offers it.
    template <Real T>
    void forward_into(const Tensor<T>& x, Mode mode, MatrixView<T> out) requires WritesIntoView<Last, T> {
        fused_ = fuse_;
        if constexpr (chains<T>) {
            eval_chain_.take_input();
            if (detail::chain_may_run(mode, fuse_) && eval_chain_.run_into(*this, x, out)) return;
        }
        constexpr std::size_t block = count - 4;  // where a fusable run ending with the last module starts
        if constexpr (block_at<block>()) {
            if (fused_) {
                if constexpr (block == 0) fuse_forward_into<block>(x, mode, out);
                else fuse_forward_into<block>(forward_through<0, block - 1>(x, mode), mode, out);
                return;
            }
        }
        if constexpr (count == 1) last().forward_into(x, mode, out);
        else last().forward_into(forward_through<0, count - 2>(x, mode), mode, out);
    }

    template <Real T>
    const Tensor<T>& backward_from(MatrixView<const T> grad_out) requires WritesIntoView<Last, T> {
        replay_chained_forward<T>();
        constexpr std::size_t block = count - 4;
        if constexpr (block_at<block>()) {
            if (fused_) {
                const Tensor<T>& g = fuse_backward<block>(grad_out);
                if constexpr (block == 0) return g;
                else return backward_through<block - 1>(g);
            }
        }
        const Tensor<T>& g = last().backward_from(grad_out);
        if constexpr (count == 1) return g;
        else return backward_through<count - 2>(g);
    }

    // Whether runs Dense → ReLU | LeakyReLU → BatchNorm → Dropout among the
    // children are computed fused (the default) or module by module, from the
    // next forward on. Results are the same (within rounding where an evaluation
    // chain runs through oneDNN); the switch exists for comparisons.
    void fuse_blocks(bool on) { fuse_ = on; }

    std::optional<std::size_t> input_width() const { return input_width_; }

    std::optional<std::size_t> output_width(std::optional<std::size_t> input) const {
        std::optional<std::size_t> width = input ? input : input_width_;
        detail::for_each_indexed(children_, [&](const auto& child, std::size_t) { width = child.output_width(width); });
        return width;
    }

    std::optional<ImageShape> input_image() const { return input_image_; }

    std::optional<ImageShape> output_image(std::optional<ImageShape> input) const {
        std::optional<ImageShape> image = input ? input : input_image_;
        detail::for_each_indexed(children_, [&](const auto& child, std::size_t) { image = output_image_of(child, image); });
        return image;
    }

    // A Sequential nested in a chain takes its predecessor's image like a layer
    // (unless its first module wants another width: the outer chain reports that).
    void set_input_image(ImageShape image) {
        if (!input_width_ || *input_width_ == image.size()) chain_children(image);
    }

    std::string describe() const { return detail::concat("Sequential(", count, " modules)"); }

    GraphValue export_graph(GraphSink& graph, const GraphValue& input) const {
        GraphValue value = input;
        detail::for_each_indexed(children_, [&](const auto& child, std::size_t) { value = export_module(child, graph, value); });
        return value;
    }

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
    void chain_children(std::optional<ImageShape> image) {
        detail::WidthChain chain("Sequential", image);
        detail::for_each_indexed(children_, [&](auto& child, std::size_t i) { chain.add(child, i); });
        input_width_ = chain.input();
        input_image_ = chain.input_image();
    }

    template <std::size_t I>
    using Child = std::tuple_element_t<I, std::tuple<Ms...>>;

    // Whether evaluation in T may run as a chain through oneDNN (dense_chain.hpp).
    template <class T>
    static constexpr bool chains = detail::runs_dense_chain<Sequential>() && std::is_same_v<T, float>;

    // A backward after a chained evaluation first runs that forward again module
    // by module, so that every module holds what its backward reads.
    template <class T>
    void replay_chained_forward() {
        if constexpr (chains<T>) {
            if (const Tensor<T>* x = eval_chain_.take_input()) {
                const detail::ChainsSuspended modules_only;
                forward_through<0, count - 1>(*x, Mode::eval);
            }
        }
    }

    // Whether children I..I+3 are a run to fuse (I = count − 4 may have wrapped below 0).
    template <std::size_t I>
    static constexpr bool block_at() {
        if constexpr (count < 4 || I > count - 4) return false;
        else return detail::DenseBlockRun<Child<I>, Child<I + 1>, Child<I + 2>, Child<I + 3>>;
    }

    // Children I..End, in order.
    template <std::size_t I, std::size_t End, class T>
    const Tensor<T>& forward_through(const Tensor<T>& x, Mode mode) {
        if constexpr (I + 3 <= End && block_at<I>()) {
            if (fused_) {
                auto& out = detail::DenseBlockFusion::forward(std::get<I>(children_), std::get<I + 1>(children_),
                                                              std::get<I + 2>(children_), std::get<I + 3>(children_),
                                                              x, mode);
                if constexpr (I + 3 < End) return forward_through<I + 4, End>(out, mode);
                else return out;
            }
        }
        const Tensor<T>& y = std::get<I>(children_).forward(x, mode);
        if constexpr (I < End) return forward_through<I + 1, End>(y, mode);
        else return y;
    }

    // Children I..0, backwards.
    template <std::size_t I, class T>
    const Tensor<T>& backward_through(const Tensor<T>& grad) {
        if constexpr (I >= 3 && block_at<I - 3>()) {
            if (fused_) {
                const Tensor<T>& g = fuse_backward<I - 3>(view_of(grad));
                if constexpr (I > 3) return backward_through<I - 4>(g);
                else return g;
            }
        }
        const Tensor<T>& g = std::get<I>(children_).backward(grad);
        if constexpr (I > 0) return backward_through<I - 1>(g);
        else return g;
    }

    template <std::size_t I, class T>
    void fuse_forward_into(const Tensor<T>& x, Mode mode, MatrixView<T> out) {
        detail::DenseBlockFusion::forward_into(std::get<I>(children_), std::get<I + 1>(children_),
                                               std::get<I + 2>(children_), std::get<I + 3>(children_), x, mode, out);
    }

    template <std::size_t I, class T>
    const Tensor<T>& fuse_backward(MatrixView<const T> grad) {
        return detail::DenseBlockFusion::backward(std::get<I>(children_), std::get<I + 1>(children_),
                                                  std::get<I + 2>(children_), std::get<I + 3>(children_), grad);
    }

    std::tuple<Ms...> children_;
    std::optional<std::size_t> input_width_;
    std::optional<ImageShape> input_image_;
    bool fuse_ = true;
    bool fused_ = true;  // whether the last forward ran fused, so its backward does too
    [[no_unique_address]] detail::DenseChainFor<Sequential> eval_chain_;
};

// Sets fusion (Sequential::fuse_blocks) on every static Sequential in `model`.
template <class Model>
void fuse_blocks(Model& model, bool on) {
    for_each_module(model, [on](auto& module) {
        if constexpr (requires { module.fuse_blocks(on); }) module.fuse_blocks(on);
    });
}

}  // namespace xtnn
