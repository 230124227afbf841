#pragma once
// BatchNorm2D<T>(channels, momentum, epsilon): batch normalization of images,
// one mean and variance per channel over the batch and every position. An
// image travels as one row in channels-first order (C blocks of H·W values,
// as PyTorch's NCHW), so any row width that is a multiple of `channels` is
// accepted and H·W = width / channels. Conventions as BatchNorm (Keras
// momentum, biased running variance, epsilon 1e-3); parameters gamma, beta,
// running_mean and running_var hold one value per channel.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/image_shape.hpp"
#include "../core/module.hpp"
#include "../params/packing.hpp"
#include "../core/tensor.hpp"
#include "normalization.hpp"
#include "statistics_reducer.hpp"

namespace xtnn {

template <Real T>
class BatchNorm2D {
public:
    using value_type = T;

    explicit BatchNorm2D(std::size_t channels, double momentum = 0.99, double epsilon = 1e-3)
        : norm_("BatchNorm2D", check_channels(channels), 1, momentum, epsilon) {
        detail::pack_parameters<T>(*this);
    }

    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        norm_.set_positions(positions(x.shape(1)));
        training_ = mode == Mode::train;
        if (training_ && x.shape(0) == 0) detail::fail(describe(), ": empty batch in training");
        input_ = &x;
        ensure_shape(output_, x.shape(0), x.shape(1));
        norm_.forward(x.data(), x.shape(0), training_, output_.data());
        return output_;
    }

    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        if (input_ == nullptr) detail::fail(describe(), ": backward called before forward");
        check_same_shape(grad_out, output_, [this] { return describe(); });
        ensure_shape(grad_input_, grad_out.shape(0), grad_out.shape(1));
        norm_.backward(grad_out.data(), input_->data(), grad_out.shape(0), training_, grad_input_.data());
        return grad_input_;
    }

    // Any multiple of the channel count: the image size comes with the input.
    std::optional<std::size_t> input_width() const { return image_ ? std::optional(image_->size()) : std::nullopt; }
    std::optional<std::size_t> output_width(std::optional<std::size_t> input) const {
        if (input) positions(*input);
        return input;
    }
    bool width_preserving() const { return true; }
    // The image hooks (core/image_flow.hpp): images pass through. Given its
    // predecessor's image, the layer keeps its own channel count, so a
    // container reports a predecessor with other channels, naming both.
    std::optional<ImageShape> input_image() const { return image_; }
    std::optional<ImageShape> output_image(std::optional<ImageShape> input) const { return input ? input : image_; }
    void set_input_image(ImageShape image) { image_ = ImageShape{norm_.channels(), image.height, image.width}; }

    std::string describe() const {
        std::string s = image_ ? detail::concat("BatchNorm2D(", to_string(*image_), ")")
                               : detail::concat("BatchNorm2D(", norm_.channels(), " channels)");
        if (!norm_.gamma().path().empty()) s += " '" + norm_.gamma().path() + "'";
        return s;
    }

    // Evaluation form, over the image [batch, C, H, W].
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        const ImageShape image = export_input_image(image_, x, describe());
        if (image.channels != norm_.channels()) {
            detail::fail("cannot export ", describe(), ": it is given a ", to_string(image), " image");
        }
        return norm_.export_graph(graph, as_image(graph, x, image));
    }

    template <class F>
    void visit_parameters(F&& f) {
        norm_.visit_parameters(f);
    }

    // As BatchNorm::synchronize_statistics.
    void synchronize_statistics(std::shared_ptr<const StatisticsReducer<T>> reducer) {
        norm_.synchronize_statistics(std::move(reducer));
    }

    Param<T>& gamma() { return norm_.gamma(); }
    Param<T>& beta() { return norm_.beta(); }
    Param<T>& running_mean() { return norm_.running_mean(); }
    Param<T>& running_var() { return norm_.running_var(); }

private:
    static std::size_t check_channels(std::size_t channels) {
        if (channels == 0) detail::fail("BatchNorm2D: channel count must be positive");
        return channels;
    }

    // H·W of a row of `width` values.
    std::size_t positions(std::size_t width) const {
        if (width == 0 || width % norm_.channels() != 0) {
            detail::fail(describe(), ": input width ", width, " is not a positive multiple of ", norm_.channels(),
                         " channels (a row is C blocks of H·W values, channels first)");
        }
        return width / norm_.channels();
    }

    detail::Normalization<T> norm_;
    std::optional<ImageShape> image_;
    const Tensor<T>* input_ = nullptr;
    Tensor<T> output_;
    Tensor<T> grad_input_;
    bool training_ = true;
};

}  // namespace xtnn
