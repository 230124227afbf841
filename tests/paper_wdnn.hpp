#pragma once
// The paper's Wide-and-Deep network in float (examples/kryptonite/models.hpp has
// the example's own builder; tests keep theirs beside them): wide Dense(n→256)
// + ReLU, deep three Dense → ReLU → BatchNorm → Dropout(0.3) blocks 256 → 128 → 64,
// concatenated, then Dense(320→1) + Sigmoid; L2(1e-3) on every block's kernel.
#include <cstddef>
#include <utility>

#include <xtnn/xtnn.hpp>

namespace xtnn::testing {

inline auto paper_wdnn(std::size_t n) {
    auto wide = Sequential(Dense<float>(n, 256, L2(1e-3)), ReLU());
    auto deep = Sequential(Dense<float>(n, 256, L2(1e-3)), ReLU(), BatchNorm<float>(256), Dropout(0.3),
                           Dense<float>(256, 128, L2(1e-3)), ReLU(), BatchNorm<float>(128), Dropout(0.3),
                           Dense<float>(128, 64, L2(1e-3)), ReLU(), BatchNorm<float>(64), Dropout(0.3));
    return Sequential(Parallel(Concat{}, std::move(wide), std::move(deep)), Dense<float>(320, 1), Sigmoid());
}

}  // namespace xtnn::testing
