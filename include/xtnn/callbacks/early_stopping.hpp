#pragma once
// EarlyStopping: stop when a monitored quantity stops improving. Keras
// semantics: an epoch improves when it beats the best by more than min_delta
// (callbacks/monitor.hpp); after `patience` epochs without improvement training
// stops and, with restore_best_weights, the best epoch's weights (and BatchNorm
// statistics) come back. Epochs before start_from_epoch are not monitored
// (Keras's remedy for runs that sit at chance for a while before they learn).
#include <cstddef>
#include <limits>
#include <optional>
#include <string>

#include "../core/error.hpp"
#include "../core/run_state.hpp"
#include "../train/history.hpp"
#include "../train/training_state.hpp"
#include "monitor.hpp"

namespace xtnn {

struct EarlyStopping {
    std::string monitor = "val_loss";
    MonitorMode mode = MonitorMode::automatic;
    double min_delta = 0.0;
    std::size_t patience = 0;
    bool restore_best_weights = false;
    std::size_t start_from_epoch = 0;
    // Keras restores only when it stops early; true also restores the best
    // weights when the epoch budget runs out first.
    bool restore_at_end = false;

    /// The best value of `monitor` in the last fit (NaN before any monitored epoch).
    double best() const { return run_.watch ? run_.watch->best() : std::numeric_limits<double>::quiet_NaN(); }
    /// 1-based epoch of that value; 0 before any monitored epoch.
    std::size_t best_epoch() const noexcept { return run_.best_epoch; }
    /// 1-based epoch at which it stopped the last fit; 0 when it did not stop it.
    std::size_t stopped_epoch() const noexcept { return run_.stopped_epoch; }

    template <Real T>
    void on_train_begin(TrainingState<T>&) {
        run_ = {};
        run_.watch.emplace(monitor, mode, min_delta, "EarlyStopping");
    }

    template <Real T>
    void on_epoch_end(TrainingState<T>& state) {
        const EpochLog& log = state.last_log();
        if (log.epoch <= start_from_epoch) return;
        if (run_.watch->improve(run_.watch->value(log))) {
            run_.best_epoch = log.epoch;
            state.history->best_epoch = log.epoch;
            run_.wait = 0;
            if (restore_best_weights) run_.best_weights.save<T>(state.weights);
            return;
        }
        if (++run_.wait >= patience) {
            run_.stopped_epoch = log.epoch;
            state.request_stop(detail::concat("EarlyStopping: ", monitor, " did not improve for ", run_.wait,
                                              " epochs (best ", best(), " at epoch ", run_.best_epoch, ")"));
            restore(state);
        }
    }

    template <Real T>
    void on_train_end(TrainingState<T>& state) {
        if (restore_at_end && run_.stopped_epoch == 0) restore(state);
    }

    /// What the last fit found, for a run that resumes (core/run_state.hpp).
    void visit_run_state(RunStateVisitor& v) {
        if (run_.watch) v.nested("monitor", *run_.watch);
        v.field("best_epoch", run_.best_epoch);
        v.field("stopped_epoch", run_.stopped_epoch);
        v.field("wait", run_.wait);
        v.nested("best_weights", run_.best_weights);
    }

    // What one fit finds; on_train_begin resets it, so the object can serve
    // another fit. Public only so that the settings above stay an aggregate
    // (designated initializers); its fields are EarlyStopping's alone.
    class Run {
        friend struct EarlyStopping;
        std::optional<Monitor> watch;
        std::size_t best_epoch = 0;
        std::size_t stopped_epoch = 0;
        std::size_t wait = 0;
        detail::WeightSnapshot best_weights{};
    } run_{};

private:
    template <Real T>
    void restore(TrainingState<T>& state) const {
        if (restore_best_weights && !run_.best_weights.empty<T>()) run_.best_weights.restore<T>(state.weights);
    }
};

}  // namespace xtnn
