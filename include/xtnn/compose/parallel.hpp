#pragma once
// Parallel(Concat{}, branch...): every branch sees the same input; their
// outputs are concatenated along the features. Backward hands each branch its
// slice of the gradient and sums the branches' input gradients.
//
// A branch that can write into a view (WritesIntoView, core/module.hpp) writes
// its output straight into its column slice of the concatenation and reads its
// gradient slice in place; any other branch is served by a copy each way.
//
// Images: every branch is given the input image one of them knows (or the one
// an enclosing chain offers); branches producing images of one height and width
// concatenate into one image with their channels stacked (channels-first rows).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/image_flow.hpp"
#include "../core/image_shape.hpp"
#include "../core/matrix_view.hpp"
#include "../core/module.hpp"
#include "../params/packing.hpp"
#include "../core/tensor.hpp"
#include "children.hpp"

namespace xtnn {

// How Parallel combines its branches: concatenation along the features.
struct Concat {};

namespace detail {

// The input gradient of a concatenation: the first branch's, plus every other's.
template <class T>
void accumulate_branch_grad(Tensor<T>& sum, const Tensor<T>& dx, bool first) {
    if (first) {
        ensure_shape(sum, dx.shape(0), dx.shape(1));
        std::memcpy(sum.data(), dx.data(), dx.size() * sizeof(T));
    } else {
        T* acc = sum.data();
        const T* add = dx.data();
        for (std::size_t k = 0; k < dx.size(); ++k) acc[k] += add[k];
    }
}

template <class T, std::size_t N>
struct ParallelBuffers {
    std::array<std::size_t, N> widths{};
    std::size_t rows = 0;
    std::size_t width = 0;  // of the concatenation: the widths' sum
    std::array<Tensor<T>, N> branch_grads;  // only for branches without the view hooks
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
        std::string image_owner;
        detail::for_each_indexed(branches_, [&](const auto& b, std::size_t i) {
            if (input_image_) return;
            input_image_ = input_image_of(b);
            if (input_image_) image_owner = detail::concat("branch ", i, " ", b.describe(), " expects");
        });
        if (input_image_) share_input_image(*input_image_, image_owner);
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
        ensure_shape(buf.output, x.shape(0), plan_widths(buf, x));
        write_branches(buf, x, mode, view_of(buf.output));
        return buf.output;
    }

    // A Parallel inside a Parallel writes into its parent's slice as well.
    template <Real T>
    void forward_into(const Tensor<T>& x, Mode mode, MatrixView<T> out) {
        auto& buf = buffers_.template get<T>();
        check_view_shape(out, x.shape(0), plan_widths(buf, x), [this] { return describe(); });
        write_branches(buf, x, mode, out);
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        return backward_from(view_of(grad_out));
    }

    template <Real T>
    const Tensor<T>& backward_from(MatrixView<const T> grad_out) {
        auto& buf = buffers_.template get<T>();
        check_view_shape(grad_out, buf.rows, buf.width, "Parallel");
        std::size_t offset = 0;
        detail::for_each_indexed(branches_, [&](auto& b, std::size_t i) {
            const auto slice = grad_out.columns(offset, buf.widths[i]);
            offset += buf.widths[i];
            const Tensor<T>& dx = branch_backward(b, slice, buf.branch_grads[i]);
            if (input_grad_required_) accumulate_input_grad(buf, dx, i == 0);
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

    std::optional<ImageShape> input_image() const { return input_image_; }

    // Channels stacked, when every branch produces an image of the same height and width.
    std::optional<ImageShape> output_image(std::optional<ImageShape> input) const {
        std::optional<ImageShape> stacked;
        detail::for_each_indexed(branches_, [&](const auto& b, std::size_t i) {
            const auto image = output_image_of(b, input ? input : input_image_);
            if (i == 0) stacked = image;
            else if (stacked && image && image->height == stacked->height && image->width == stacked->width)
                stacked->channels += image->channels;
            else stacked.reset();
        });
        return stacked;
    }

    void set_input_image(ImageShape image) {
        if (input_width_ && *input_width_ != image.size()) return;
        input_image_ = image;
        input_width_ = image.size();
        share_input_image(image, "the input is");
    }

    std::string describe() const { return detail::concat("Parallel(Concat, ", count, " branches)"); }

    // Concat along axis 1: the channels of images of one height and width (as
    // output_image stacks them), the features of rows otherwise.
    GraphValue export_graph(GraphSink& graph, const GraphValue& input) const {
        std::vector<GraphValue> outputs;
        detail::for_each_indexed(branches_, [&](const auto& b, std::size_t) {
            outputs.push_back(export_module(b, graph, input));
        });
        std::optional<ImageShape> stacked = outputs.front().image;
        for (std::size_t i = 1; i < outputs.size() && stacked; ++i) {
            const auto& image = outputs[i].image;
            if (image && image->height == stacked->height && image->width == stacked->width)
                stacked->channels += image->channels;
            else stacked.reset();
        }
        GraphNode concat{"Concat", {}, {{"axis", std::int64_t{1}}}};
        std::size_t width = 0;
        for (const GraphValue& output : outputs) {
            concat.inputs.push_back(stacked ? output.name : as_rows(graph, output).name);
            width += output.width;
        }
        return {graph.node(concat), width, stacked};
    }

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
    // Offers every branch the input image and checks that all accept it.
    // `source` says where the image comes from, for the message.
    void share_input_image(ImageShape image, const std::string& source) {
        detail::for_each_indexed(branches_, [&](auto& b, std::size_t i) {
            offer_input_image(b, image);
            const auto need = input_image_of(b);
            if (need && *need != image) {
                detail::fail("Parallel: branch ", i, " ", b.describe(), " expects a ", to_string(*need),
                             " input image, but ", source, " ", to_string(image),
                             " (every branch sees the same input)");
            }
        });
    }

    // Every branch's output width for this input, known before any runs so
    // that each can be given its slice; returns their sum.
    template <Real T>
    std::size_t plan_widths(Buffers<T>& buf, const Tensor<T>& x) const {
        buf.rows = x.shape(0);
        buf.width = 0;
        detail::for_each_indexed(branches_, [&](const auto& b, std::size_t i) {
            const auto w = b.output_width(x.shape(1));
            if (!w) {
                detail::fail(describe(), ": branch ", i, " ", b.describe(), " cannot tell its output width for ",
                             x.shape(1), " input features");
            }
            buf.widths[i] = *w;
            buf.width += *w;
        });
        return buf.width;
    }

    template <Real T>
    void write_branches(Buffers<T>& buf, const Tensor<T>& x, Mode mode, MatrixView<T> out) {
        std::size_t offset = 0;
        detail::for_each_indexed(branches_, [&](auto& b, std::size_t i) {
            branch_forward(b, i, x, mode, out.columns(offset, buf.widths[i]));
            offset += buf.widths[i];
        });
    }

    template <class B, Real T>
    void branch_forward(B& b, std::size_t i, const Tensor<T>& x, Mode mode, MatrixView<T> slice) {
        if constexpr (WritesIntoView<B, T>) {
            b.forward_into(x, mode, slice);
        } else {
            const Tensor<T>& y = b.forward(x, mode);
            check_view_shape(view_of(y), slice.rows, slice.cols,
                             [&] { return detail::concat(describe(), ": branch ", i, " ", b.describe()); });
            detail::copy_rows(view_of(y), slice);
        }
    }

    template <class B, Real T>
    static const Tensor<T>& branch_backward(B& b, MatrixView<const T> slice, Tensor<T>& grad) {
        if constexpr (WritesIntoView<B, T>) {
            return b.backward_from(slice);
        } else {
            ensure_shape(grad, slice.rows, slice.cols);
            detail::copy_rows(slice, view_of(grad));
            return b.backward(grad);
        }
    }

    template <Real T>
    static void accumulate_input_grad(Buffers<T>& buf, const Tensor<T>& dx, bool first) {
        detail::accumulate_branch_grad(buf.grad_input, dx, first);
    }

    std::tuple<Bs...> branches_;
    std::optional<std::size_t> input_width_;
    std::optional<ImageShape> input_image_;
    bool input_grad_required_ = true;
    detail::PerReal<Buffers> buffers_;
};

template <class C, class... Bs>
Parallel(C, Bs...) -> Parallel<C, Bs...>;

}  // namespace xtnn
