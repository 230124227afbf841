#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include <xtnn/distributed.hpp>
#include <xtnn/xtnn.hpp>

using namespace xtnn;
namespace dist = xtnn::distributed;

namespace {

auto mlp() { return Sequential(Dense<double>(4, 16, L2(1e-3)), Tanh(), Dense<double>(16, 1), Sigmoid()); }

double max_abs_difference(std::span<const double> a, std::span<const double> b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

}  // namespace

TEST_CASE("a p-rank run ends with the weights of a 1-rank run with the same global batch") {
    dist::Communicator comm;
    const std::size_t global_batch = 32;
    REQUIRE(global_batch % static_cast<std::size_t>(comm.size()) == 0);
    const std::size_t local_batch = global_batch / static_cast<std::size_t>(comm.size());
    const auto data = make_xor<double>(4, 512, 0.2, 7);
    auto [train, val, test] = train_val_test_split(data, {0.5, 0.25, 0.25}, 3);

    FitOptions o;
    o.epochs = 5;
    o.seed = 11;
    o.shuffle = false;  // the same row order on one rank and on many

    auto reference = mlp();
    Adam<double> ref_opt(1e-2);
    o.batch_size = global_batch;
    History ref_history = fit(reference, ref_opt, BinaryCrossEntropy{}, train, val, o);

    auto model = mlp();
    Adam<double> opt(1e-2);
    o.batch_size = local_batch;
    const auto my_train = dist::shard(train, comm.rank(), comm.size(), local_batch);
    const auto my_val = dist::shard(val, comm.rank(), comm.size(), local_batch);
    History history = dist::fit(comm, model, opt, BinaryCrossEntropy{}, my_train, my_val, o);

    // Same arithmetic up to the order of floating-point sums (the gradient of
    // each global batch is a sum of per-rank partial sums instead of one sum):
    // differences stay at the level of double rounding, far below 1e-9.
    const auto a = parameters(model).all_values, b = parameters(reference).all_values;
    CHECK(max_abs_difference(a, b) < 1e-9);
    REQUIRE(history.size() == ref_history.size());
    for (std::size_t e = 0; e < history.size(); ++e) {
        CHECK(history.epochs[e].loss == doctest::Approx(ref_history.epochs[e].loss).epsilon(1e-9));
        CHECK(history.epochs[e].val_loss == doctest::Approx(ref_history.epochs[e].val_loss).epsilon(1e-9));
        CHECK(history.epochs[e].metrics.at("val_accuracy") == ref_history.epochs[e].metrics.at("val_accuracy"));
    }
}

TEST_CASE("callbacks decide the same on every rank") {
    dist::Communicator comm;
    const auto data = make_xor<double>(4, 600, 0.3, 2);
    auto [train, val, test] = train_val_test_split(data, {0.5, 0.25, 0.25}, 5);
    auto model = mlp();
    Adam<double> opt(3e-2);
    FitOptions o;
    o.epochs = 60;
    o.batch_size = 16;
    o.seed = 4;  // shuffling on: each rank shuffles its own shard
    EarlyStopping stop{.patience = 3, .restore_best_weights = true};
    History h = dist::fit(comm, model, opt, BinaryCrossEntropy{}, dist::shard(train, comm.rank(), comm.size(), 16),
                          dist::shard(val, comm.rank(), comm.size(), 16), o, stop,
                          dist::root_only(comm, ProgressBar{.prefix = "rank 0"}));
    const double epochs = static_cast<double>(h.size());
    CHECK(comm.allreduce_sum(epochs) == epochs * comm.size());
    // Replicas stay identical: the averaged gradient is the same on every rank.
    auto w = parameters(model).all_values;
    std::vector<double> mine(w.begin(), w.end()), root(mine);
    comm.broadcast(std::span<double>(root), 0);
    CHECK(max_abs_difference(mine, root) == 0.0);
}

TEST_CASE("synchronized BatchNorm makes a p-rank run match a 1-rank run with BatchNorm") {
    dist::Communicator comm;
    const std::size_t global_batch = 32;
    const std::size_t local_batch = global_batch / static_cast<std::size_t>(comm.size());
    const auto data = make_xor<double>(4, 256, 0.2, 9);
    auto make = [] {
        return Sequential(Dense<double>(4, 8), ReLU(), BatchNorm<double>(8, 0.9), Dense<double>(8, 1), Sigmoid());
    };
    FitOptions o;
    o.epochs = 3;
    o.seed = 2;
    o.shuffle = false;

    auto reference = make();
    Adam<double> ref_opt(1e-2);
    o.batch_size = global_batch;
    fit(reference, ref_opt, BinaryCrossEntropy{}, data, o);

    auto model = make();
    dist::synchronize_batch_norm(model, comm);
    Adam<double> opt(1e-2);
    o.batch_size = local_batch;
    dist::fit(comm, model, opt, BinaryCrossEntropy{}, dist::shard(data, comm.rank(), comm.size(), local_batch),
              Dataset<double>{}, o);
    // Includes the running mean and variance: they too come from the global batch.
    CHECK(max_abs_difference(parameters(model).all_values, parameters(reference).all_values) < 1e-9);
}
