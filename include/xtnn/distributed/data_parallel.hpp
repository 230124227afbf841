#pragma once
// Data-parallel fit over MPI: every rank holds a shard of the training (and
// validation) data and a replica of the model. Rank 0's initial weights are
// broadcast; after each backward the gradients are averaged with one in-place
// MPI_Allreduce over the model's single contiguous gradient buffer (no
// packing); training and validation statistics are reduced, so callbacks
// (early stopping, schedules) see the same numbers and decide the same on
// every rank. A rank that throws aborts the whole job with its message.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../train/fit.hpp"
#include "communicator.hpp"

namespace xtnn::distributed {

namespace detail {

class DataParallel {
public:
    explicit DataParallel(const Communicator& comm) : comm_(comm) {}

    std::uint64_t process() const { return static_cast<std::uint64_t>(comm_.rank()); }
    bool writes_files() const { return comm_.is_root(); }

    template <Real T>
    void share_initial_weights(std::span<T> weights) const {
        comm_.broadcast(weights, 0);
    }

    // Weights each rank's mean gradient by its share of the global batch, so
    // the sum is the gradient of the global batch's mean loss even when the
    // ranks' batches differ in size.
    template <Real T>
    double synchronize_step(std::span<T> grads, double loss, std::size_t rows) const {
        double totals[2] = {static_cast<double>(rows), loss * static_cast<double>(rows)};
        comm_.allreduce_sum(std::span<double>(totals, 2));
        const auto share = static_cast<T>(static_cast<double>(rows) / totals[0]);
        for (T& g : grads) g *= share;
        comm_.allreduce_sum(grads);
        return totals[1] / totals[0];
    }

    double sum(double value) const { return comm_.allreduce_sum(value); }

    // Every rank must run the same number of steps (each one is a collective).
    std::size_t common_steps(std::size_t local_steps) const {
        unsigned long long steps = local_steps;
        check_mpi(
            MPI_Allreduce(MPI_IN_PLACE, &steps, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, comm_.native()),
            "MPI_Allreduce(MIN)");
        return static_cast<std::size_t>(steps);
    }

    template <Real T>
    const Tensor<T>& all_rows(const Tensor<T>& local, Tensor<T>& scratch) const {
        comm_.allgather_rows(local, scratch);
        return scratch;
    }

private:
    const Communicator& comm_;
};

}  // namespace detail

// fit, data-parallel: call it on every rank with that rank's shards (see
// shard()). options.batch_size is the per-rank batch; the global batch is
// its sum over ranks. Ranks whose shard has more batches than the smallest
// skip the extra ones each epoch. Only rank 0 should write files: wrap
// writing callbacks (ProgressBar, CSVLogger, ModelCheckpoint) in root_only().
template <Model M, Optimizer O, Loss<value_type_t<M>> L, Callback<value_type_t<M>>... Cs>
History fit(const Communicator& comm, M& model, O& optimizer, const L& loss, const Dataset<value_type_t<M>>& train,
            const Dataset<value_type_t<M>>& validation, const FitOptions& options, Cs&&... callbacks) {
    try {
        return xtnn::detail::fit_with(detail::DataParallel(comm), model, optimizer, loss, train, validation, options,
                                      callbacks...);
    } catch (const std::exception& e) {
        comm.abort(e.what());
    }
}

// A callback that acts on rank 0 only (for callbacks that print or write files).
template <class C>
struct RootOnly {
    C callback;
    bool root;

    template <class State>
    void on_train_begin(State& s) {
        if (root) xtnn::detail::on_train_begin(callback, s);
    }
    template <class State>
    void on_epoch_begin(State& s) {
        if (root) xtnn::detail::on_epoch_begin(callback, s);
    }
    template <class State>
    void on_batch_end(State& s, double loss) {
        if (root) xtnn::detail::on_batch_end(callback, s, loss);
    }
    template <class State>
    void on_epoch_end(State& s) {
        if (root) xtnn::detail::on_epoch_end(callback, s);
    }
    template <class State>
    void on_train_end(State& s) {
        if (root) xtnn::detail::on_train_end(callback, s);
    }
};

template <class C>
RootOnly<C> root_only(const Communicator& comm, C callback) {
    return {std::move(callback), comm.is_root()};
}

}  // namespace xtnn::distributed
