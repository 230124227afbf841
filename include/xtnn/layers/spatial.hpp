#pragma once
// What the image layers (Conv2D, pooling) share: window sizes, padding, and
// turning an input image and those options into a detail::Window.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/image_shape.hpp"
#include "../kernels/window.hpp"

namespace xtnn {

// A kernel, pooling window or stride: height x width; one number means a square.
struct Size2D {
    std::size_t height = 1;
    std::size_t width = 1;

    constexpr Size2D(std::size_t both) : Size2D(both, both) {}  // implicit: Conv2D(1, 32, 5) is 5x5
    constexpr Size2D(std::size_t h, std::size_t w) : height(h), width(w) {}

    friend constexpr bool operator==(const Size2D&, const Size2D&) = default;
};

// "5x5"
[[nodiscard]] inline std::string to_string(Size2D size) {
    return std::to_string(size.height) + "x" + std::to_string(size.width);
}

// Padding::valid (none, the default), Padding::same (output = ⌈input / stride⌉,
// as Keras and PyTorch: the zeros split evenly, an odd one at the bottom and
// right), or explicit zeros on each side: `.padding = 2` or `Padding{2, 1}`
// (rows, columns), as PyTorch's padding=2.
struct Padding {
    enum class Kind { valid, same, explicit_ };
    Kind kind = Kind::valid;
    std::size_t height = 0;  // explicit: zero rows above and below
    std::size_t width = 0;   // explicit: zero columns left and right

    constexpr Padding() = default;
    constexpr Padding(std::size_t both) : Padding(both, both) {}  // implicit: `.padding = 2`
    constexpr Padding(std::size_t rows, std::size_t cols) : kind(Kind::explicit_), height(rows), width(cols) {}

    static const Padding valid;
    static const Padding same;

    friend constexpr bool operator==(const Padding&, const Padding&) = default;

private:
    constexpr explicit Padding(Kind k) : kind(k) {}
};

inline constexpr Padding Padding::valid{};
inline constexpr Padding Padding::same{Padding::Kind::same};

// "valid", "same", "padding 2" or "padding 2x1"
[[nodiscard]] inline std::string to_string(const Padding& padding) {
    switch (padding.kind) {
        case Padding::Kind::valid: return "valid";
        case Padding::Kind::same: return "same";
        case Padding::Kind::explicit_: break;
    }
    return padding.height == padding.width ? "padding " + std::to_string(padding.height)
                                           : "padding " + to_string(Size2D{padding.height, padding.width});
}

namespace detail {

// Zeros before the first input (top or left) and the output extent along one axis.
struct AxisPlan {
    std::size_t pad_before = 0;
    std::size_t outputs = 0;
};

// `who` names the layer in messages (a callable, built only on failure).
template <class Who>
AxisPlan plan_axis(std::size_t extent, std::size_t size, std::size_t stride, Padding::Kind kind,
                   std::size_t explicit_pad, const char* axis, const Who& who) {
    if (kind == Padding::Kind::same) {
        const std::size_t outputs = (extent + stride - 1) / stride;
        const std::size_t covered = (outputs - 1) * stride + size;
        const std::size_t total = covered > extent ? covered - extent : 0;
        return {total / 2, outputs};
    }
    const std::size_t pad = kind == Padding::Kind::explicit_ ? explicit_pad : 0;
    if (extent + 2 * pad < size) {
        fail(who(), ": the input ", axis, " ", extent, (pad > 0 ? concat(" (padded ", extent + 2 * pad, ")") : ""),
             " is smaller than the window's ", size);
    }
    return {pad, (extent + 2 * pad - size) / stride + 1};
}

// The window of a layer with these options over `image`.
template <class Who>
Window make_window(ImageShape image, Size2D size, Size2D stride, const Padding& padding, const Who& who) {
    if (image.channels == 0 || image.height == 0 || image.width == 0) {
        fail(who(), ": the input image ", to_string(image), " is empty");
    }
    const AxisPlan rows = plan_axis(image.height, size.height, stride.height, padding.kind, padding.height, "height", who);
    const AxisPlan cols = plan_axis(image.width, size.width, stride.width, padding.kind, padding.width, "width", who);
    return {image.channels, image.height, image.width, size.height, size.width, stride.height, stride.width,
            rows.pad_before, cols.pad_before, rows.outputs, cols.outputs};
}

// ONNX's kernel_shape, strides and pads (top, left, bottom, right) for a window.
inline std::vector<std::pair<std::string, GraphAttribute>> window_attributes(const Window& w) {
    const auto i64 = [](std::size_t v) { return static_cast<std::int64_t>(v); };
    return {{"kernel_shape", std::vector<std::int64_t>{i64(w.kernel_height), i64(w.kernel_width)}},
            {"strides", std::vector<std::int64_t>{i64(w.stride_height), i64(w.stride_width)}},
            {"pads", std::vector<std::int64_t>{i64(w.pad_top), i64(w.pad_left), i64(w.pad_bottom()), i64(w.pad_right())}}};
}

// Throws unless every extent of a window size or stride is positive.
inline void check_positive(Size2D size, const char* what, const std::string& who) {
    if (size.height == 0 || size.width == 0) fail(who, ": ", what, " must be positive, got ", to_string(size));
}

}  // namespace detail
}  // namespace xtnn
