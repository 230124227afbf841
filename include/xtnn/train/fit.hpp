#pragma once
// fit / evaluate / predict.
#include <algorithm>
#include <chrono>
#include <iterator>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../data/batches.hpp"
#include "../core/check_finite.hpp"
#include "../data/dataset.hpp"
#include "../core/error.hpp"
#include "../io/checkpoint.hpp"
#include "../losses/binary_crossentropy.hpp"
#include "../losses/cross_entropy.hpp"
#include "../losses/loss.hpp"
#include "../losses/mean_squared_error.hpp"
#include "../metrics/classification.hpp"
#include "../params/model_parameters.hpp"
#include "../core/random.hpp"
#include "fit_options.hpp"
#include "history.hpp"
#include "trainer.hpp"
#include "training_state.hpp"

namespace xtnn {

namespace detail {

// A loss that fuses with an output activation (train/fusion.hpp) scores
// classes, so fit reports accuracy for it too.
template <class Loss>
constexpr bool is_classification_loss = requires { typename Loss::fused_activation; };

template <class Model, class T>
void check_dataset_fits_model(Model& model, const Dataset<T>& data, std::string_view what) {
    if (data.size() == 0) fail(what, " is empty");
    if (const auto in = model.input_width(); in && *in != data.features()) {
        fail(what, " has ", data.features(), " features, but the model expects ", *in);
    }
    if (const auto out = model.output_width(data.features()); out && *out != data.outputs() &&
                                                               data.outputs() != 1) {
        fail(what, " has ", data.outputs(), " label columns, but the model produces ", *out, " outputs");
    }
}

// Copies rows [begin, begin + count) of `source` into `out` (resized only on change).
template <class T>
void copy_rows(const Tensor<T>& source, std::size_t begin, std::size_t count, Tensor<T>& out) {
    ensure_shape(out, count, source.shape(1));
    std::memcpy(out.data(), source.data() + begin * source.shape(1), count * source.shape(1) * sizeof(T));
}

inline constexpr std::string_view metric_names[] = {"accuracy", "auc", "precision", "recall", "f1"};

inline void check_metric_name(std::string_view name, std::string_view who) {
    if (std::find(std::begin(metric_names), std::end(metric_names), name) == std::end(metric_names)) {
        fail(who, "unknown metric '", name, "'; known: accuracy, auc, precision, recall, f1");
    }
}

template <class T>
double named_metric(std::string_view name, const Tensor<T>& pred, const Tensor<T>& y) {
    check_metric_name(name, "");
    if (name == "accuracy") return Accuracy{}(pred, y);
    if (name == "auc") return AUC{}(pred, y);
    if (name == "precision") return Precision{}(pred, y);
    if (name == "recall") return Recall{}(pred, y);
    return F1{}(pred, y);
}

// Runs the model over `data` in evaluation mode, batch by batch; returns the
// mean loss and leaves all predictions in `predictions`.
template <class Model, class Optimizer, class Loss, class T>
double evaluate_into(Model& model, Trainer<Model, Optimizer, Loss>& trainer, const Dataset<T>& data,
                     std::size_t batch_size, Tensor<T>& batch, Tensor<T>& batch_y, Tensor<T>& predictions) {
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

}  // namespace detail

namespace detail {

// fit's loop, for one process or (with a data-parallel strategy) many.
template <class Strategy, Parametric Model, class Optimizer, class Loss, class... Callbacks>
History fit_with(const Strategy& strategy, Model& model, Optimizer& optimizer, const Loss& loss,
                 const Dataset<value_type_t<Model>>& train, const Dataset<value_type_t<Model>>& validation,
                 const FitOptions& options, Callbacks&... callbacks) {
    using T = value_type_t<Model>;
    using Clock = std::chrono::steady_clock;
    if (options.batch_size == 0) detail::fail("fit: batch_size must be >= 1, got 0");
    if (options.eval_batch_size == 0) detail::fail("fit: eval_batch_size must be >= 1, got 0");
    detail::check_dataset_fits_model(model, train, "fit: the training set");
    check_finite(train.X, "fit: training features");
    const auto outputs = model.output_width(train.features()).value_or(train.outputs());
    loss.validate_targets(train.y, outputs);
    const bool validating = validation.size() > 0;
    if (validating) {
        detail::check_dataset_fits_model(model, validation, "fit: the validation set");
        check_finite(validation.X, "fit: validation features");
        loss.validate_targets(validation.y, outputs);
    }
    for (const auto& name : options.metrics) detail::check_metric_name(name, "fit: ");

    init_missing_parameters(model, derive_seed(options.seed, 0));
    strategy.share_initial_weights(parameters(model).all_values);
    // Each process draws its own dropout masks and shuffles its own rows.
    reseed_if_random(model, derive_seed(derive_seed(options.seed, 1), strategy.process()));
    Rng shuffle_rng(derive_seed(derive_seed(options.seed, 2), strategy.process()));

    Trainer<Model, Optimizer, Loss> trainer(model, optimizer, loss);
    BatchIterator<T> batches(train, options.batch_size, options.shuffle);
    History history;
    TrainingState<T> state;
    state.epochs = options.epochs;
    state.batches_per_epoch = strategy.common_steps(batches.batches_per_epoch());
    state.learning_rate = state.initial_learning_rate = optimizer.learning_rate();
    state.history = &history;
    state.weights = parameters(model).all_values;
    state.save_model = [&](const std::filesystem::path& path) {
        if constexpr (detail::CheckpointOptimizer<Optimizer>) save(model, path, optimizer);
        else save(model, path);
    };

    auto each_callback = [&](auto&& hook) { (hook(callbacks), ...); };
    each_callback([&](auto& c) { detail::on_train_begin(c, state); });

    Tensor<T> eval_batch, eval_y, predictions, all_predictions, all_validation_y;
    const Tensor<T>& validation_y = strategy.all_rows(validation.y, all_validation_y);
    constexpr bool classification = detail::is_classification_loss<Loss>;
    for (std::size_t epoch = 0; epoch < options.epochs && !state.stop; ++epoch) {
        const auto start = Clock::now();
        state.epoch = epoch;
        each_callback([&](auto& c) { detail::on_epoch_begin(c, state); });
        optimizer.set_learning_rate(state.learning_rate);

        double loss_sum = 0, correct = 0;
        std::size_t seen = 0;
        batches.start_epoch(shuffle_rng);
        for (state.batch = 0; state.batch < state.batches_per_epoch && batches.next() && !state.stop;
             ++state.batch) {
            double batch_loss = trainer.compute_gradients(batches.X(), batches.y());
            batch_loss = strategy.synchronize_step(trainer.gradients(), batch_loss, batches.X().shape(0));
            trainer.apply_update();
            const auto rows = static_cast<double>(batches.X().shape(0));
            loss_sum += batch_loss * rows;
            if constexpr (classification) correct += Accuracy{}(trainer.predictions(), batches.y()) * rows;
            seen += batches.X().shape(0);
            each_callback([&](auto& c) { detail::on_batch_end(c, state, batch_loss); });
        }

        const double rows_seen = std::max(strategy.sum(static_cast<double>(seen)), 1.0);
        EpochLog log;
        log.epoch = epoch + 1;
        log.loss = strategy.sum(loss_sum) / rows_seen;
        if constexpr (classification) log.metrics["accuracy"] = strategy.sum(correct) / rows_seen;
        log.learning_rate = state.learning_rate;
        if (validating) {
            const double local_loss = evaluate_into(model, trainer, validation, options.eval_batch_size,
                                                    eval_batch, eval_y, predictions);
            const auto count = static_cast<double>(validation.size());
            log.val_loss = strategy.sum(local_loss * count) / strategy.sum(count);
            if (trainer.regularized()) log.val_loss += regularization_penalty(model);
            const Tensor<T>& pred = strategy.all_rows(predictions, all_predictions);
            if constexpr (classification) log.metrics["val_accuracy"] = Accuracy{}(pred, validation_y);
            for (const auto& name : options.metrics) {
                log.metrics["val_" + name] = named_metric(name, pred, validation_y);
            }
        }
        log.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (!std::isfinite(log.loss) && !history.diverged) {
            history.diverged = true;
            state.request_stop(concat("training diverged: the loss became ", log.loss, " in epoch ",
                                              epoch + 1));
        }
        history.epochs.push_back(std::move(log));
        each_callback([&](auto& c) { detail::on_epoch_end(c, state); });
    }
    each_callback([&](auto& c) { detail::on_train_end(c, state); });
    return history;
}

}  // namespace detail

// Trains `model` on `train`, validating on `validation` after every epoch
// (pass an empty Dataset to skip validation). Callbacks are any objects with
// the hooks listed in training_state.hpp (EarlyStopping, StepLR, ProgressBar, ...).
template <Parametric Model, class Optimizer, class Loss, class... Callbacks>
History fit(Model& model, Optimizer& optimizer, const Loss& loss, const Dataset<value_type_t<Model>>& train,
            const Dataset<value_type_t<Model>>& validation, const FitOptions& options,
            Callbacks&&... callbacks) {
    return detail::fit_with(detail::LocalTraining{}, model, optimizer, loss, train, validation, options,
                            callbacks...);
}

// fit without a validation set.
template <Parametric Model, class Optimizer, class Loss, class... Callbacks>
History fit(Model& model, Optimizer& optimizer, const Loss& loss, const Dataset<value_type_t<Model>>& train,
            const FitOptions& options, Callbacks&&... callbacks) {
    return fit(model, optimizer, loss, train, Dataset<value_type_t<Model>>{}, options,
               std::forward<Callbacks>(callbacks)...);
}

// The model's outputs for every row of `x`, computed in evaluation mode.
template <Parametric Model>
Tensor<value_type_t<Model>> predict(Model& model, const Tensor<value_type_t<Model>>& x,
                                    std::size_t batch_size = 1024) {
    using T = value_type_t<Model>;
    if (batch_size == 0) detail::fail("predict: batch_size must be >= 1, got 0");
    if (const auto in = model.input_width(); in && *in != x.shape(1)) {
        detail::fail("predict: the input has ", x.shape(1), " features, but the model expects ", *in);
    }
    require_initialized(model, "predict");
    Tensor<T> batch;
    Tensor<T> out;
    for (std::size_t begin = 0; begin < x.shape(0); begin += batch_size) {
        const std::size_t count = std::min(batch_size, x.shape(0) - begin);
        detail::copy_rows(x, begin, count, batch);
        const Tensor<T>& pred = model.forward(batch, Mode::eval);
        if (begin == 0) out.resize({x.shape(0), pred.shape(1)});
        std::memcpy(out.data() + begin * pred.shape(1), pred.data(), pred.size() * sizeof(T));
    }
    return out;
}

template <Parametric Model>
Tensor<value_type_t<Model>> predict(Model& model, const Dataset<value_type_t<Model>>& data,
                                    std::size_t batch_size = 1024) {
    return predict(model, data.X, batch_size);
}

// A metric (Accuracy{}, AUC{}, ...) of the model's predictions on `data`.
template <Parametric Model, class Metric>
double evaluate(Model& model, const Dataset<value_type_t<Model>>& data, const Metric& metric,
                std::size_t batch_size = 1024) {
    if (data.size() == 0) detail::fail("evaluate: the dataset is empty");
    return metric(predict(model, data, batch_size), data.y);
}

}  // namespace xtnn
