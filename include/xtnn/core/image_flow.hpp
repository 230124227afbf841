#pragma once
// How image shapes flow through a model: the optional image hooks of the
// module contract (core/module.hpp) and the defaults for modules without them.
//
//   std::optional<ImageShape> input_image() const;
//       The image the module expects at its input (nullopt: it does not know or care).
//   std::optional<ImageShape> output_image(std::optional<ImageShape> input) const;
//       The image it produces from `input` (nullopt: its output is no image, or unknown).
//   void set_input_image(ImageShape image);
//       Called by containers on a module built without an input image, with the
//       image its predecessor produces. A module that fixes its own channel count
//       (Conv2D) takes only height and width, so the container's comparison of
//       input_image() with what the predecessor produces reports a channel
//       mismatch naming both modules.
//
// Only the first layer of a model needs to be told its input image; containers
// (compose/width_check.hpp) hand each later layer what its predecessor produces.
#include <optional>

#include "image_shape.hpp"
#include "module.hpp"

namespace xtnn {

template <class M>
concept HasInputImage = requires(const M& m) {
    { m.input_image() } -> std::same_as<std::optional<ImageShape>>;
};

template <class M>
concept HasOutputImage = requires(const M& m, std::optional<ImageShape> in) {
    { m.output_image(in) } -> std::same_as<std::optional<ImageShape>>;
};

template <class M>
concept TakesInputImage = requires(M& m, ImageShape image) { m.set_input_image(image); };

template <class M>
std::optional<ImageShape> input_image_of(const M& module) {
    if constexpr (HasInputImage<M>) return module.input_image();
    else return std::nullopt;
}

// Without the hook, a width-preserving module (is_width_preserving: activation,
// Dropout, Identity) passes the image through; any other module's output is no image.
template <class M>
std::optional<ImageShape> output_image_of(const M& module, std::optional<ImageShape> input) {
    if constexpr (HasOutputImage<M>) return module.output_image(input);
    else return is_width_preserving(module) ? input : std::nullopt;
}

// Gives `module` its predecessor's image if it takes one and has none yet.
template <class M>
void offer_input_image(M& module, std::optional<ImageShape> image) {
    if constexpr (TakesInputImage<M>) {
        if (image && !input_image_of(module)) module.set_input_image(*image);
    }
}

}  // namespace xtnn
