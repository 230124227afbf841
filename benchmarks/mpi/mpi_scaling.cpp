// Data-parallel scaling on this machine: per-step compute, allreduce and total
// time of the paper's WDNN for 1..p ranks (run under mpirun; rank 0 prints).
//   mpirun -np 2 build/benchmarks/mpi/mpi_scaling [--n 9] [--batch 64] [--steps 300]
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <xtnn/distributed.hpp>
#include <xtnn/xtnn.hpp>

#include "models.hpp"

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

std::size_t option(int argc, char** argv, const std::string& name, std::size_t fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (argv[i] == name) return std::stoul(argv[i + 1]);
    }
    return fallback;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace xtnn;
    using Clock = std::chrono::steady_clock;
    MPI_Init(&argc, &argv);
    {
        const distributed::Communicator comm;
        set_blas_threads(1);
        const std::size_t n = option(argc, argv, "--n", 9), batch = option(argc, argv, "--batch", 64);
        const std::size_t steps = option(argc, argv, "--steps", 300);
        auto model = paper::make_wdnn<float>(n);
        init_parameters(model, 1);
        auto data = make_kryptonite<float>(n, {.rows = batch, .seed = 1 + static_cast<std::uint64_t>(comm.rank())});
        Adam<float> opt(1e-3);
        BinaryCrossEntropy loss;
        Trainer trainer(model, opt, loss);
        const distributed::detail::DataParallel parallel(comm);

        std::vector<double> compute, reduce, total;
        for (std::size_t s = 0; s < steps + 20; ++s) {
            comm.barrier();
            const auto t0 = Clock::now();
            const double l = trainer.compute_gradients(data.data.X, data.data.y);
            const auto t1 = Clock::now();
            parallel.synchronize_step(trainer.gradients(), l, batch);
            const auto t2 = Clock::now();
            trainer.apply_update();
            const auto t3 = Clock::now();
            if (s < 20) continue;  // warm-up
            compute.push_back(std::chrono::duration<double, std::milli>((t1 - t0) + (t3 - t2)).count());
            reduce.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
            total.push_back(std::chrono::duration<double, std::milli>(t3 - t0).count());
        }
        const double c = median(compute), r = median(reduce), t = median(total);
        const auto params = parameter_count(model);
        if (comm.is_root()) {
            std::printf("| ranks | batch/rank | step ms | compute ms | allreduce ms | allreduce share | samples/s | "
                        "params | ring bytes/step |\n");
            std::printf("| %d | %zu | %.3f | %.3f | %.3f | %.0f %% | %.0f | %zu | %.0f |\n", comm.size(), batch, t, c, r,
                        100.0 * r / t, static_cast<double>(batch) * comm.size() / (t / 1000.0), params,
                        2.0 * (comm.size() - 1) / comm.size() * static_cast<double>(params) * sizeof(float));
        }
    }
    MPI_Finalize();
}
