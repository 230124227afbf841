// BatchNorm's statistics in float far from zero, and merged across processes
// (layers/normalization.hpp: two passes, the mean then the squared deviations
// from it; the one-pass variant with Chan et al.'s merge is on branch
// h1-onepass and passes the same tests). Compared with a two-pass reference in
// double on the same (float) inputs.
#include <doctest/doctest.h>

#include <barrier>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include <xtnn/layers/batch_norm.hpp>
#include <xtnn/layers/statistics_reducer.hpp>
#include <xtnn/core/random.hpp>

using namespace xtnn;

namespace {

// offset + spread·N(0, 1) per element; float, as the inputs of a float model.
Tensor<float> offset_batch(std::size_t rows, std::size_t cols, double offset, double spread, std::uint64_t seed) {
    Rng rng(seed);
    Tensor<float> t = Tensor<float>::from_shape({rows, cols});
    for (auto& v : t) v = static_cast<float>(offset + spread * rng.normal());
    return t;
}

struct Moments {
    std::vector<double> mean, var;
};

// Two passes in double over the given rows of one or more batches.
Moments two_pass(const std::vector<const Tensor<float>*>& batches) {
    const std::size_t cols = batches.front()->shape(1);
    Moments m{std::vector<double>(cols, 0.0), std::vector<double>(cols, 0.0)};
    double rows = 0;
    for (const auto* b : batches) {
        rows += static_cast<double>(b->shape(0));
        for (std::size_t r = 0; r < b->shape(0); ++r)
            for (std::size_t c = 0; c < cols; ++c) m.mean[c] += (*b)(r, c);
    }
    for (auto& v : m.mean) v /= rows;
    for (const auto* b : batches)
        for (std::size_t r = 0; r < b->shape(0); ++r)
            for (std::size_t c = 0; c < cols; ++c) m.var[c] += ((*b)(r, c) - m.mean[c]) * ((*b)(r, c) - m.mean[c]);
    for (auto& v : m.var) v /= rows;
    return m;
}

double relative(double value, double reference) { return std::abs(value - reference) / std::abs(reference); }

// Momentum 0: the running statistics are the last batch's.
void check_against(BatchNorm<float>& bn, const Moments& reference, double tolerance) {
    for (std::size_t c = 0; c < reference.mean.size(); ++c) {
        INFO("feature " << c);
        CHECK(relative(bn.running_mean().value()(0, c), reference.mean[c]) < tolerance);
        CHECK(relative(bn.running_var().value()(0, c), reference.var[c]) < tolerance);
    }
}

// Two threads stand in for two processes: each sum waits for the other's
// values and both add them in the same order, as an allreduce does.
class ThreadPair {
public:
    class Reducer final : public StatisticsReducer<float> {
    public:
        Reducer(ThreadPair& pair, int rank) : pair_(&pair), rank_(rank) {}
        void sum(std::span<float> values) const override {
            pair_->slots_[rank_] = values;
            pair_->sync_.arrive_and_wait();
            std::vector<float> total(values.size());
            for (std::size_t i = 0; i < values.size(); ++i) total[i] = pair_->slots_[0][i] + pair_->slots_[1][i];
            pair_->sync_.arrive_and_wait();
            std::copy(total.begin(), total.end(), values.begin());
        }

    private:
        ThreadPair* pair_;
        int rank_;
    };

private:
    std::barrier<> sync_{2};
    std::span<float> slots_[2];
};

}  // namespace

TEST_CASE("batch statistics stay accurate where E[x²] − E[x]² cancels (float, mean 1e4, spread 1)") {
    const Tensor<float> x = offset_batch(256, 5, 1e4, 1.0, 3);
    const Moments reference = two_pass({&x});

    // The input is one where the naive formula in float fails: it loses every digit.
    double naive_worst = 0;
    for (std::size_t c = 0; c < 5; ++c) {
        float sum = 0, sum_squares = 0;
        for (std::size_t r = 0; r < 256; ++r) {
            sum += x(r, c);
            sum_squares += x(r, c) * x(r, c);
        }
        const float mean = sum / 256;
        naive_worst = std::max(naive_worst, relative(sum_squares / 256 - mean * mean, reference.var[c]));
    }
    CHECK(naive_worst > 0.5);

    // Deviations from the mean are a few units, exact in float to its
    // precision: the variance keeps a relative error of about float precision
    // times the row count's growth of rounding, so 1e-4 leaves a wide margin.
    BatchNorm<float> bn(5, 0.0);
    const Tensor<float>& y = bn.forward(x, Mode::train);
    check_against(bn, reference, 1e-4);
    // The output is limited by the mean: its pass sums raw values in float
    // (256 values of 1e4, the sum's ulp is 0.25), which leaves it ~5e-3 off,
    // against σ = 1. (The one-pass variant on branch h1-onepass sums deviations
    // from the first row and stays within 3e-3, about ulp(1e4) over σ.)
    for (std::size_t r = 0; r < 256; ++r)
        for (std::size_t c = 0; c < 5; ++c) {
            const double expected = (x(r, c) - reference.mean[c]) / std::sqrt(reference.var[c] + 1e-3);
            CHECK(std::abs(y(r, c) - expected) < 1e-2);
        }
}

TEST_CASE("statistics of a constant feature far from zero give a variance of about 0, never negative") {
    Tensor<float> x = offset_batch(7, 3, 1e4, 1.0, 4);
    for (std::size_t r = 0; r < 7; ++r) x(r, 1) = 12345.678f;
    BatchNorm<float> bn(3, 0.0);
    bn.forward(x, Mode::train);
    // The float mean of seven equal values may round by an ulp (1e-3 here), never more.
    CHECK(bn.running_var().value()(0, 1) >= 0.0f);
    CHECK(bn.running_var().value()(0, 1) < 1e-5f);
    CHECK(std::abs(bn.running_mean().value()(0, 1) - 12345.678f) <= 2e-3f);
}

TEST_CASE("synchronized statistics cover every process's rows, whatever their counts and means") {
    // Two processes with different batch sizes, means and spreads, all far from zero.
    const Tensor<float> a = offset_batch(40, 6, 1e4, 1.0, 5);
    const Tensor<float> b = offset_batch(23, 6, 1e4 + 3.0, 2.0, 6);
    const Moments reference = two_pass({&a, &b});

    ThreadPair pair;
    BatchNorm<float> bn_a(6, 0.0), bn_b(6, 0.0);
    bn_a.synchronize_statistics(std::make_shared<const ThreadPair::Reducer>(pair, 0));
    bn_b.synchronize_statistics(std::make_shared<const ThreadPair::Reducer>(pair, 1));
    std::thread other([&] { bn_b.forward(b, Mode::train); });
    bn_a.forward(a, Mode::train);
    other.join();
    // Both see the global batch's statistics, the same bits on each side.
    check_against(bn_a, reference, 1e-4);
    CHECK(bn_a.running_mean().value() == bn_b.running_mean().value());
    CHECK(bn_a.running_var().value() == bn_b.running_var().value());
}
