#pragma once
// The paper's WDNN and FCNN (examples/kryptonite/models.hpp) also built the run-time way:
// every layer an AnyModule inside DynamicSequential chains, the two WDNN
// branches joined by a Parallel of two such chains.
#include <cstddef>
#include <utility>

#include <xtnn/xtnn.hpp>

#include "models.hpp"

namespace bench {

template <xtnn::Real T>
void add_deep_block(xtnn::DynamicSequential<T>& chain, std::size_t in, std::size_t out,
                    const paper::ModelOptions& o) {
    using namespace xtnn;
    chain.add(Dense<T>(in, out, L2(o.l2)));
    chain.add(ReLU());
    chain.add(BatchNorm<T>(out));
    chain.add(Dropout(o.dropout));
}

template <xtnn::Real T>
xtnn::DynamicSequential<T> make_dynamic_fcnn(std::size_t n, const paper::ModelOptions& o = {}) {
    using namespace xtnn;
    DynamicSequential<T> model;
    add_deep_block(model, n, 128, o);
    add_deep_block(model, 128, 64, o);
    model.add(Dense<T>(64, 1));
    model.add(Sigmoid());
    return model;
}

template <xtnn::Real T>
xtnn::DynamicSequential<T> make_dynamic_wdnn(std::size_t n, const paper::ModelOptions& o = {}) {
    using namespace xtnn;
    DynamicSequential<T> wide;
    wide.add(Dense<T>(n, 256, L2(o.l2)));
    wide.add(ReLU());
    DynamicSequential<T> deep;
    add_deep_block(deep, n, 256, o);
    add_deep_block(deep, 256, 128, o);
    add_deep_block(deep, 128, 64, o);
    DynamicSequential<T> model;
    model.add(Parallel(Concat{}, std::move(wide), std::move(deep)));
    model.add(Dense<T>(320, 1));
    model.add(Sigmoid());
    return model;
}

}  // namespace bench
