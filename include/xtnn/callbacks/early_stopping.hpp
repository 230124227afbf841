#pragma once
// EarlyStopping: stop when a monitored quantity stops improving. Keras
// semantics: an epoch improves when it beats the best by more than min_delta;
// after `patience` epochs without improvement training stops and, with
// restore_best_weights, the best epoch's weights (and BatchNorm statistics)
// come back. Epochs before start_from_epoch are not monitored (Keras's remedy
// for runs that sit at chance for a while before they learn).
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include "../core/error.hpp"
#include "../train/history.hpp"
#include "../train/training_state.hpp"

namespace xtnn {

struct EarlyStopping {
    std::string monitor = "val_loss";
    double min_delta = 0.0;
    std::size_t patience = 0;
    bool restore_best_weights = false;
    std::size_t start_from_epoch = 0;
    // Keras restores only when it stops early; true also restores the best
    // weights when the epoch budget runs out first.
    bool restore_at_end = false;

    // Filled in during training.
    double best = std::numeric_limits<double>::quiet_NaN();
    std::size_t best_epoch = 0;     // 1-based; 0 before any monitored epoch
    std::size_t stopped_epoch = 0;  // 1-based; 0 when it never stopped training
    std::size_t wait = 0;
    detail::WeightSnapshot best_weights{};

    template <Real T>
    void on_train_begin(TrainingState<T>&) {
        if (!(min_delta >= 0.0)) detail::fail("EarlyStopping: min_delta must be >= 0, got ", min_delta);
        best = std::numeric_limits<double>::quiet_NaN();
        best_epoch = stopped_epoch = wait = 0;
        best_weights = {};
    }

    template <Real T>
    void on_epoch_end(TrainingState<T>& state) {
        const EpochLog& log = state.last_log();
        if (log.epoch <= start_from_epoch) return;
        const double current = log.get(monitor);
        if (!std::isfinite(current)) {
            ++wait;
        } else if (improves(current)) {
            best = current;
            best_epoch = log.epoch;
            state.history->best_epoch = best_epoch;
            wait = 0;
            if (restore_best_weights) best_weights.save<T>(state.weights);
            return;
        } else {
            ++wait;
        }
        if (wait >= patience) {
            stopped_epoch = log.epoch;
            state.request_stop(detail::concat("EarlyStopping: ", monitor, " did not improve for ", wait,
                                              " epochs (best ", best, " at epoch ", best_epoch, ")"));
            restore(state);
        }
    }

    template <Real T>
    void on_train_end(TrainingState<T>& state) {
        if (restore_at_end && stopped_epoch == 0) restore(state);
    }

private:
    bool improves(double current) const {
        if (std::isnan(best)) return true;
        return higher_is_better(monitor) ? current > best + min_delta : current < best - min_delta;
    }

    template <Real T>
    void restore(TrainingState<T>& state) const {
        if (restore_best_weights && !best_weights.empty<T>()) best_weights.restore<T>(state.weights);
    }
};

}  // namespace xtnn
