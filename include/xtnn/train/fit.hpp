#pragma once
// fit: the training loop, for one process or (through a strategy) many.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../core/check_finite.hpp"
#include "../kernels/denormals.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../data/batches.hpp"
#include "../data/dataset.hpp"
#include "../io/checkpoint.hpp"
#include "../losses/loss.hpp"
#include "../metrics/accuracy.hpp"
#include "../metrics/named_metric.hpp"
#include "../optim/optimizer.hpp"
#include "../params/model_parameters.hpp"
#include "fit_options.hpp"
#include "history.hpp"
#include "predict.hpp"
#include "run_backup.hpp"
#include "trainer.hpp"
#include "training_state.hpp"

namespace xtnn {

namespace detail {

// A loss that fuses with an output activation (train/fusion.hpp) scores
// classes, so fit reports accuracy for it too.
template <class L>
constexpr bool is_classification_loss = requires { typename L::fused_activation; };

template <class M, class T>
void check_dataset_fits_model(M& model, const Dataset<T>& data, std::string_view what) {
    if (data.size() == 0) fail(what, " is empty");
    if (const auto in = model.input_width(); in && *in != data.features()) {
        fail(what, " has ", data.features(), " features, but the model expects ", *in);
    }
    if (const auto out = model.output_width(data.features()); out && *out != data.outputs() &&
                                                               data.outputs() != 1) {
        fail(what, " has ", data.outputs(), " label columns, but the model produces ", *out, " outputs");
    }
}

// Everything fit can check before it changes anything.
template <class M, class L, class T>
void check_fit_arguments(M& model, const L& loss, const Dataset<T>& train, const Dataset<T>& validation,
                         const FitOptions& options) {
    if (options.batch_size == 0) fail("fit: batch_size must be >= 1, got 0");
    if (options.eval_batch_size == 0) fail("fit: eval_batch_size must be >= 1, got 0");
    check_dataset_fits_model(model, train, "fit: the training set");
    check_finite(train.X, "fit: training features");
    const auto outputs = model.output_width(train.features()).value_or(train.outputs());
    loss.validate_targets(train.y, outputs);
    if (validation.size() > 0) {
        check_dataset_fits_model(model, validation, "fit: the validation set");
        check_finite(validation.X, "fit: validation features");
        loss.validate_targets(validation.y, outputs);
    }
    for (const auto& name : options.metrics) check_metric_name(name, "fit: ");
}

// How fit's loop talks to the other processes of a data-parallel run
// (distributed/data_parallel.hpp); training in one process talks to no one.
struct LocalTraining {
    std::uint64_t process() const { return 0; }
    template <Real T>
    void share_initial_weights(std::span<T>) const {}
    // Turns the local batch gradient into the global one; returns the global batch loss.
    template <Real T>
    double synchronize_step(std::span<T>, double loss, std::size_t) const { return loss; }
    double sum(double value) const { return value; }
    std::size_t common_steps(std::size_t local_steps) const { return local_steps; }
    template <Real T>
    const Tensor<T>& all_rows(const Tensor<T>& local, Tensor<T>&) const { return local; }
};

// Initializes what is not yet initialized, gives every process the same
// weights, and seeds each process's dropout masks apart.
template <class Strategy, class M>
void prepare_model(const Strategy& strategy, M& model, std::uint64_t seed) {
    init_missing_parameters(model, derive_seed(seed, 0));
    strategy.share_initial_weights(parameters(model).all_values);
    reseed_if_random(model, derive_seed(derive_seed(seed, 1), strategy.process()));
}

template <Real T, class Strategy, class M, class O>
TrainingState<T> initial_state(const Strategy& strategy, M& model, O& optimizer, const FitOptions& options,
                               std::size_t local_batches, History& history) {
    TrainingState<T> state;
    state.epochs = options.epochs;
    state.batches_per_epoch = strategy.common_steps(local_batches);
    state.learning_rate = state.initial_learning_rate = optimizer.learning_rate();
    state.history = &history;
    state.weights = parameters(model).all_values;
    state.save_model = [&model, &optimizer](const std::filesystem::path& path) { save(model, path, optimizer); };
    return state;
}

// The training half of an epoch: every step, then the epoch's mean loss (and
// accuracy for a classifier) over all processes.
template <class L, class Strategy, class Tr, class EachCallback, Real T>
EpochLog train_epoch(const Strategy& strategy, Tr& trainer, BatchIterator<T>& batches, Rng& shuffle_rng,
                     TrainingState<T>& state, EachCallback& each_callback) {
    constexpr bool classification = is_classification_loss<L>;
    double loss_sum = 0, correct = 0;
    std::size_t seen = 0;
    batches.start_epoch(shuffle_rng);
    for (state.batch = 0; state.batch < state.batches_per_epoch && batches.next() && !state.stop; ++state.batch) {
        double batch_loss = trainer.compute_gradients(batches.X(), batches.y());
        batch_loss = strategy.synchronize_step(trainer.gradients(), batch_loss, batches.X().shape(0));
        trainer.apply_update();
        const auto rows = static_cast<double>(batches.X().shape(0));
        loss_sum += batch_loss * rows;
        if constexpr (classification) correct += Accuracy{}(trainer.predictions(), batches.y()) * rows;
        seen += batches.X().shape(0);
        each_callback([&](auto& c) { on_batch_end(c, state, batch_loss); });
    }
    const double rows_seen = std::max(strategy.sum(static_cast<double>(seen)), 1.0);
    EpochLog log;
    log.epoch = state.epoch + 1;
    log.loss = strategy.sum(loss_sum) / rows_seen;
    if constexpr (classification) log.metrics["accuracy"] = strategy.sum(correct) / rows_seen;
    log.learning_rate = state.learning_rate;
    return log;
}

// Runs the model over `data` in evaluation mode, batch by batch; returns the
// mean loss and leaves all predictions in `predictions`.
template <class M, class Tr, class T>
double evaluate_into(M& model, Tr& trainer, const Dataset<T>& data, std::size_t batch_size, Tensor<T>& batch,
                     Tensor<T>& batch_y, Tensor<T>& predictions) {
    const ParametersFrozen frozen;  // evaluation chains fold once, not per batch
    double loss_sum = 0;
    for (std::size_t begin = 0; begin < data.size(); begin += batch_size) {
        const std::size_t count = std::min(batch_size, data.size() - begin);
        copy_rows(data.X, begin, count, batch);
        copy_rows(data.y, begin, count, batch_y);
        const Tensor<T>& pred = model.forward(batch, Mode::eval);
        loss_sum += trainer.evaluation_loss(pred, batch_y) * static_cast<double>(count);
        if (begin == 0) ensure_shape(predictions, data.size(), pred.shape(1));
        std::memcpy(predictions.data() + begin * pred.shape(1), pred.data(), pred.size() * sizeof(T));
    }
    return loss_sum / static_cast<double>(data.size());
}

// The validation set, its targets from every process, and the buffers its
// pass reuses from epoch to epoch.
template <Real T>
struct ValidationPass {
    const Dataset<T>& data;
    Tensor<T> all_targets_buffer, batch, batch_y, predictions, all_predictions;
    const Tensor<T>* all_targets = nullptr;

    // Every process gathers, validating or not: each gather is a collective.
    template <class Strategy>
    ValidationPass(const Strategy& strategy, const Dataset<T>& validation) : data(validation) {
        all_targets = &strategy.all_rows(validation.y, all_targets_buffer);
    }
    // all_targets may point into this object.
    ValidationPass(const ValidationPass&) = delete;
    ValidationPass& operator=(const ValidationPass&) = delete;
};

// The validation half of an epoch: val_loss (with the regularization
// penalty, as the training loss has it) and the validation metrics.
template <class L, class Strategy, class M, class Tr, Real T>
void measure_validation(const Strategy& strategy, M& model, Tr& trainer, ValidationPass<T>& pass,
                        const FitOptions& options, EpochLog& log) {
    const double local_loss = evaluate_into(model, trainer, pass.data, options.eval_batch_size, pass.batch,
                                            pass.batch_y, pass.predictions);
    const auto count = static_cast<double>(pass.data.size());
    log.val_loss = strategy.sum(local_loss * count) / strategy.sum(count);
    if (trainer.regularized()) log.val_loss += regularization_penalty(model);
    const Tensor<T>& pred = strategy.all_rows(pass.predictions, pass.all_predictions);
    if constexpr (is_classification_loss<L>) {
        log.metrics["val_accuracy"] = Accuracy{}(pred, *pass.all_targets);
    }
    for (const auto& name : options.metrics) log.metrics["val_" + name] = named_metric(name, pred, *pass.all_targets);
}

// A non-finite training loss stops the run, once, saying where.
template <Real T>
void stop_if_diverged(const EpochLog& log, History& history, TrainingState<T>& state) {
    if (std::isfinite(log.loss) || history.diverged) return;
    history.diverged = true;
    state.request_stop(concat("training diverged: the loss became ", log.loss, " in epoch ", log.epoch));
}

// Continues the run in the backup that a callback asked for, if it exists yet.
template <class Strategy, class Backup>
void resume_if_backed_up(const Strategy&, Backup& run_backup, const std::filesystem::path& path) {
    if constexpr (!std::is_same_v<Strategy, LocalTraining>) {
        fail("BackupAndRestore: distributed::fit cannot resume runs (every process has its own shuffle and ",
             "dropout streams); use ModelCheckpoint through root_only instead");
    }
    if (std::filesystem::exists(path)) run_backup.restore(path);
}

// fit's loop, for one process or (with a data-parallel strategy) many.
template <class Strategy, Model M, Optimizer O, Loss<value_type_t<M>> L, class... Cs>
History fit_with(const Strategy& strategy, M& model, O& optimizer, const L& loss, const Dataset<value_type_t<M>>& train,
                 const Dataset<value_type_t<M>>& validation, const FitOptions& options, Cs&... callbacks) {
    using T = value_type_t<M>;
    using Clock = std::chrono::steady_clock;
    check_fit_arguments(model, loss, train, validation, options);
    const FlushDenormals flush(options.flush_denormals);
    prepare_model(strategy, model, options.seed);
    // Each process shuffles its own rows.
    Rng shuffle_rng(derive_seed(derive_seed(options.seed, 2), strategy.process()));
    Trainer<M, O, L> trainer(model, optimizer, loss);
    BatchIterator<T> batches(train, options.batch_size, options.shuffle);
    History history;
    TrainingState<T> state =
        initial_state<T>(strategy, model, optimizer, options, batches.batches_per_epoch(), history);
    auto each_callback = [&](auto&& hook) { (hook(callbacks), ...); };

    each_callback([&](auto& c) { on_train_begin(c, state); });
    RunBackupFor<M, O, Cs...> run_backup(run_settings(options, train, validation), model, optimizer, state, history,
                                         shuffle_rng, callbacks...);
    if (!state.backup.empty()) resume_if_backed_up(strategy, run_backup, state.backup);
    ValidationPass<T> validation_pass(strategy, validation);
    for (std::size_t epoch = state.epoch; epoch < options.epochs && !state.stop; ++epoch) {
        const auto start = Clock::now();
        state.epoch = epoch;
        each_callback([&](auto& c) { on_epoch_begin(c, state); });
        optimizer.set_learning_rate(state.learning_rate);
        EpochLog log = train_epoch<L>(strategy, trainer, batches, shuffle_rng, state, each_callback);
        if (validation.size() > 0) measure_validation<L>(strategy, model, trainer, validation_pass, options, log);
        log.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        stop_if_diverged(log, history, state);
        history.epochs.push_back(std::move(log));
        each_callback([&](auto& c) { on_epoch_end(c, state); });
        if (!state.backup.empty()) run_backup.save(state.backup);
    }
    each_callback([&](auto& c) { on_train_end(c, state); });
    return history;
}

}  // namespace detail

/// Trains `model` on `train`, validating on `validation` after every epoch
/// (pass an empty Dataset to skip validation). Callbacks are any objects with
/// the hooks listed in training_state.hpp (EarlyStopping, StepLR, ProgressBar, ...).
template <Model M, Optimizer O, Loss<value_type_t<M>> L, Callback<value_type_t<M>>... Cs>
History fit(M& model, O& optimizer, const L& loss, const Dataset<value_type_t<M>>& train,
            const Dataset<value_type_t<M>>& validation, const FitOptions& options, Cs&&... callbacks) {
    return detail::fit_with(detail::LocalTraining{}, model, optimizer, loss, train, validation, options, callbacks...);
}

/// fit without a validation set.
template <Model M, Optimizer O, Loss<value_type_t<M>> L, Callback<value_type_t<M>>... Cs>
History fit(M& model, O& optimizer, const L& loss, const Dataset<value_type_t<M>>& train, const FitOptions& options,
            Cs&&... callbacks) {
    return fit(model, optimizer, loss, train, Dataset<value_type_t<M>>{}, options, std::forward<Cs>(callbacks)...);
}

}  // namespace xtnn
