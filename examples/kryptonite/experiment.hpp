#pragma once
// One run of the paper's protocol (§3), shared by the fcnn, wdnn and
// reproduce_paper programs: seeded 40/30/30 split, StandardScaler fitted on the
// training split, Adam, batch 64, learning rate halved once after epoch 50,
// early stopping on validation loss with the best weights restored. Each step
// is a function of its own, so fcnn.cpp and wdnn.cpp can show them in order.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <xtnn/xtnn.hpp>

#include "fail.hpp"
#include "hidden_labels.hpp"
#include "models.hpp"

namespace paper {

struct RunConfig {
    std::string model = "wdnn";  // or "fcnn"
    std::size_t n = 9;
    std::uint64_t seed = 42;
    double learning_rate = 1e-3;
    std::size_t epochs = 200;
    std::size_t batch_size = 64;
    double dropout = 0.3;
    std::size_t patience = 10;
    std::size_t start_from_epoch = 0;  // the paper: 0 (monitor from the first epoch)
    std::size_t halve_after_epoch = 50;
    // Called after every epoch with its 1-based number (a runner's live status).
    std::function<void(std::size_t)> on_epoch;
};

struct RunResult {
    double train_accuracy = 0;
    double val_accuracy = 0;
    double test_accuracy = 0;
    std::size_t epochs_run = 0;
    std::size_t best_epoch = 0;
    double seconds = 0;
    std::string stop;  // "early" (early stopping), "limit" (epoch budget ran out) or "diverged"
    // Labels predicted for the unlabelled features passed to train_and_evaluate, if any.
    Labels hidden_labels;
};

// The seeded 40/30/30 split, every part scaled by a StandardScaler fitted on
// the training part alone (the model must not see the other parts' statistics).
struct ScaledSplit {
    xtnn::Dataset<float> train, val, test;
    xtnn::StandardScaler<float> scaler;
};

inline ScaledSplit split_and_scale(const xtnn::Dataset<float>& data, std::uint64_t seed) {
    auto [train, val, test] = xtnn::train_val_test_split(data, {0.4, 0.3, 0.3}, seed);
    xtnn::StandardScaler<float> scaler;
    scaler.fit(train.X);
    scaler.transform_inplace(train.X);
    scaler.transform_inplace(val.X);
    scaler.transform_inplace(test.X);
    return {std::move(train), std::move(val), std::move(test), std::move(scaler)};
}

inline xtnn::FitOptions fit_options(const RunConfig& c) {
    xtnn::FitOptions options;
    options.epochs = c.epochs;
    options.batch_size = c.batch_size;
    options.seed = c.seed;
    return options;
}

inline xtnn::EarlyStopping early_stopping(const RunConfig& c) {
    return {.monitor = "val_loss",
            .patience = c.patience,
            .restore_best_weights = true,
            .start_from_epoch = c.start_from_epoch,
            .restore_at_end = true};
}

// Eq. 12: halved once, after epoch 50 (not every 50 epochs).
inline xtnn::StepLR lr_halving(const RunConfig& c) {
    return {.step = c.halve_after_epoch, .gamma = 0.5, .once = true};
}

// "early", "limit" or "diverged": why a fit ended.
inline std::string stop_reason(const xtnn::History& history, const xtnn::EarlyStopping& stopping) {
    return history.diverged ? "diverged" : stopping.stopped_epoch() != 0 ? "early" : "limit";
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Tells RunConfig::on_epoch about every finished epoch.
struct EpochHook {
    const std::function<void(std::size_t)>* hook;

    template <xtnn::Real T>
    void on_epoch_end(xtnn::TrainingState<T>& state) const {
        if (*hook) (*hook)(state.last_log().epoch);
    }
};

// The protocol on `model`, without printing. `hidden`: features without labels
// to predict with the trained model (nullptr: none).
template <class Model>
RunResult train_and_evaluate(Model& model, const RunConfig& c, const xtnn::Dataset<float>& data,
                             const xtnn::Tensor<float>* hidden) {
    using namespace xtnn;
    const auto start = std::chrono::steady_clock::now();
    ScaledSplit parts = split_and_scale(data, c.seed);
    Adam<float> optimizer(c.learning_rate);
    EarlyStopping stopping = early_stopping(c);
    const History history = fit(model, optimizer, BinaryCrossEntropy{}, parts.train, parts.val, fit_options(c),
                                stopping, lr_halving(c), EpochHook{&c.on_epoch});

    RunResult r;
    r.train_accuracy = evaluate(model, parts.train, Accuracy{});
    r.val_accuracy = evaluate(model, parts.val, Accuracy{});
    r.test_accuracy = evaluate(model, parts.test, Accuracy{});
    r.epochs_run = history.size();
    r.best_epoch = stopping.best_epoch();
    r.stop = stop_reason(history, stopping);
    if (hidden != nullptr) {
        Tensor<float> x = *hidden;
        parts.scaler.transform_inplace(x);
        r.hidden_labels = labels_from_outputs(predict(model, x));
    }
    r.seconds = seconds_since(start);
    return r;
}

// Builds the named model ("wdnn" or "fcnn") and returns f(model).
template <class F>
auto with_model(const std::string& name, std::size_t n, const ModelOptions& options, F&& f) {
    if (name == "wdnn") {
        auto model = make_wdnn<float>(n, options);
        return f(model);
    }
    if (name == "fcnn") {
        auto model = make_fcnn<float>(n, options);
        return f(model);
    }
    fail("unknown model '", name, "' (expected wdnn or fcnn)");
}

inline RunResult run(const RunConfig& c, const xtnn::Dataset<float>& data,
                     const xtnn::Tensor<float>* hidden = nullptr) {
    return with_model(c.model, c.n, {.dropout = c.dropout},
                      [&](auto& model) { return train_and_evaluate(model, c, data, hidden); });
}

}  // namespace paper
