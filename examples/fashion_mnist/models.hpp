#pragma once
// The three networks the Fashion-MNIST example trains, each ending in logits
// (CrossEntropy takes them as they are).
#include <xtnn/xtnn.hpp>

namespace fashion {

// The dataset's own benchmark network (benchmark/convnet.py in the package's
// docs, published test accuracy 91.6 %): Conv 5x5x32 same, max-pool 2,
// Conv 5x5x64 same, max-pool 2, Dense 1024 + ReLU, Dropout 0.4, Dense 10.
template <xtnn::Real T>
auto make_benchmark_cnn() {
    using namespace xtnn;
    return Sequential(Conv2D<T>(1, 32, 5, {.padding = Padding::same, .input = fashion_mnist_image}), ReLU(),
                      MaxPool2D(2), Conv2D<T>(32, 64, 5, {.padding = Padding::same}), ReLU(), MaxPool2D(2),
                      Dense<T>(7 * 7 * 64, 1024), ReLU(), Dropout(0.4), Dense<T>(1024, 10));
}

// The same network with BatchNorm over the channels after each convolution
// (Conv → BatchNorm → ReLU, the usual order since Ioffe & Szegedy).
template <xtnn::Real T>
auto make_batchnorm_cnn() {
    using namespace xtnn;
    return Sequential(Conv2D<T>(1, 32, 5, {.padding = Padding::same, .input = fashion_mnist_image}),
                      BatchNorm2D<T>(32), ReLU(), MaxPool2D(2), Conv2D<T>(32, 64, 5, {.padding = Padding::same}),
                      BatchNorm2D<T>(64), ReLU(), MaxPool2D(2), Dense<T>(7 * 7 * 64, 1024), ReLU(), Dropout(0.4),
                      Dense<T>(1024, 10));
}

// A plain MLP on the 784 pixels, for comparison.
template <xtnn::Real T>
auto make_mlp() {
    using namespace xtnn;
    return Sequential(Dense<T>(28 * 28, 256), ReLU(), Dropout(0.2), Dense<T>(256, 128), ReLU(), Dropout(0.2),
                      Dense<T>(128, 10));
}

}  // namespace fashion
