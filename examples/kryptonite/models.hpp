#pragma once
// The paper's two networks ("Wide and Deep Neural Network on Kryptonite-n",
// ImpCML 2024) as plain xtnn compositions. Copy either into your project.
#include <cstddef>

#include <xtnn/xtnn.hpp>

namespace paper {

struct ModelOptions {
    double dropout = 0.3;
    double l2 = 1e-3;  // on every hidden Dense kernel (Keras semantics: λ·Σw²)
};

// One deep block: Dense → ReLU → BatchNorm → Dropout, the paper's order.
template <xtnn::Real T>
auto deep_block(std::size_t in, std::size_t out, const ModelOptions& o) {
    using namespace xtnn;
    return Sequential(Dense<T>(in, out, L2(o.l2)), ReLU(), BatchNorm<T>(out), Dropout(o.dropout));
}

// FCNN (§2.3): n → 128 → 64 → 1, sigmoid output.
template <xtnn::Real T>
auto make_fcnn(std::size_t n, const ModelOptions& o = {}) {
    using namespace xtnn;
    return Sequential(deep_block<T>(n, 128, o), deep_block<T>(128, 64, o), Dense<T>(64, 1), Sigmoid());
}

// WDNN (§2.5): a wide Dense(n→256)·ReLU beside a deep 256 → 128 → 64 stack,
// concatenated (256 + 64 = 320) into Dense(320→1)·Sigmoid.
template <xtnn::Real T>
auto make_wdnn(std::size_t n, const ModelOptions& o = {}) {
    using namespace xtnn;
    auto wide = Sequential(Dense<T>(n, 256, L2(o.l2)), ReLU());
    auto deep = Sequential(deep_block<T>(n, 256, o), deep_block<T>(256, 128, o), deep_block<T>(128, 64, o));
    return Sequential(Parallel(Concat{}, std::move(wide), std::move(deep)), Dense<T>(320, 1), Sigmoid());
}

}  // namespace paper
