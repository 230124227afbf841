#pragma once
// synchronize_batch_norm(model, comm): every BatchNorm of a static model
// normalizes with the statistics of the global batch (all ranks' rows), not
// its own rank's; as PyTorch's SyncBatchNorm. Costs two small allreduces per
// BatchNorm in forward and two in backward.
#include <span>
#include <type_traits>

#include "../compose/children.hpp"
#include "../layers/batch_norm.hpp"
#include "communicator.hpp"

namespace xtnn::distributed {

template <class Model>
void synchronize_batch_norm(Model& model, const Communicator& comm) {
    for_each_module(model, [&](auto& module) {
        using M = std::remove_cvref_t<decltype(module)>;
        if constexpr (requires { typename M::StatisticsSync; }) {
            using T = typename M::value_type;
            module.synchronize_statistics(typename M::StatisticsSync{
                const_cast<Communicator*>(&comm),
                [](void* context, std::span<T> values) { static_cast<Communicator*>(context)->allreduce_sum(values); }});
        }
    });
}

}  // namespace xtnn::distributed
