#pragma once
// MaxPool2D and AvgPool2D over channels-first images, one image per row
// (core/image_shape.hpp), each channel pooled on its own. Stride defaults to
// the window size (non-overlapping windows), padding to valid; with
// Padding::same the output is ⌈input / stride⌉ and a window hanging over the
// border pools only the image values under it (Keras: the maximum ignores the
// padding, the average divides by the values actually covered).
//
// Not templates, like the activations: one buffer set per floating type.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/image_shape.hpp"
#include "../core/matrix_view.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"
#include "../kernels/window.hpp"
#include "spatial.hpp"

namespace xtnn {

struct Pool2DOptions {
    std::optional<Size2D> stride = std::nullopt;  // default: the window size
    Padding padding = Padding::valid;             // valid or same
    // The input image; needed only when the layer comes first in a model.
    std::optional<ImageShape> input = std::nullopt;
};

namespace detail {

// What both pooling layers share: the window over the input image, the image
// hooks of the module contract and the description.
class Pool2D {
public:
    Pool2D(const char* name, Size2D size, const Pool2DOptions& options)
        : name_(name), size_(size), stride_(options.stride.value_or(size)), padding_(options.padding) {
        check_positive(size_, "window size", describe());
        check_positive(stride_, "stride", describe());
        if (padding_.kind == Padding::Kind::explicit_) {
            fail(describe(), ": pooling takes Padding::valid or Padding::same, not explicit padding");
        }
        if (options.input) set_input_image(*options.input);
    }

    std::optional<std::size_t> input_width() const {
        return window_ ? std::optional<std::size_t>(window_->in_size()) : std::nullopt;
    }
    std::optional<std::size_t> output_width(std::optional<std::size_t>) const {
        return window_ ? std::optional<std::size_t>(window_->channels * window_->out_plane()) : std::nullopt;
    }
    std::optional<ImageShape> input_image() const {
        if (!window_) return std::nullopt;
        return ImageShape{window_->channels, window_->in_height, window_->in_width};
    }
    std::optional<ImageShape> output_image(std::optional<ImageShape> input) const {
        if (!window_ && !input) return std::nullopt;
        const Window w = window_ ? *window_ : plan(*input);
        return ImageShape{w.channels, w.out_height, w.out_width};
    }
    void set_input_image(ImageShape image) { window_ = plan(image); }

    std::string describe() const {
        std::string s = name_ + "(";
        if (window_) s += to_string(*input_image()) + " -> " + to_string(*output_image(std::nullopt)) + ", ";
        s += to_string(size_);
        if (!(stride_ == size_)) s += ", stride " + to_string(stride_);
        if (padding_.kind == Padding::Kind::same) s += ", same";
        return s + ")";
    }

protected:
    // `op` over the image; the window skips what lies outside it, as ONNX's
    // MaxPool does and its AveragePool with count_include_pad = 0.
    GraphValue export_pool(GraphSink& graph, const GraphValue& x, const char* op) const {
        const Window& w = window();
        GraphNode node{op, {as_image(graph, x, *input_image()).name}, window_attributes(w)};
        const std::optional<ImageShape> out = output_image(std::nullopt);
        return {graph.node(node), out->size(), out};
    }

    const Window& window() const {
        if (!window_) {
            fail(describe(), ": the input image is unknown; give it `.input = ImageShape{...}`"
                             " or put it after a layer that produces images");
        }
        return *window_;
    }

    // The window, after checking that `x` holds images of the known shape.
    template <Real T>
    const Window& window_for(const Tensor<T>& x) const {
        if (x.shape(1) != window().in_size()) {
            fail(describe(), ": expected input with ", window_->in_size(), " features (", to_string(*input_image()),
                 "), got ", x.shape(0), " x ", x.shape(1));
        }
        return *window_;
    }

    // Calls f(channel, output index within the image, input rows, input columns) for every output value.
    template <class F>
    static void for_each_window(const Window& w, F&& f) {
        std::size_t k = 0;
        for (std::size_t c = 0; c < w.channels; ++c) {
            for (std::size_t oy = 0; oy < w.out_height; ++oy) {
                const IndexRange ys = window_inputs(oy, w.stride_height, w.kernel_height, w.pad_top, w.in_height);
                for (std::size_t ox = 0; ox < w.out_width; ++ox, ++k) {
                    f(c, k, ys, window_inputs(ox, w.stride_width, w.kernel_width, w.pad_left, w.in_width));
                }
            }
        }
    }

private:
    Window plan(ImageShape image) const {
        return make_window(image, size_, stride_, padding_, [this] { return describe(); });
    }

    std::string name_;
    Size2D size_;
    Size2D stride_;
    Padding padding_;
    std::optional<Window> window_;
};

template <class T>
struct MaxPoolBuffers {
    Tensor<T> output;
    Tensor<T> grad_input;
    std::vector<std::uint32_t> argmax;  // per output value: where in its image row the maximum was
};

template <class T>
struct AvgPoolBuffers {
    Tensor<T> output;
    Tensor<T> grad_input;
};

}  // namespace detail

// The maximum of each window; backward routes each gradient to the position
// of its window's maximum (the first one on ties; a NaN counts as the maximum).
class MaxPool2D : public detail::Pool2D {
public:
    explicit MaxPool2D(Size2D size, const Pool2DOptions& options = {}) : Pool2D("MaxPool2D", size, options) {}

    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode /*mode*/) {
        const detail::Window& w = window_for(x);
        auto& b = buffers_.template get<T>();
        const std::size_t outputs = w.channels * w.out_plane();
        ensure_shape(b.output, x.shape(0), outputs);
        b.argmax.resize(x.shape(0) * outputs);
        const bool halving = is_halving(w);
        for (std::size_t r = 0; r < x.shape(0); ++r) {
            const T* image = x.data() + r * w.in_size();
            T* out = b.output.data() + r * outputs;
            std::uint32_t* arg = b.argmax.data() + r * outputs;
            if (halving) {
                halve_image(w, image, out, arg);
                continue;
            }
            for_each_window(w, [&](std::size_t c, std::size_t k, detail::IndexRange ys, detail::IndexRange xs) {
                const T* plane = image + c * w.in_plane();
                const std::size_t best = first_maximum(plane, w.in_width, ys, xs);
                out[k] = plane[best];
                arg[k] = static_cast<std::uint32_t>(c * w.in_plane() + best);
            });
        }
        return b.output;
    }

    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const { return export_pool(graph, x, "MaxPool"); }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        auto& b = buffers_.template get<T>();
        check_same_shape(grad_out, b.output, [this] { return describe() + " backward"; });
        const std::size_t rows = b.output.shape(0), outputs = b.output.shape(1);
        const std::size_t in_size = window().in_size();
        ensure_shape(b.grad_input, rows, in_size);
        std::fill_n(b.grad_input.data(), b.grad_input.size(), T(0));
        for (std::size_t r = 0; r < rows; ++r) {
            T* gi = b.grad_input.data() + r * in_size;
            const T* g = grad_out.data() + r * outputs;
            const std::uint32_t* arg = b.argmax.data() + r * outputs;
            for (std::size_t k = 0; k < outputs; ++k) gi[arg[k]] += g[k];
        }
        return b.grad_input;
    }

private:
    // Where the running first maximum of a window is, or its first NaN. Integer
    // arithmetic and maxss instead of branches or selects (which g++ turns into
    // branches): on real data every comparison is a coin toss, and mispredictions
    // cost 4x the loop.
    template <Real T, class Index>
    struct FirstMaximum {
        Index best;
        T largest;
        bool nan_seen;

        FirstMaximum(T value, Index at) : best(at), largest(value), nan_seen(value != value) {}

        void consider(T value, Index at) {
            // Greater, or a first NaN (then nothing takes over any more).
            const auto take = static_cast<Index>(!(value <= largest) & !nan_seen);
            best += (at - best) * take;
            largest = std::max(largest, value);
            nan_seen |= value != value;
        }
    };

    // The index in `plane` of the window's first maximum, or of its first NaN.
    template <Real T>
    static std::size_t first_maximum(const T* plane, std::size_t width, detail::IndexRange ys, detail::IndexRange xs) {
        const std::size_t first = ys.first * width + xs.first;
        FirstMaximum<T, std::size_t> m(plane[first], first);
        for (std::size_t iy = ys.first; iy < ys.last; ++iy) {
            for (std::size_t ix = xs.first; ix < xs.last; ++ix) m.consider(plane[iy * width + ix], iy * width + ix);
        }
        return m.best;
    }

    // 2x2 windows at stride 2 that never cross the border: the CNNs' usual pooling,
    // worth a loop of fixed shape (the general one spends most of its time on bounds).
    static bool is_halving(const detail::Window& w) {
        return w.kernel_height == 2 && w.kernel_width == 2 && w.stride_height == 2 && w.stride_width == 2 &&
               w.pad_top == 0 && w.pad_left == 0 && 2 * w.out_height <= w.in_height &&
               2 * w.out_width <= w.in_width;
    }

    // One image through halving windows, each scanned in the general loop's order
    // (top left, top right, bottom left, bottom right: window positions 0-3).
    template <Real T>
    static void halve_image(const detail::Window& w, const T* image, T* out, std::uint32_t* arg) {
        const auto width = static_cast<std::uint32_t>(w.in_width);
        for (std::size_t c = 0; c < w.channels; ++c) {
            const T* plane = image + c * w.in_plane();
            const auto plane_start = static_cast<std::uint32_t>(c * w.in_plane());
            for (std::size_t oy = 0; oy < w.out_height; ++oy, out += w.out_width, arg += w.out_width) {
                const T* top = plane + 2 * oy * width;
                const T* bottom = top + width;
                const auto row_start = plane_start + static_cast<std::uint32_t>(2 * oy) * width;
                for (std::size_t ox = 0; ox < w.out_width; ++ox) {
                    FirstMaximum<T, std::uint32_t> m(top[2 * ox], 0);
                    m.consider(top[2 * ox + 1], 1);
                    m.consider(bottom[2 * ox], 2);
                    m.consider(bottom[2 * ox + 1], 3);
                    const std::uint32_t at = static_cast<std::uint32_t>(2 * ox) + (m.best & 1u) + (m.best >> 1) * width;
                    out[ox] = top[at];
                    arg[ox] = row_start + at;
                }
            }
        }
    }

    detail::PerReal<detail::MaxPoolBuffers> buffers_;
};

// The mean of each window.
class AvgPool2D : public detail::Pool2D {
public:
    explicit AvgPool2D(Size2D size, const Pool2DOptions& options = {}) : Pool2D("AvgPool2D", size, options) {}

    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode /*mode*/) {
        const detail::Window& w = window_for(x);
        auto& b = buffers_.template get<T>();
        const std::size_t outputs = w.channels * w.out_plane();
        ensure_shape(b.output, x.shape(0), outputs);
        for (std::size_t r = 0; r < x.shape(0); ++r) {
            const T* image = x.data() + r * w.in_size();
            T* out = b.output.data() + r * outputs;
            for_each_window(w, [&](std::size_t c, std::size_t k, detail::IndexRange ys, detail::IndexRange xs) {
                T sum = T(0);
                for (std::size_t iy = ys.first; iy < ys.last; ++iy) {
                    const T* line = image + c * w.in_plane() + iy * w.in_width;
                    for (std::size_t ix = xs.first; ix < xs.last; ++ix) sum += line[ix];
                }
                out[k] = sum / static_cast<T>(covered(ys, xs));
            });
        }
        return b.output;
    }

    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return export_pool(graph, x, "AveragePool");
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        auto& b = buffers_.template get<T>();
        check_same_shape(grad_out, b.output, [this] { return describe() + " backward"; });
        const detail::Window& w = window();
        const std::size_t rows = b.output.shape(0), outputs = b.output.shape(1);
        ensure_shape(b.grad_input, rows, w.in_size());
        std::fill_n(b.grad_input.data(), b.grad_input.size(), T(0));
        for (std::size_t r = 0; r < rows; ++r) {
            T* gi = b.grad_input.data() + r * w.in_size();
            const T* g = grad_out.data() + r * outputs;
            for_each_window(w, [&](std::size_t c, std::size_t k, detail::IndexRange ys, detail::IndexRange xs) {
                const T share = g[k] / static_cast<T>(covered(ys, xs));
                for (std::size_t iy = ys.first; iy < ys.last; ++iy) {
                    T* line = gi + c * w.in_plane() + iy * w.in_width;
                    for (std::size_t ix = xs.first; ix < xs.last; ++ix) line[ix] += share;
                }
            });
        }
        return b.grad_input;
    }

private:
    static std::size_t covered(detail::IndexRange ys, detail::IndexRange xs) {
        return (ys.last - ys.first) * (xs.last - xs.first);
    }

    detail::PerReal<detail::AvgPoolBuffers> buffers_;
};

}  // namespace xtnn
