#pragma once
// The settings of a study: what to optimize, how to search, within what budget.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "../callbacks/monitor.hpp"
#include "../core/error.hpp"
#include "asha.hpp"

namespace xtnn::tune {

/// The search ends when any limit is reached: no trial starts after it, and a
/// running trial is stopped at its next report (epochs and seconds).
struct Budget {
    std::size_t trials = 20;  // trial ids 0 .. trials - 1
    std::size_t epochs = 0;   // epochs over all trials (resumed ones count); 0: no limit
    double seconds = 0;       // wall time of this run of the study; 0: no limit
};

struct StudyOptions {
    /// The quantity trials report (as fit logs it: "val_accuracy", "val_loss", ...).
    std::string metric = "val_loss";
    /// automatic: maximize named metrics ("val_accuracy", "val_auc"), minimize the rest (callbacks/monitor.hpp).
    MonitorMode mode = MonitorMode::automatic;
    /// The most epochs a trial trains (TrialReporter::max_epochs()).
    std::size_t max_epochs = 20;
    /// Successive halving; nullopt: random search (every trial runs until its own end).
    std::optional<Asha> asha{};
    Budget budget{};
    /// Decides every configuration (SearchSpace::sample) and every trial's seed.
    std::uint64_t seed = 0;
    /// Trials run side by side on this many threads (BLAS is then set to one thread).
    std::size_t threads = 1;
    /// The results CSV (results_file.hpp); an existing one is resumed. Empty: none.
    std::filesystem::path results{};
    /// Where the progress line goes after every trial; nullptr: nowhere.
    std::FILE* progress = stderr;

    bool maximizing() const { return Monitor::maximizes(metric, mode); }

    void validate() const {
        if (metric.empty()) detail::fail("StudyOptions: metric is empty; name what trials report (e.g. val_accuracy)");
        if (max_epochs == 0) detail::fail("StudyOptions: max_epochs must be >= 1, got 0");
        if (budget.trials == 0) detail::fail("StudyOptions: budget.trials must be >= 1, got 0");
        if (!(std::isfinite(budget.seconds) && budget.seconds >= 0)) {
            detail::fail("StudyOptions: budget.seconds must be finite and >= 0 (0: no limit), got ", budget.seconds);
        }
        if (threads == 0) detail::fail("StudyOptions: threads must be >= 1, got 0");
    }
};

}  // namespace xtnn::tune
