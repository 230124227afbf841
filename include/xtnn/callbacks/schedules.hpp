#pragma once
// Learning-rate schedules, applied at the start of each epoch. Each scales
// the run's initial learning rate, so they compose with any optimizer.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <optional>
#include <string>

#include "../core/error.hpp"
#include "../core/run_state.hpp"
#include "../train/history.hpp"
#include "../train/training_state.hpp"
#include "monitor.hpp"

namespace xtnn {

// lr = initial · gamma^⌊epoch / step⌋ (PyTorch StepLR); with once = true only
// the first decay happens (the paper's "halved after epoch 50").
struct StepLR {
    std::size_t step = 1;
    double gamma = 0.1;
    bool once = false;

    template <Real T>
    void on_train_begin(TrainingState<T>&) const {
        if (step == 0) detail::fail("StepLR: step must be >= 1");
        if (!(gamma > 0.0)) detail::fail("StepLR: gamma must be positive, got ", gamma);
    }

    template <Real T>
    void on_epoch_begin(TrainingState<T>& state) const {
        std::size_t decays = state.epoch / step;
        if (once && decays > 1) decays = 1;
        state.learning_rate = state.initial_learning_rate * std::pow(gamma, static_cast<double>(decays));
    }
};

// lr = initial · (alpha + (1 − alpha) · ½(1 + cos(π · min(epoch, epochs) / epochs))).
struct CosineDecay {
    std::size_t epochs = 100;
    double alpha = 0.0;

    template <Real T>
    void on_epoch_begin(TrainingState<T>& state) const {
        if (epochs == 0) detail::fail("CosineDecay: epochs must be >= 1");
        const double t = static_cast<double>(std::min(state.epoch, epochs)) / static_cast<double>(epochs);
        const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * t));
        state.learning_rate = state.initial_learning_rate * (alpha + (1.0 - alpha) * cosine);
    }
};

// Multiplies the learning rate by `factor` when `monitor` has not improved
// (by more than min_delta) for `patience` epochs (Keras semantics, including
// cooldown and min_lr).
struct ReduceLROnPlateau {
    std::string monitor = "val_loss";
    MonitorMode mode = MonitorMode::automatic;
    double factor = 0.1;
    std::size_t patience = 10;
    double min_delta = 1e-4;
    std::size_t cooldown = 0;
    double min_lr = 0.0;

    template <Real T>
    void on_train_begin(TrainingState<T>&) {
        if (!(factor > 0.0 && factor < 1.0)) {
            detail::fail("ReduceLROnPlateau: factor must be in (0, 1), got ", factor);
        }
        run_ = {};
        run_.watch.emplace(monitor, mode, min_delta, "ReduceLROnPlateau");
    }

    template <Real T>
    void on_epoch_end(TrainingState<T>& state) {
        const double current = run_.watch->value(state.last_log());
        if (run_.cooldown_left > 0) {
            --run_.cooldown_left;
            run_.wait = 0;
        }
        if (run_.watch->improve(current)) {
            run_.wait = 0;
        } else if (run_.cooldown_left == 0 && ++run_.wait >= patience) {
            state.learning_rate = std::max(state.learning_rate * factor, min_lr);
            run_.cooldown_left = cooldown;
            run_.wait = 0;
        }
    }

    /// What the last fit has seen, for a run that resumes (core/run_state.hpp).
    void visit_run_state(RunStateVisitor& v) {
        if (run_.watch) v.nested("monitor", *run_.watch);
        v.field("wait", run_.wait);
        v.field("cooldown_left", run_.cooldown_left);
    }

    // What one fit has seen; on_train_begin resets it. Public only so that the
    // settings above stay an aggregate; its fields are ReduceLROnPlateau's alone.
    class Run {
        friend struct ReduceLROnPlateau;
        std::optional<Monitor> watch;
        std::size_t wait = 0;
        std::size_t cooldown_left = 0;
    } run_{};
};

}  // namespace xtnn
