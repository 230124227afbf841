// Data-parallel training over MPI: every rank holds the whole model and a
// shard of the data; gradients are averaged across ranks after each step, so
// the replicas stay identical. Run it under mpirun (docs/distributed.md):
//   mpirun -np 2 build/examples/distributed_fit
#include <algorithm>
#include <cstdio>
#include <exception>
#include <span>
#include <vector>

#include <xtnn/distributed.hpp>
#include <xtnn/xtnn.hpp>

using namespace xtnn;
namespace dist = xtnn::distributed;

int train(const dist::Communicator& comm) {
    // Every rank makes the same data and split (same seeds), then keeps its shard.
    auto [train, val] = train_test_split(make_xor<float>(3, 2000, 0.1, 11), 0.2, 42);
    FitOptions options;
    options.epochs = 30;
    options.batch_size = 32 / static_cast<std::size_t>(comm.size());  // per rank: the global batch is 32
    options.seed = 42;
    const Dataset<float> my_train = dist::shard(train, comm.rank(), comm.size(), options.batch_size);
    const Dataset<float> my_val = dist::shard(val, comm.rank(), comm.size(), options.batch_size);

    auto model = Sequential(Dense<float>(3, 16), ReLU(), Dense<float>(16, 1), Sigmoid());
    Adam<float> optimizer(0.01);
    // Metrics and callback decisions are computed over all ranks, so early
    // stopping ends every rank at the same epoch; only rank 0 prints.
    const History history = dist::fit(comm, model, optimizer, BinaryCrossEntropy{}, my_train, my_val, options,
                                      EarlyStopping{.patience = 5, .restore_best_weights = true},
                                      dist::root_only(comm, ProgressBar{.prefix = "rank 0", .every = 10}));

    // The replicas must hold the same weights, bit for bit: every rank compares its own with rank 0's.
    const auto mine = parameters(model).values;
    std::vector<float> root_weights(mine.begin(), mine.end());
    comm.broadcast(std::span<float>(root_weights));
    const int differing = comm.allreduce_sum(std::equal(mine.begin(), mine.end(), root_weights.begin()) ? 0 : 1);

    const double accuracy = evaluate(model, val, Accuracy{});  // every rank can evaluate the whole set
    if (comm.is_root()) {
        std::printf("%d ranks, %zu epochs: validation accuracy %.3f; ranks whose weights differ from rank 0's: %d\n",
                    comm.size(), history.size(), accuracy, differing);
    }
    return differing == 0 && accuracy >= 0.9 ? 0 : 1;
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int status = 1;
    {
        const dist::Communicator comm;  // MPI_COMM_WORLD
        try {
            status = train(comm);
        } catch (const std::exception& e) {
            comm.abort(e.what());  // the other ranks would otherwise wait forever in a collective
        }
    }
    MPI_Finalize();
    return status;
}
