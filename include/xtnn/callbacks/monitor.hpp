#pragma once
// Monitor: the one answer to "did the watched quantity improve?", shared by
// every callback that watches one (EarlyStopping, ModelCheckpoint,
// ReduceLROnPlateau). It remembers the best value so far, so a callback makes a
// fresh one for each fit.
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "../core/error.hpp"
#include "../core/run_state.hpp"
#include "../metrics/named_metric.hpp"
#include "../train/history.hpp"

namespace xtnn {

/// Which direction is better: `automatic` maximizes the named metrics
/// ("accuracy", "val_auc", ...: every one is a score) and minimizes anything
/// else (losses, the learning rate, seconds).
enum class MonitorMode { automatic, min, max };

class Monitor {
public:
    /// `who` names the callback in error messages.
    Monitor(std::string quantity, MonitorMode mode, double min_delta, std::string_view who)
        : quantity_(std::move(quantity)), maximize_(maximizes(quantity_, mode)), min_delta_(min_delta) {
        if (!(min_delta >= 0.0 && std::isfinite(min_delta))) {
            detail::fail(who, ": min_delta must be finite and >= 0, got ", min_delta);
        }
    }

    /// The automatic rule: a named metric, with or without the "val_" prefix, is maximized.
    static bool maximizes(std::string_view quantity, MonitorMode mode) {
        if (mode != MonitorMode::automatic) return mode == MonitorMode::max;
        if (quantity.starts_with("val_")) quantity.remove_prefix(4);
        return is_named_metric(quantity);
    }

    const std::string& quantity() const noexcept { return quantity_; }
    bool maximizing() const noexcept { return maximize_; }

    /// The best value so far; NaN before the first improvement.
    double best() const noexcept { return best_; }

    /// The monitored value in `log` (throws naming the known quantities if there is none).
    double value(const EpochLog& log) const { return log.get(quantity_); }

    /// Whether `current` beats the best so far by more than min_delta, and if so
    /// makes it the best. A non-finite value never improves; the first finite one does.
    bool improve(double current) {
        if (!std::isfinite(current)) return false;
        const bool better = std::isnan(best_) ||
                            (maximize_ ? current > best_ + min_delta_ : current < best_ - min_delta_);
        if (better) best_ = current;
        return better;
    }

    /// The best value so far, for a run that resumes (core/run_state.hpp).
    void visit_run_state(RunStateVisitor& v) { v.field("best", best_); }

private:
    std::string quantity_;
    bool maximize_;
    double min_delta_;
    double best_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace xtnn
