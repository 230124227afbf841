#pragma once
// The reproduction study: a grid of runs of the paper's protocol, model × n ×
// learning rate × seed, and what the paper reads off it. The learning-rate
// study of Appendix A and the main results are the same runs: every run gives
// a validation and a test accuracy, the learning rate is chosen per model and
// n on validation accuracy alone, and test accuracy is reported at that choice.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "experiment.hpp"
#include "fail.hpp"

namespace paper {

// The learning rates the paper trained with (§3); it reports no n above 24.
inline std::optional<double> paper_learning_rate(std::size_t n) {
    if (n >= 9 && n <= 18) return 1e-3;
    if (n == 24) return 5e-4;
    return std::nullopt;
}

// What a table row says about the data of one n.
struct SetInfo {
    std::size_t n = 0;
    std::string origin;  // "real" or "generated, seed s"
    double bayes_accuracy = 0;
    std::size_t rows = 0;
};

struct Run {
    RunConfig config;
    RunResult result;
};

// Mean, min and max over the seeds of one (model, n, lr) cell.
struct Range {
    double mean = std::numeric_limits<double>::quiet_NaN();
    double min = std::numeric_limits<double>::quiet_NaN();
    double max = std::numeric_limits<double>::quiet_NaN();
    std::size_t count = 0;
};

struct Study {
    std::vector<std::string> models;
    std::vector<SetInfo> sets;
    std::vector<double> learning_rates;
    std::vector<std::uint64_t> seeds;
    std::vector<Run> runs;  // grid order: model, n, lr, seed

    // Every combination, each a copy of `base` with model, n, lr and seed set.
    void plan(const RunConfig& base) {
        runs.clear();
        for (const auto& model : models)
            for (const auto& set : sets)
                for (double lr : learning_rates)
                    for (std::uint64_t seed : seeds) {
                        Run r{base, {}};
                        r.config.model = model;
                        r.config.n = set.n;
                        r.config.learning_rate = lr;
                        r.config.seed = seed;
                        runs.push_back(std::move(r));
                    }
    }

    const SetInfo& set(std::size_t n) const {
        for (const auto& s : sets)
            if (s.n == n) return s;
        fail("no data set for n = ", n);
    }

    // `value`: what to read off a result, e.g. &RunResult::test_accuracy.
    template <class Value>
    Range range(const std::string& model, std::size_t n, double lr, Value value) const {
        Range r;
        double sum = 0;
        for (const auto& run : runs) {
            if (run.config.model != model || run.config.n != n || run.config.learning_rate != lr) continue;
            const double v = static_cast<double>(std::invoke(value, run.result));
            r.min = r.count == 0 ? v : std::min(r.min, v);
            r.max = r.count == 0 ? v : std::max(r.max, v);
            sum += v;
            ++r.count;
        }
        if (r.count > 0) r.mean = sum / static_cast<double>(r.count);
        return r;
    }

    // The learning rate with the best mean validation accuracy (the first
    // listed wins a tie).
    double chosen_learning_rate(const std::string& model, std::size_t n) const {
        double best_lr = learning_rates.front(), best = -1;
        for (double lr : learning_rates) {
            const double v = range(model, n, lr, &RunResult::val_accuracy).mean;
            if (v > best) {
                best = v;
                best_lr = lr;
            }
        }
        return best_lr;
    }

    // The run at size n with the best validation accuracy: the one that
    // labels the hidden set (chosen, like everything else, on validation).
    const Run& best_run(std::size_t n) const {
        const Run* best = nullptr;
        for (const auto& run : runs) {
            if (run.config.n == n && (best == nullptr || run.result.val_accuracy > best->result.val_accuracy)) {
                best = &run;
            }
        }
        if (best == nullptr) fail("no run at n = ", n);
        return *best;
    }

    bool has_learning_rate(double lr) const {
        return std::find(learning_rates.begin(), learning_rates.end(), lr) != learning_rates.end();
    }
};

}  // namespace paper
