#pragma once
// ModelCheckpoint: saves the model, with the optimizer's state, after every
// epoch or only when `monitor` improves (Keras semantics; one file, replaced
// each time). Saves go through write_file_atomically, so a crash or kill in
// the middle of one leaves the previous checkpoint whole, and a failed write
// (full disk, read-only directory) throws out of fit naming the path and the
// OS reason, the previous checkpoint untouched. An epoch whose training loss
// is NaN or infinite is never saved. load(model, path) or
// load(model, path, optimizer) reads it back.
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>

#include "../core/error.hpp"
#include "../core/run_state.hpp"
#include "../train/history.hpp"
#include "../train/training_state.hpp"
#include "monitor.hpp"

namespace xtnn {

struct ModelCheckpoint {
    std::filesystem::path path;
    std::string monitor = "val_loss";
    MonitorMode mode = MonitorMode::automatic;
    // Save only epochs whose `monitor` beats every earlier one. A non-finite
    // value never does (e.g. val_loss without a validation set: nothing is saved).
    bool save_best_only = false;

    /// With save_best_only, the best value of `monitor` in the last fit (NaN before any).
    double best() const { return run_.watch ? run_.watch->best() : std::numeric_limits<double>::quiet_NaN(); }
    /// 1-based epoch of the last save in the last fit; 0: none yet.
    std::size_t saved_epoch() const noexcept { return run_.saved_epoch; }

    template <Real T>
    void on_train_begin(TrainingState<T>&) {
        // Fail before the first epoch rather than after it.
        if (path.empty()) detail::fail("ModelCheckpoint: path is empty");
        const std::filesystem::path directory = path.parent_path();
        if (!directory.empty() && !std::filesystem::is_directory(directory)) {
            detail::fail("ModelCheckpoint: cannot write '", path.string(), "': directory '",
                         directory.string(), "' does not exist");
        }
        run_ = {};
        run_.watch.emplace(monitor, mode, 0.0, "ModelCheckpoint");
    }

    template <Real T>
    void on_epoch_end(TrainingState<T>& state) {
        const EpochLog& log = state.last_log();
        // A diverged epoch's weights must not replace a good checkpoint.
        if (!std::isfinite(log.loss)) return;
        if (save_best_only && !run_.watch->improve(run_.watch->value(log))) return;
        state.save_model(path);
        run_.saved_epoch = log.epoch;
    }

    /// What the last fit did, for a run that resumes (core/run_state.hpp).
    void visit_run_state(RunStateVisitor& v) {
        if (run_.watch) v.nested("monitor", *run_.watch);
        v.field("saved_epoch", run_.saved_epoch);
    }

    // What one fit did; on_train_begin resets it. Public only so that the
    // settings above stay an aggregate; its fields are ModelCheckpoint's alone.
    class Run {
        friend struct ModelCheckpoint;
        std::optional<Monitor> watch;
        std::size_t saved_epoch = 0;
    } run_{};
};

}  // namespace xtnn
