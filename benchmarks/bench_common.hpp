#pragma once
// What every benchmark program shares: random inputs, flop counters, and the
// gemm list of a model (what "the step's gemms alone" means).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <xtnn/xtnn.hpp>

namespace bench {

// rows x cols standard-normal values, reproducible from `seed`.
template <xtnn::Real T>
xtnn::Tensor<T> random_tensor(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    xtnn::Rng rng(seed);
    xtnn::Tensor<T> t = xtnn::Tensor<T>::from_shape({rows, cols});
    for (auto& v : t) v = static_cast<T>(rng.normal());
    return t;
}

// rows x 1 labels, each 0 or 1.
template <xtnn::Real T>
xtnn::Tensor<T> random_labels(std::size_t rows, std::uint64_t seed) {
    xtnn::Rng rng(seed);
    xtnn::Tensor<T> t = xtnn::Tensor<T>::from_shape({rows, 1});
    for (auto& v : t) v = static_cast<T>(rng.below(2));
    return t;
}

// Reports GFLOP/s (counter "GFLOP", a rate) for `flops` floating-point operations per iteration.
inline void report_gflops(benchmark::State& state, double flops) {
    state.counters["GFLOP"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The benchmark loop, calling `iteration` once per round; returns the wall
// seconds per call, for ratios against gemms timed apart.
template <class F>
double time_loop(benchmark::State& state, F&& iteration) {
    std::size_t calls = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        iteration();
        ++calls;
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
           static_cast<double>(calls);
}

// Median seconds per call of f over `trials` trials of about `trial_seconds`
// each (after one warm-up call): a reference timed beside a benchmark, for ratios.
template <class F>
double median_seconds(F&& f, int trials = 7, double trial_seconds = 0.02) {
    using clock = std::chrono::steady_clock;
    f();
    std::vector<double> per_call;
    for (int t = 0; t < trials; ++t) {
        std::size_t calls = 0;
        const auto start = clock::now();
        double elapsed = 0;
        do {
            f();
            ++calls;
            elapsed = std::chrono::duration<double>(clock::now() - start).count();
        } while (elapsed < trial_seconds);
        per_call.push_back(elapsed / static_cast<double>(calls));
    }
    std::sort(per_call.begin(), per_call.end());
    return per_call[per_call.size() / 2];
}

// time_loop over Trainer::step on batches cycled from xs/ys.
template <class Trainer, xtnn::Real T>
double time_steps(benchmark::State& state, Trainer& trainer, const std::vector<xtnn::Tensor<T>>& xs,
                  const std::vector<xtnn::Tensor<T>>& ys) {
    std::size_t i = 0;
    return time_loop(state, [&] {
        benchmark::DoNotOptimize(trainer.step(xs[i % xs.size()], ys[i % ys.size()]));
        ++i;
    });
}

// One gemm C = op(A)·op(B) (+ C when accumulate) with its own buffers, run
// `repeat` times on them (a convolution runs one per image of the batch).
struct GemmShape {
    xtnn::Transpose ta = xtnn::Transpose::no;
    xtnn::Transpose tb = xtnn::Transpose::no;
    std::size_t m = 0, n = 0, k = 0;
    bool accumulate = false;
    std::size_t repeat = 1;
    double flops() const {
        return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) *
               static_cast<double>(repeat);
    }
};

// The gemms of one training step of a model made of Dense layers, found from
// its kernels (in x out): forward X·W, weight gradient Xᵀ·dY and, except for
// layers fed by the data (width `inputs`, whose input gradient the Trainer
// turns off), input gradient dY·Wᵀ.
template <class Model>
std::vector<GemmShape> training_gemms(Model& model, std::size_t batch, std::size_t inputs) {
    using T = xtnn::value_type_t<Model>;
    using xtnn::Transpose;
    std::vector<GemmShape> gemms;
    model.visit_parameters([&](xtnn::Param<T>& p) {
        if (!p.name().ends_with("kernel")) return;
        const std::size_t in = p.rows(), out = p.cols();
        gemms.push_back({Transpose::no, Transpose::no, batch, out, in, true});
        gemms.push_back({Transpose::yes, Transpose::no, in, out, batch, true});
        if (in != inputs) gemms.push_back({Transpose::no, Transpose::yes, batch, in, out, false});
    });
    return gemms;
}

// The forward gemms alone (X·W per Dense layer): what inference costs at least.
template <class Model>
std::vector<GemmShape> inference_gemms(Model& model, std::size_t batch) {
    std::vector<GemmShape> forward;
    for (const GemmShape& g : training_gemms(model, batch, 0)) {
        if (g.ta == xtnn::Transpose::no && g.tb == xtnn::Transpose::no) forward.push_back(g);
    }
    return forward;
}

inline double total_flops(const std::vector<GemmShape>& gemms) {
    double f = 0;
    for (const auto& g : gemms) f += g.flops();
    return f;
}

// Runs a list of gemms, each on its own operands (as a step does), through
// xtnn::gemm or through one backend's function (bench_gemm's side-by-side rows).
template <xtnn::Real T>
class GemmSequence {
public:
    explicit GemmSequence(std::vector<GemmShape> gemms, xtnn::detail::GemmFunction<T> gemm = &xtnn::gemm<T>)
        : gemms_(std::move(gemms)), gemm_(gemm) {
        std::uint64_t seed = 1;
        for (const auto& g : gemms_) {
            a_.push_back(random_tensor<T>(g.ta == xtnn::Transpose::no ? g.m : g.k,
                                          g.ta == xtnn::Transpose::no ? g.k : g.m, seed++));
            b_.push_back(random_tensor<T>(g.tb == xtnn::Transpose::no ? g.k : g.n,
                                          g.tb == xtnn::Transpose::no ? g.n : g.k, seed++));
            c_.push_back(random_tensor<T>(g.m, g.n, seed++));
        }
    }

    void run() {
        for (std::size_t i = 0; i < gemms_.size(); ++i) {
            const auto& g = gemms_[i];
            for (std::size_t r = 0; r < g.repeat; ++r) {
                gemm_(g.ta, g.tb, g.m, g.n, g.k, T(1), a_[i].data(), a_[i].shape(1), b_[i].data(), b_[i].shape(1),
                      g.accumulate ? T(1) : T(0), c_[i].data(), g.n);
            }
        }
        benchmark::ClobberMemory();
    }

    // Median seconds per run() (bench::median_seconds).
    double median_seconds(int trials = 7, double trial_seconds = 0.02) {
        return bench::median_seconds([this] { run(); }, trials, trial_seconds);
    }

    const std::vector<GemmShape>& gemms() const { return gemms_; }

private:
    std::vector<GemmShape> gemms_;
    xtnn::detail::GemmFunction<T> gemm_;
    std::vector<xtnn::Tensor<T>> a_, b_, c_;
};

}  // namespace bench
