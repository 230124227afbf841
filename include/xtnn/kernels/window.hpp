#pragma once
// Window: where a sliding window (a convolution kernel, a pooling window)
// visits one channels-first image, in plain numbers. The layers build it from
// their options (layers/spatial.hpp); the kernels (im2col, pooling) only read it.
#include <algorithm>
#include <cstddef>

namespace xtnn::detail {

struct Window {
    std::size_t channels = 0, in_height = 0, in_width = 0;
    std::size_t kernel_height = 0, kernel_width = 0;
    std::size_t stride_height = 0, stride_width = 0;
    std::size_t pad_top = 0, pad_left = 0;  // zeros (or nothing, for pooling) before the first row / column
    std::size_t out_height = 0, out_width = 0;

    std::size_t in_plane() const { return in_height * in_width; }
    std::size_t out_plane() const { return out_height * out_width; }
    std::size_t in_size() const { return channels * in_plane(); }
    // Values under the window across all channels: the rows of an im2col matrix.
    std::size_t patch() const { return channels * kernel_height * kernel_width; }
    // Zeros after the image: what the last window reaches beyond it (0 when the
    // stride leaves trailing inputs unvisited), so floor((in + pads - kernel) /
    // stride) + 1, ONNX's and oneDNN's output size, gives out_height / out_width.
    std::size_t pad_bottom() const { return reach_beyond(out_height, stride_height, kernel_height, in_height, pad_top); }
    std::size_t pad_right() const { return reach_beyond(out_width, stride_width, kernel_width, in_width, pad_left); }

    friend bool operator==(const Window&, const Window&) = default;

private:
    static std::size_t reach_beyond(std::size_t outputs, std::size_t stride, std::size_t size, std::size_t extent,
                                    std::size_t before) {
        const std::size_t reach = (outputs - 1) * stride + size;
        return reach > extent + before ? reach - extent - before : 0;
    }
};

// A half-open range of indices.
struct IndexRange {
    std::size_t first = 0;
    std::size_t last = 0;
};

// The output positions [first, last) along one axis whose input position
// o·stride + offset − pad falls inside [0, extent), for a window offset `offset`.
inline IndexRange inside_outputs(std::size_t offset, std::size_t stride, std::size_t pad, std::size_t extent,
                                 std::size_t outputs) {
    // o·s + offset ≥ pad  ⇔  o ≥ ⌈(pad − offset) / s⌉;  o·s + offset < extent + pad  ⇔  o < ⌈(extent + pad − offset) / s⌉.
    const std::size_t first = pad > offset ? (pad - offset + stride - 1) / stride : 0;
    const std::size_t end = extent + pad > offset ? (extent + pad - offset + stride - 1) / stride : 0;
    const std::size_t last = std::min(end, outputs);
    return {std::min(first, last), last};
}

// Input rows (or columns) [first, last) under the window at output position o, clipped to the image.
inline IndexRange window_inputs(std::size_t o, std::size_t stride, std::size_t size, std::size_t pad,
                                std::size_t extent) {
    const std::size_t start = o * stride;  // in padded coordinates
    const std::size_t first = start > pad ? start - pad : 0;
    const std::size_t last = std::min(start + size > pad ? start + size - pad : 0, extent);
    return {std::min(first, last), last};
}

}  // namespace xtnn::detail
