#pragma once
// A trial: what the user's trial function is given (its Config and a
// TrialReporter), and what the study records about it (TrialResult).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../train/training_state.hpp"
#include "config.hpp"

namespace xtnn::tune {

/// The search's answer to a report: train on, or end the trial now.
enum class Verdict { go_on, stop };

/// completed: ran until its own end (max_epochs, or its own early stopping);
/// stopped: the search ended it (ASHA, or a budget ran out);
/// failed: the trial function threw (the message says what);
/// diverged: it reported a NaN or infinite metric.
enum class TrialStatus { completed, stopped, failed, diverged };

inline const char* status_name(TrialStatus status) {
    switch (status) {
        case TrialStatus::completed: return "completed";
        case TrialStatus::stopped: return "stopped";
        case TrialStatus::failed: return "failed";
        case TrialStatus::diverged: return "diverged";
    }
    return "?";
}

inline std::optional<TrialStatus> parse_status(std::string_view text) {
    for (const auto s : {TrialStatus::completed, TrialStatus::stopped, TrialStatus::failed, TrialStatus::diverged}) {
        if (text == status_name(s)) return s;
    }
    return std::nullopt;
}

/// Whether `a` beats `b` in the study's direction; a non-finite value beats nothing.
inline bool better(double a, double b, bool maximize) {
    if (!std::isfinite(a)) return false;
    if (!std::isfinite(b)) return true;
    return maximize ? a > b : a < b;
}

struct TrialResult {
    std::size_t id = 0;
    Config config;
    std::vector<double> curve;  // the metric after each epoch: epoch k is curve[k - 1]
    TrialStatus status = TrialStatus::completed;
    std::string message;  // why it was stopped, failed or diverged
    double seconds = 0;
    double metric = std::numeric_limits<double>::quiet_NaN();  // the best value of the curve
    std::size_t best_epoch = 0;                                // 1-based; 0: no finite value

    std::size_t epochs() const { return curve.size(); }

    /// Sets metric and best_epoch from the curve.
    void score(bool maximize) {
        metric = std::numeric_limits<double>::quiet_NaN();
        best_epoch = 0;
        for (std::size_t e = 0; e < curve.size(); ++e) {
            if (better(curve[e], metric, maximize)) {
                metric = curve[e];
                best_epoch = e + 1;
            }
        }
    }
};

/// Given to the trial function: report the validation metric after every
/// epoch, directly (report) or by passing the reporter to fit as a callback
/// (it reads StudyOptions::metric from each epoch's log and stops fit when the
/// search says so). Train for at most max_epochs(); seed() is the trial's own.
class TrialReporter {
public:
    using Connection = std::function<Verdict(std::size_t epoch, double value)>;

    TrialReporter(std::size_t trial, std::uint64_t seed, std::size_t max_epochs, std::string metric,
                  Connection connection)
        : trial_(trial),
          seed_(seed),
          max_epochs_(max_epochs),
          metric_(std::move(metric)),
          connection_(std::move(connection)) {}

    std::size_t trial() const { return trial_; }
    std::uint64_t seed() const { return seed_; }
    std::size_t max_epochs() const { return max_epochs_; }
    const std::string& metric() const { return metric_; }
    bool stopped() const { return stopped_; }

    /// The metric after `epoch` (1-based, each epoch once, in order). Once the
    /// answer has been stop, further reports are ignored and answered stop.
    Verdict report(std::size_t epoch, double value) {
        if (stopped_) return Verdict::stop;
        if (epoch != epochs_ + 1) {
            detail::fail("TrialReporter: trial ", trial_, " reported epoch ", epoch, " after epoch ", epochs_,
                         "; report every epoch once, in order (1, 2, ...), from one fit");
        }
        ++epochs_;
        const Verdict verdict = connection_(epoch, value);
        stopped_ = verdict == Verdict::stop;
        return verdict;
    }

    /// As a fit callback: reports the metric of the epoch that just ended.
    template <Real T>
    void on_epoch_end(TrainingState<T>& state) {
        const EpochLog& log = state.last_log();
        if (report(log.epoch, log.get(metric_)) == Verdict::stop) {
            state.request_stop(detail::concat("tune: the search ended trial ", trial_, " after epoch ", log.epoch));
        }
    }

private:
    std::size_t trial_;
    std::uint64_t seed_;
    std::size_t max_epochs_;
    std::string metric_;
    Connection connection_;
    std::size_t epochs_ = 0;
    bool stopped_ = false;
};

}  // namespace xtnn::tune
