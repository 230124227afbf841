#pragma once
// ImageShape: the channels-first shape of one image. A batch of images is still
// a Tensor<T> of rows; one row holds an image's C·H·W values, channel after
// channel, each channel row after row.
#include <cstddef>
#include <string>

namespace xtnn {

struct ImageShape {
    std::size_t channels, height, width;

    [[nodiscard]] constexpr std::size_t size() const { return channels * height * width; }

    friend constexpr bool operator==(const ImageShape&, const ImageShape&) = default;
};

// "1x28x28": channels x height x width, as layers describe themselves.
[[nodiscard]] inline std::string to_string(const ImageShape& shape) {
    return std::to_string(shape.channels) + "x" + std::to_string(shape.height) + "x" +
           std::to_string(shape.width);
}

}  // namespace xtnn
