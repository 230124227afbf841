#pragma once
// What callbacks see during fit, and what they may change.
//
// A callback (the Callback concept below) is any object with some of these hooks:
//   on_train_begin(TrainingState<T>&)   on_epoch_begin(TrainingState<T>&)
//   on_batch_end(TrainingState<T>&, double batch_loss)
//   on_epoch_end(TrainingState<T>&)     on_train_end(TrainingState<T>&)
// Hooks may be templates on T or written for one T.
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/module.hpp"
#include "../core/run_state.hpp"
#include "../core/tensor.hpp"
#include "history.hpp"

namespace xtnn {

template <Real T>
struct TrainingState {
    std::size_t epoch = 0;  // 0-based index of the current epoch
    std::size_t epochs = 0;
    std::size_t batch = 0;  // 0-based index of the batch within the epoch
    std::size_t batches_per_epoch = 0;
    // Callbacks may change this; fit hands it to the optimizer before each epoch.
    double learning_rate = 0;
    // The learning rate the run started with (what schedules scale).
    double initial_learning_rate = 0;
    bool stop = false;
    History* history = nullptr;
    // Every parameter and state array of the model (a checkpoint copies this).
    std::span<T> weights;
    // Saves the model with the optimizer's state to an .npz, atomically
    // (io/checkpoint.hpp's save); ModelCheckpoint calls it.
    std::function<void(const std::filesystem::path&)> save_model;
    // Set in on_train_begin by a callback that keeps the run resumable and says
    // so (BacksUpRuns below; BackupAndRestore): once every on_train_begin has
    // run, fit continues the run this file holds, if it exists
    // (train/run_backup.hpp), and rewrites it, atomically, after every epoch's
    // on_epoch_end hooks.
    std::filesystem::path backup;

    // The log of the epoch that just ended (valid in on_epoch_end).
    const EpochLog& last_log() const { return history->epochs.back(); }

    void request_stop(std::string reason) {
        stop = true;
        if (history->stop_reason.empty()) history->stop_reason = std::move(reason);
    }
};

namespace detail {

// A copy of a model's weights, whichever the value type.
class WeightSnapshot {
public:
    template <Real T>
    void save(std::span<const T> weights) {
        store_.template get<T>().assign(weights.begin(), weights.end());
    }
    template <Real T>
    void restore(std::span<T> weights) const {
        const auto& store = store_.template get<T>();
        if (store.size() != weights.size()) {
            fail("weight snapshot holds ", store.size(), " values, the model has ", weights.size());
        }
        std::copy(store.begin(), store.end(), weights.begin());
    }
    template <Real T>
    bool empty() const { return store_.template get<T>().empty(); }
    void visit_run_state(RunStateVisitor& v) {
        v.field("float", store_.f);
        v.field("double", store_.d);
    }

private:
    template <class T>
    using Values = std::vector<T>;
    PerReal<Values> store_;
};

template <class C, class T>
concept OnTrainBegin = requires(C& c, TrainingState<T>& s) { c.on_train_begin(s); };
template <class C, class T>
concept OnEpochBegin = requires(C& c, TrainingState<T>& s) { c.on_epoch_begin(s); };
template <class C, class T>
concept OnBatchEnd = requires(C& c, TrainingState<T>& s, double loss) { c.on_batch_end(s, loss); };
template <class C, class T>
concept OnEpochEnd = requires(C& c, TrainingState<T>& s) { c.on_epoch_end(s); };
template <class C, class T>
concept OnTrainEnd = requires(C& c, TrainingState<T>& s) { c.on_train_end(s); };

}  // namespace detail

/// A training callback: a type with at least one of the hooks above, callable
/// as written there. A type with none (a misspelt or mis-typed hook, or no
/// callback at all) is refused at the call of fit rather than silently ignored.
template <class C, class T>
concept Callback = Real<T> && (detail::OnTrainBegin<C, T> || detail::OnEpochBegin<C, T> ||
                               detail::OnBatchEnd<C, T> || detail::OnEpochEnd<C, T> || detail::OnTrainEnd<C, T>);

/// A callback that sets TrainingState::backup declares
/// `static constexpr bool backs_up_runs = true;` (BackupAndRestore does). fit
/// compiles the saving and restoring of runs only when one of its callbacks
/// does, so a program that never resumes runs does not build that code (about
/// a fifth of the README example's object code); a backup set by a callback
/// that does not declare it is an error.
template <class C>
concept BacksUpRuns = requires {
    requires std::remove_cvref_t<C>::backs_up_runs;
};

namespace detail {

// Each calls the hook when the callback has it.
template <class C, class T>
void on_train_begin(C& c, TrainingState<T>& s) {
    if constexpr (OnTrainBegin<C, T>) c.on_train_begin(s);
}
template <class C, class T>
void on_epoch_begin(C& c, TrainingState<T>& s) {
    if constexpr (OnEpochBegin<C, T>) c.on_epoch_begin(s);
}
template <class C, class T>
void on_batch_end(C& c, TrainingState<T>& s, double loss) {
    if constexpr (OnBatchEnd<C, T>) c.on_batch_end(s, loss);
}
template <class C, class T>
void on_epoch_end(C& c, TrainingState<T>& s) {
    if constexpr (OnEpochEnd<C, T>) c.on_epoch_end(s);
}
template <class C, class T>
void on_train_end(C& c, TrainingState<T>& s) {
    if constexpr (OnTrainEnd<C, T>) c.on_train_end(s);
}

}  // namespace detail
}  // namespace xtnn
