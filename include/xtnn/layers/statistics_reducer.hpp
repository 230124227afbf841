#pragma once
// StatisticsReducer<T>: how a layer whose statistics must cover the global
// batch (BatchNorm in data-parallel training) adds a buffer across processes.
// distributed/sync_batch_norm.hpp implements it over MPI; the layers stay free
// of any communication library.
#include <memory>
#include <span>

#include "../core/tensor.hpp"

namespace xtnn {

template <Real T>
class StatisticsReducer {
public:
    virtual ~StatisticsReducer() = default;
    // Replaces every element by its sum over all processes.
    virtual void sum(std::span<T> values) const = 0;
};

// Modules that can normalize with global statistics take a shared reducer.
template <class M>
concept SynchronizesStatistics =
    requires(M& module, std::shared_ptr<const StatisticsReducer<typename M::value_type>> reducer) {
        module.synchronize_statistics(reducer);
    };

}  // namespace xtnn
