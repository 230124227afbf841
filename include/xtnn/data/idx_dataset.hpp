#pragma once
// Image classification data from a pair of IDX files, the form of MNIST and
// Fashion-MNIST: images (count x height x width, or count x channels x height
// x width) and labels (count unsigned bytes). A Dataset row is one image,
// channels-first: C·H·W values, channel after channel, each row after row.
#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "../core/check_finite.hpp"
#include "../core/error.hpp"
#include "../core/image_shape.hpp"
#include "../core/tensor.hpp"
#include "../io/idx.hpp"
#include "dataset.hpp"

namespace xtnn {

// A Dataset whose rows are images of one shape (image.size() == features()).
// Labels are one column of class ids stored as T, as CrossEntropy and the
// classification metrics read them. Splits give plain Datasets.
template <Real T>
struct ImageDataset : Dataset<T> {
    ImageShape image{};

    // The rows `indices`, in that order, still knowing their image shape.
    ImageDataset subset(std::span<const std::size_t> indices) const {
        return {Dataset<T>::subset(indices), image};
    }
};

struct IdxDatasetOptions {
    std::optional<std::size_t> classes{};  // every label must be below it (nullopt: any byte)
    IdxLimits limits{};                  // per file
};

// Rank 3 (count x H x W) is one channel; rank 4 is count x C x H x W.
inline ImageShape idx_image_shape(const IdxArray& images) {
    const auto& s = images.shape;
    if (s.size() != 3 && s.size() != 4) {
        detail::fail(images.source, ": images must have rank 3 (count x height x width) or 4 (count x ",
                     "channels x height x width); found shape ", detail::shape_text(s),
                     s.size() == 1 ? " (a labels file?)" : "");
    }
    const ImageShape shape = s.size() == 3 ? ImageShape{1, s[1], s[2]} : ImageShape{s[1], s[2], s[3]};
    if (s[0] == 0) detail::fail(images.source, ": the file holds no images");
    if (shape.size() == 0) detail::fail(images.source, ": images of shape ", to_string(shape), " hold no pixels");
    return shape;
}

// One row per image. Unsigned bytes are scaled by 1/255 to [0, 1]; float32
// and float64 pixels are taken as they are and must be finite. Other element
// types have no agreed scale and are refused.
template <Real T>
Tensor<T> idx_image_rows(const IdxArray& images) {
    const std::size_t pixels = idx_image_shape(images).size();
    Tensor<T> rows({images.shape[0], pixels});
    const std::span<T> out(rows.data(), rows.size());
    if (images.type == IdxType::ubyte) {
        // A table of the 256 exact quotients: v / 255 without a division per pixel.
        std::array<T, 256> scaled{};
        for (std::size_t v = 0; v < scaled.size(); ++v) scaled[v] = static_cast<T>(v) / T(255);
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = scaled[std::to_integer<std::size_t>(images.data[i])];
    } else if (images.type == IdxType::float32 || images.type == IdxType::float64) {
        images.copy_values(out);
        check_finite(rows, images.source);
    } else {
        detail::fail(images.source, ": image pixels must be unsigned bytes (0x08, scaled to [0, 1]) or ",
                     "floating point; found ", idx_type_name(images.type));
    }
    return rows;
}

// One column of class ids from a rank-1 array of unsigned bytes.
template <Real T>
Tensor<T> idx_class_labels(const IdxArray& labels, std::optional<std::size_t> classes) {
    if (labels.rank() != 1) {
        detail::fail(labels.source, ": labels must have rank 1 (one class id per image); found shape ",
                     detail::shape_text(labels.shape), labels.rank() >= 3 ? " (an images file?)" : "");
    }
    if (labels.type != IdxType::ubyte) {
        detail::fail(labels.source, ": labels must be unsigned bytes (0x08); found ", idx_type_name(labels.type));
    }
    Tensor<T> column({labels.shape[0], std::size_t{1}});
    for (std::size_t i = 0; i < labels.data.size(); ++i) {
        const auto id = std::to_integer<std::size_t>(labels.data[i]);
        if (classes && id >= *classes) {
            detail::fail(labels.source, ": label ", id, " at index ", i, " is not a class id (expected 0 to ",
                         *classes - 1, ")");
        }
        column(i, 0) = static_cast<T>(id);
    }
    return column;
}

namespace detail {

template <Real T>
ImageDataset<T> image_dataset(const IdxArray& images, Tensor<T> labels, std::string_view labels_source) {
    const ImageShape shape = idx_image_shape(images);
    if (labels.shape(0) != images.shape[0]) {
        fail(images.source, " holds ", images.shape[0], " images but ", labels_source, " holds ",
             labels.shape(0), " labels");
    }
    return {{idx_image_rows<T>(images), std::move(labels)}, shape};
}

}  // namespace detail

// The dataset of parsed images and labels, one label per image.
template <Real T>
ImageDataset<T> idx_dataset(const IdxArray& images, const IdxArray& labels, std::optional<std::size_t> classes) {
    return detail::image_dataset(images, idx_class_labels<T>(labels, classes), labels.source);
}

// Reads both files, raw or gzip-compressed (told apart by their first bytes).
template <Real T>
ImageDataset<T> load_idx(const std::filesystem::path& images_path, const std::filesystem::path& labels_path,
                         const IdxDatasetOptions& options = {}) {
    // Labels first: they are small, and a wrong file should fail before 47 MB of images are inflated.
    const IdxArray labels = read_idx(labels_path, options.limits);
    Tensor<T> y = idx_class_labels<T>(labels, options.classes);
    return detail::image_dataset(read_idx(images_path, options.limits), std::move(y), labels.source);
}

}  // namespace xtnn
