#pragma once
// GlobalAveragePooling2D: the mean of each channel of a channels-first image,
// so C·H·W values per row become C features (as Keras; no image comes out).
// Not a template: one buffer set per floating type.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/image_shape.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"

namespace xtnn {
namespace detail {

template <class T>
struct GlobalPoolBuffers {
    Tensor<T> output;
    Tensor<T> grad_input;
};

}  // namespace detail

class GlobalAveragePooling2D {
public:
    // `input`: needed only when the layer comes first in a model.
    explicit GlobalAveragePooling2D(std::optional<ImageShape> input = std::nullopt) {
        if (input) set_input_image(*input);
    }

    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode /*mode*/) {
        const ImageShape& image = checked_image(x);
        auto& b = buffers_.template get<T>();
        const std::size_t plane = image.height * image.width;
        ensure_shape(b.output, x.shape(0), image.channels);
        const T scale = T(1) / static_cast<T>(plane);
        for (std::size_t r = 0; r < x.shape(0); ++r) {
            for (std::size_t c = 0; c < image.channels; ++c) {
                const T* values = x.data() + r * image.size() + c * plane;
                T sum = T(0);
                for (std::size_t p = 0; p < plane; ++p) sum += values[p];
                b.output(r, c) = sum * scale;
            }
        }
        return b.output;
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        auto& b = buffers_.template get<T>();
        check_same_shape(grad_out, b.output, [this] { return describe() + " backward"; });
        const ImageShape& image = *image_;
        const std::size_t plane = image.height * image.width;
        ensure_shape(b.grad_input, grad_out.shape(0), image.size());
        const T scale = T(1) / static_cast<T>(plane);
        for (std::size_t r = 0; r < grad_out.shape(0); ++r) {
            for (std::size_t c = 0; c < image.channels; ++c) {
                std::fill_n(b.grad_input.data() + r * image.size() + c * plane, plane, grad_out(r, c) * scale);
            }
        }
        return b.grad_input;
    }

    std::optional<std::size_t> input_width() const {
        return image_ ? std::optional<std::size_t>(image_->size()) : std::nullopt;
    }
    std::optional<std::size_t> output_width(std::optional<std::size_t>) const {
        return image_ ? std::optional<std::size_t>(image_->channels) : std::nullopt;
    }
    std::optional<ImageShape> input_image() const { return image_; }
    std::optional<ImageShape> output_image(std::optional<ImageShape>) const { return std::nullopt; }

    void set_input_image(ImageShape image) {
        if (image.size() == 0) detail::fail("GlobalAveragePooling2D: the input image ", to_string(image), " is empty");
        image_ = image;
    }

    std::string describe() const {
        if (!image_) return "GlobalAveragePooling2D()";
        return detail::concat("GlobalAveragePooling2D(", to_string(*image_), " -> ", image_->channels, ")");
    }

    // GlobalAveragePool gives [batch, C, 1, 1]; flattened, the C features xtnn computes.
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        const ImageShape image = export_input_image(image_, x, describe());
        const std::string pooled = graph.node({"GlobalAveragePool", {as_image(graph, x, image).name}});
        return as_rows(graph, {pooled, image.channels, ImageShape{image.channels, 1, 1}});
    }

private:
    template <Real T>
    const ImageShape& checked_image(const Tensor<T>& x) const {
        if (!image_) {
            detail::fail(describe(), ": the input image is unknown; give it the ImageShape"
                                     " or put it after a layer that produces images");
        }
        if (x.shape(1) != image_->size()) {
            detail::fail(describe(), ": expected input with ", image_->size(), " features (", to_string(*image_),
                         "), got ", x.shape(0), " x ", x.shape(1));
        }
        return *image_;
    }

    std::optional<ImageShape> image_;
    detail::PerReal<detail::GlobalPoolBuffers> buffers_;
};

}  // namespace xtnn
