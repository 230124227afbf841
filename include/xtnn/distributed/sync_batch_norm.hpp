#pragma once
// synchronize_batch_norm(model, comm): every BatchNorm of a static model
// normalizes with the statistics of the global batch (all ranks' rows), not
// its own rank's; as PyTorch's SyncBatchNorm. Costs two small allreduces per
// BatchNorm in forward and two in backward. `comm` must outlive the model's
// training.
#include <memory>
#include <span>
#include <type_traits>

#include "../compose/children.hpp"
#include "../core/tensor.hpp"
#include "../layers/statistics_reducer.hpp"
#include "communicator.hpp"

namespace xtnn::distributed {

// Sums statistics across the ranks of a communicator.
template <Real T>
class AllreduceStatistics final : public StatisticsReducer<T> {
public:
    explicit AllreduceStatistics(const Communicator& comm) : comm_(&comm) {}
    void sum(std::span<T> values) const override { comm_->allreduce_sum(values); }

private:
    const Communicator* comm_;
};

template <class Model>
void synchronize_batch_norm(Model& model, const Communicator& comm) {
    for_each_module(model, [&](auto& module) {
        using M = std::remove_cvref_t<decltype(module)>;
        if constexpr (SynchronizesStatistics<M>) {
            using T = typename M::value_type;
            module.synchronize_statistics(std::make_shared<const AllreduceStatistics<T>>(comm));
        }
    });
}

}  // namespace xtnn::distributed
