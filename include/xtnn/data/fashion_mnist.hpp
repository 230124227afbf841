#pragma once
// Fashion-MNIST (Zalando, 2017): 60,000 training and 10,000 test grayscale
// images of 28 x 28 pixels in 10 classes of clothing, as four IDX files.
// Debian's `dataset-fashion-mnist` package installs them in
// fashion_mnist_default_dir; any folder holding the four files works too.
#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "../core/error.hpp"
#include "../core/image_shape.hpp"
#include "../core/tensor.hpp"
#include "idx_dataset.hpp"

namespace xtnn {

inline constexpr std::string_view fashion_mnist_default_dir = "/usr/share/datasets/fashion-mnist";

// Class names by label, from the dataset's README.
inline constexpr std::array<std::string_view, 10> fashion_mnist_classes{
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

inline constexpr ImageShape fashion_mnist_image{1, 28, 28};

template <Real T>
struct FashionMnist {
    ImageDataset<T> train;
    ImageDataset<T> test;
};

namespace detail {

// The file names of the original distribution, each optionally ending in .gz.
inline constexpr std::array<std::string_view, 4> fashion_mnist_files{
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

inline std::string fashion_mnist_help() {
    return concat("; expected the files ", fashion_mnist_files[0], ", ", fashion_mnist_files[1], ", ",
                  fashion_mnist_files[2], " and ", fashion_mnist_files[3],
                  ", each gzip-compressed (.gz) or not (on Debian, `apt-get install dataset-fashion-mnist` puts "
                  "them in ",
                  fashion_mnist_default_dir, ")");
}

// The paths of the four files (gzip-compressed preferred), or an error naming the missing ones.
inline std::array<std::filesystem::path, 4> fashion_mnist_paths(const std::filesystem::path& dir) {
    std::error_code ignored;
    if (!std::filesystem::is_directory(dir, ignored)) {
        fail("Fashion-MNIST: '", dir.string(), "' is not a directory", fashion_mnist_help());
    }
    std::array<std::filesystem::path, 4> paths;
    std::string missing;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const std::string name(fashion_mnist_files[i]);
        for (const std::string& candidate : {name + ".gz", name}) {
            if (paths[i].empty() && std::filesystem::is_regular_file(dir / candidate, ignored)) {
                paths[i] = dir / candidate;
            }
        }
        if (paths[i].empty()) missing += concat(missing.empty() ? "" : ", ", name);
    }
    if (!missing.empty()) {
        fail("Fashion-MNIST: '", dir.string(), "' lacks ", missing, fashion_mnist_help());
    }
    return paths;
}

template <Real T>
ImageDataset<T> load_fashion_mnist_part(const std::filesystem::path& images, const std::filesystem::path& labels) {
    ImageDataset<T> part = load_idx<T>(images, labels, {.classes = fashion_mnist_classes.size()});
    if (part.image != fashion_mnist_image) {
        fail(images.string(), ": Fashion-MNIST images are ", to_string(fashion_mnist_image), ", found ",
             to_string(part.image));
    }
    return part;
}

}  // namespace detail

// Training and test sets: pixels in [0, 1], rows of 784 values, labels 0-9
// (names in fashion_mnist_classes).
template <Real T>
FashionMnist<T> load_fashion_mnist(const std::filesystem::path& dir = fashion_mnist_default_dir) {
    const auto paths = detail::fashion_mnist_paths(dir);
    return {detail::load_fashion_mnist_part<T>(paths[0], paths[1]),
            detail::load_fashion_mnist_part<T>(paths[2], paths[3])};
}

}  // namespace xtnn
