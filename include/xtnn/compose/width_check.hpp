#pragma once
// Width bookkeeping shared by the containers: every neighbour pair is checked
// when a model is built, and the message names both modules and both widths.
// Image shapes travel along (core/image_flow.hpp): a module built without an
// input image is given the one its predecessor produces, and a module that
// expects another image is an error naming both and both shapes.
#include <cstddef>
#include <optional>
#include <string>

#include "../core/error.hpp"
#include "../core/image_flow.hpp"
#include "../core/image_shape.hpp"
#include "../core/module.hpp"

namespace xtnn::detail {

// Walks a chain of modules, tracking the width (and image) flowing between them.
class WidthChain {
public:
    // `input`: an image the chain is given at its input (its container was
    // offered one), if any.
    explicit WidthChain(std::string container, std::optional<ImageShape> input = std::nullopt)
        : container_(std::move(container)), image_(input) {
        if (input) width_ = input_ = input->size();
        input_image_ = input;
    }

    template <class M>
    void add(M& module, std::size_t index) {
        offer_input_image(module, image_);
        const std::optional<ImageShape> need_image = input_image_of(module);
        if (need_image && image_ && *need_image != *image_) {
            fail(container_, ": module ", index, " ", module.describe(), " expects a ", to_string(*need_image),
                 " input image, but ", source(index), " ", to_string(*image_));
        }
        const std::optional<std::size_t> need = module.input_width();
        if (need && width_ && *need != *width_) {
            fail(container_, ": module ", index, " ", module.describe(), " expects ", *need,
                 " input features, but ", source(index), " ", *width_,
                 image_ ? " (" + to_string(*image_) + ")" : std::string());
        }
        if (TakesInputImage<M> && width_ && !need && !module.output_width(width_)) {
            fail(container_, ": module ", index, " ", module.describe(), " cannot tell its output from ", source(index),
                 " ", *width_, " features", image_ ? " (" + to_string(*image_) + ")" : std::string(" (no image)"),
                 "; an image layer needs its input image");
        }
        // A module's need is the chain's only if every module before it passes
        // its width through: after a pooling layer that does not know its image
        // yet, the next Dense's inputs say nothing about the chain's.
        if (need && !width_ && !input_ && preserving_so_far_) {
            input_ = need;
            input_image_ = need_image;
        }
        preserving_so_far_ = preserving_so_far_ && is_width_preserving(module);
        image_ = output_image_of(module, image_ ? image_ : need_image);
        width_ = module.output_width(width_ ? width_ : need);
        previous_ = module.describe();
    }

    // The width the chain needs at its input (nullopt: any), and what it produces.
    std::optional<std::size_t> input() const { return input_; }
    std::optional<std::size_t> output() const { return width_; }
    // The image the chain needs at its input, when it knows one.
    std::optional<ImageShape> input_image() const { return input_image_; }

private:
    // Who produced what module `index` receives.
    std::string source(std::size_t index) const {
        return index == 0 ? std::string("its input is") : concat("module ", index - 1, " ", previous_, " produces");
    }

    std::string container_;
    std::optional<std::size_t> input_;
    std::optional<std::size_t> width_;
    std::optional<ImageShape> input_image_;
    std::optional<ImageShape> image_;
    bool preserving_so_far_ = true;  // every module added so far is width-preserving
    std::string previous_;
};

}  // namespace xtnn::detail
