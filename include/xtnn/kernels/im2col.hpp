#pragma once
// im2col / col2im for one channels-first image, so a convolution is one gemm.
//
// The column matrix has one row per (channel, kernel row, kernel column), in
// that order (the order of a PyTorch (out, in, kh, kw) kernel's trailing
// axes), and one column per output position (row-major). Positions where the
// window hangs over the padding hold zeros. col2im is its adjoint: it sums
// every column entry back into the input position it was copied from.
#include <algorithm>
#include <cstddef>

#include "window.hpp"

namespace xtnn::detail {

// The map between the column matrix and the image, as stretches:
// copy(col_index, image_index, count) for `count` consecutive column entries
// taken from image_index + i·stride_width, and pad(col_index, count) for the
// entries over the padding. im2col and col2im walk the same map.
template <class Copy, class Pad>
void for_each_patch_row(const Window& w, Copy&& copy, Pad&& pad) {
    const std::size_t plane = w.out_plane();
    std::size_t row = 0;
    for (std::size_t c = 0; c < w.channels; ++c) {
        for (std::size_t ki = 0; ki < w.kernel_height; ++ki) {
            const IndexRange ys = inside_outputs(ki, w.stride_height, w.pad_top, w.in_height, w.out_height);
            for (std::size_t kj = 0; kj < w.kernel_width; ++kj, ++row) {
                const IndexRange xs = inside_outputs(kj, w.stride_width, w.pad_left, w.in_width, w.out_width);
                const std::size_t col_base = row * plane;
                pad(col_base, ys.first * w.out_width);
                for (std::size_t oy = ys.first; oy < ys.last; ++oy) {
                    const std::size_t iy = oy * w.stride_height + ki - w.pad_top;
                    const std::size_t out_row = col_base + oy * w.out_width;
                    pad(out_row, xs.first);
                    if (xs.last > xs.first) {
                        const std::size_t ix = xs.first * w.stride_width + kj - w.pad_left;
                        copy(out_row + xs.first, c * w.in_plane() + iy * w.in_width + ix, xs.last - xs.first);
                    }
                    pad(out_row + xs.last, w.out_width - xs.last);
                }
                pad(col_base + ys.last * w.out_width, (w.out_height - ys.last) * w.out_width);
            }
        }
    }
}

// col (patch() x out_plane()) = the patches of `image` (in_size() values).
template <class T>
void im2col(const T* image, const Window& w, T* col) {
    const std::size_t stride = w.stride_width;
    for_each_patch_row(
        w,
        [&](std::size_t to, std::size_t from, std::size_t count) {
            // A plain loop, not copy_n: the stretches are a few values long, shorter than a memmove call.
            T* dst = col + to;
            const T* src = image + from;
            if (stride == 1) {
                for (std::size_t i = 0; i < count; ++i) dst[i] = src[i];
            } else {
                for (std::size_t i = 0; i < count; ++i) dst[i] = src[i * stride];
            }
        },
        [&](std::size_t to, std::size_t count) {
            for (std::size_t i = 0; i < count; ++i) col[to + i] = T(0);
        });
}

// image (in_size() values) = the adjoint of im2col applied to `col`: overwritten, not accumulated.
template <class T>
void col2im(const T* col, const Window& w, T* image) {
    std::fill_n(image, w.in_size(), T(0));
    const std::size_t stride = w.stride_width;
    for_each_patch_row(
        w,
        [&](std::size_t from, std::size_t to, std::size_t count) {
            if (stride == 1) {
                T* dst = image + to;
                const T* src = col + from;
                for (std::size_t i = 0; i < count; ++i) dst[i] += src[i];
            } else {
                for (std::size_t i = 0; i < count; ++i) image[to + i * stride] += col[from + i];
            }
        },
        [](std::size_t, std::size_t) {});
}

}  // namespace xtnn::detail
