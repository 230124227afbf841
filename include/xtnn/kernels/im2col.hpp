#pragma once
// im2col / col2im for one channels-first image, so a convolution is one gemm.
//
// The column matrix has one row per (channel, kernel row, kernel column), in
// that order (the order of a PyTorch (out, in, kh, kw) kernel's trailing
// axes), and one column per output position (row-major). Positions where the
// window hangs over the padding hold zeros. col2im is its adjoint: it sums
// every column entry back into the input position it was copied from.
//
// Both work on planes every window lies inside: the image itself when there is
// no padding, else a copy with its zero border in a scratch buffer the caller
// owns (bordered_size() values). Then each output row of a column-matrix row is
// one plain (strided) copy with no bounds to test, a memcpy at stride 1: the
// padding logic runs once per image instead of once per copied stretch. At the
// Fashion-MNIST CNN's second convolution this halves im2col's instructions
// (callgrind: 2.1x fewer; docs/benchmarks.md).
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "window.hpp"

namespace xtnn::detail {

// The extent of the padded planes: up to the far edge of the last window.
inline std::size_t bordered_height(const Window& w) { return (w.out_height - 1) * w.stride_height + w.kernel_height; }
inline std::size_t bordered_width(const Window& w) { return (w.out_width - 1) * w.stride_width + w.kernel_width; }

// True when every window lies inside the image, so no bordered copy is needed.
inline bool windows_inside_image(const Window& w) {
    return w.pad_top == 0 && w.pad_left == 0 && bordered_height(w) <= w.in_height && bordered_width(w) <= w.in_width;
}

// Scratch values im2col and col2im need for `w` (0 when the windows lie inside the image).
inline std::size_t bordered_size(const Window& w) {
    return windows_inside_image(w) ? 0 : w.channels * bordered_height(w) * bordered_width(w);
}

// Channel planes in memory: value (c, y, x) at data[c·plane_pitch + y·row_pitch + x].
template <class T>
struct Planes {
    T* data;
    std::size_t row_pitch;
    std::size_t plane_pitch;
};

// The part of the image a bordered plane holds (all of it unless the last windows stop short of the far edges).
struct BorderedCrop {
    std::size_t rows, cols;
};

inline BorderedCrop bordered_crop(const Window& w) {
    const std::size_t height = bordered_height(w), width = bordered_width(w);
    return {height > w.pad_top ? std::min(w.in_height, height - w.pad_top) : 0,
            width > w.pad_left ? std::min(w.in_width, width - w.pad_left) : 0};
}

// The image as planes that every window lies inside: itself, or a zero-bordered copy in `scratch`.
template <class T>
Planes<const T> bordered_image(const T* image, const Window& w, T* scratch) {
    if (windows_inside_image(w)) return {image, w.in_width, w.in_plane()};
    const std::size_t width = bordered_width(w), plane = bordered_height(w) * width;
    std::fill_n(scratch, w.channels * plane, T(0));
    const BorderedCrop crop = bordered_crop(w);
    for (std::size_t c = 0; c < w.channels; ++c) {
        for (std::size_t y = 0; y < crop.rows; ++y) {
            std::copy_n(image + c * w.in_plane() + y * w.in_width, crop.cols,
                        scratch + c * plane + (y + w.pad_top) * width + w.pad_left);
        }
    }
    return {scratch, width, plane};
}

// Calls f(column-matrix row, first plane value of its first output) for every
// (channel, kernel row, kernel column); output (oy, ox) then reads the value at
// oy·stride_height·row_pitch + ox·stride_width from there.
template <class T, class F>
void for_each_kernel_offset(const Window& w, Planes<T> planes, F&& f) {
    std::size_t row = 0;
    for (std::size_t c = 0; c < w.channels; ++c) {
        for (std::size_t ki = 0; ki < w.kernel_height; ++ki) {
            for (std::size_t kj = 0; kj < w.kernel_width; ++kj, ++row) {
                f(row, planes.data + c * planes.plane_pitch + ki * planes.row_pitch + kj);
            }
        }
    }
}

// col (patch() x out_plane()) = the patches of `image` (in_size() values);
// `scratch` holds bordered_size(w) values.
template <class T>
void im2col(const T* image, const Window& w, T* scratch, T* col) {
    const Planes<const T> planes = bordered_image(image, w, scratch);
    const std::size_t stride = w.stride_width, step = w.stride_height * planes.row_pitch;
    for_each_kernel_offset(w, planes, [&](std::size_t row, const T* first) {
        T* dst = col + row * w.out_plane();
        for (std::size_t oy = 0; oy < w.out_height; ++oy, dst += w.out_width) {
            const T* src = first + oy * step;
            if (stride == 1) {
                std::memcpy(dst, src, w.out_width * sizeof(T));
            } else {
                for (std::size_t ox = 0; ox < w.out_width; ++ox) dst[ox] = src[ox * stride];
            }
        }
    });
}

// image (in_size() values) = the adjoint of im2col applied to `col`: overwritten,
// not accumulated; `scratch` holds bordered_size(w) values.
template <class T>
void col2im(const T* col, const Window& w, T* scratch, T* image) {
    const bool inside = windows_inside_image(w);
    const Planes<T> planes = inside ? Planes<T>{image, w.in_width, w.in_plane()}
                                    : Planes<T>{scratch, bordered_width(w), bordered_height(w) * bordered_width(w)};
    std::fill_n(planes.data, w.channels * planes.plane_pitch, T(0));
    const std::size_t stride = w.stride_width, step = w.stride_height * planes.row_pitch;
    for_each_kernel_offset(w, planes, [&](std::size_t row, T* first) {
        const T* src = col + row * w.out_plane();
        for (std::size_t oy = 0; oy < w.out_height; ++oy, src += w.out_width) {
            T* dst = first + oy * step;
            if (stride == 1) {
                for (std::size_t ox = 0; ox < w.out_width; ++ox) dst[ox] += src[ox];
            } else {
                for (std::size_t ox = 0; ox < w.out_width; ++ox) dst[ox * stride] += src[ox];
            }
        }
    });
    if (inside) return;
    // Image values under no window (past the last one) get no gradient.
    std::fill_n(image, w.in_size(), T(0));
    const BorderedCrop crop = bordered_crop(w);
    for (std::size_t c = 0; c < w.channels; ++c) {
        for (std::size_t y = 0; y < crop.rows; ++y) {
            std::copy_n(scratch + c * planes.plane_pitch + (y + w.pad_top) * planes.row_pitch + w.pad_left, crop.cols,
                        image + c * w.in_plane() + y * w.in_width);
        }
    }
}

}  // namespace xtnn::detail
