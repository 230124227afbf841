#pragma once
// One run of the paper's protocol (§3), shared by the fcnn, wdnn and
// reproduce_paper programs: seeded 40/30/30 split, StandardScaler fitted on the
// training split, Adam, batch 64, learning rate halved once after epoch 50,
// early stopping on validation loss with the best weights restored.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <string>

#include <xtnn/xtnn.hpp>

#include "models.hpp"

namespace paper {

// Success thresholds of the Kryptonite-n challenge.
inline double target_accuracy(std::size_t n) {
    static const std::map<std::size_t, double> targets{{9, 0.95},  {12, 0.925}, {15, 0.90}, {18, 0.875},
                                                       {24, 0.80}, {30, 0.75},  {45, 0.70}};
    auto it = targets.find(n);
    return it == targets.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
}

struct KryptoniteSet {
    xtnn::Dataset<float> data;
    std::string origin;     // "real" or "generated, seed s"
    double bayes_accuracy;  // best achievable accuracy on this set
};

// Label-flip rates measured on the real sets (data/kryptonite/README.md).
inline double real_bayes_accuracy(std::size_t n) {
    static const std::map<std::size_t, double> flips{{9, 0.0417}, {12, 0.0358}, {15, 0.0328}, {18, 0.0290}};
    auto it = flips.find(n);
    return it == flips.end() ? std::numeric_limits<double>::quiet_NaN() : 1.0 - it->second;
}

// The real kryptonite-n set from `dir` when it is there, else a generated one
// (`generated_rows` rows; 0: 2000·n, the size of the published sets).
inline KryptoniteSet kryptonite_set(std::size_t n, const std::string& dir, std::uint64_t generator_seed,
                                    std::size_t generated_rows = 0) {
    namespace fs = std::filesystem;
    if (!dir.empty()) {
        const fs::path x = fs::path(dir) / ("kryptonite-" + std::to_string(n) + "-X.npy");
        const fs::path y = fs::path(dir) / ("kryptonite-" + std::to_string(n) + "-y.npy");
        if (fs::exists(x) && fs::exists(y)) {
            return {xtnn::load_dataset_npy<float>(x, y), "real", real_bayes_accuracy(n)};
        }
    }
    auto generated = xtnn::make_kryptonite<float>(n, {.rows = generated_rows, .seed = generator_seed});
    return {std::move(generated.data), "generated, seed " + std::to_string(generator_seed),
            generated.bayes_accuracy};
}

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
    bool progress = true;
    std::string progress_prefix;
    std::string save_path;  // write the trained model (with its scaler) here when set
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
    // Labels predicted for the unlabelled features passed to run(), if any.
    xt::xtensor<std::int64_t, 1> hidden_labels;
};

// Tells RunConfig::on_epoch about every finished epoch.
struct EpochHook {
    const std::function<void(std::size_t)>* hook;

    template <xtnn::Real T>
    void on_epoch_end(xtnn::TrainingState<T>& state) const {
        if (*hook) (*hook)(state.last_log().epoch);
    }
};

// `hidden`: features without labels to predict with the trained model (nullptr: none).
template <class Model>
RunResult train_and_evaluate(Model& model, const RunConfig& c, const xtnn::Dataset<float>& data,
                             const xtnn::Tensor<float>* hidden) {
    using namespace xtnn;
    const auto start = std::chrono::steady_clock::now();
    auto [train, val, test] = train_val_test_split(data, {0.4, 0.3, 0.3}, c.seed);
    StandardScaler<float> scaler;
    scaler.fit(train.X);
    scaler.transform_inplace(train.X);
    scaler.transform_inplace(val.X);
    scaler.transform_inplace(test.X);

    Adam<float> optimizer(c.learning_rate);
    FitOptions options;
    options.epochs = c.epochs;
    options.batch_size = c.batch_size;
    options.seed = c.seed;
    EarlyStopping stopping{.monitor = "val_loss",
                           .patience = c.patience,
                           .restore_best_weights = true,
                           .start_from_epoch = c.start_from_epoch,
                           .restore_at_end = true};
    StepLR halving{.step = c.halve_after_epoch, .gamma = 0.5, .once = true};
    ProgressBar progress{.prefix = c.progress_prefix, .stream = c.progress ? stderr : nullptr};
    History history = fit(model, optimizer, BinaryCrossEntropy{}, train, val, options, stopping, halving, progress,
                          EpochHook{&c.on_epoch});

    RunResult r;
    r.train_accuracy = evaluate(model, train, Accuracy{});
    r.val_accuracy = evaluate(model, val, Accuracy{});
    r.test_accuracy = evaluate(model, test, Accuracy{});
    r.epochs_run = history.size();
    r.best_epoch = stopping.best_epoch;
    r.stop = history.diverged ? "diverged" : stopping.stopped_epoch != 0 ? "early" : "limit";
    if (!c.save_path.empty()) save(model, c.save_path, scaler);
    if (hidden != nullptr) {
        Tensor<float> x = *hidden;
        scaler.transform_inplace(x);
        r.hidden_labels = labels_from_outputs(predict(model, x));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
    xtnn::detail::fail("unknown model '", name, "' (expected wdnn or fcnn)");
}

inline RunResult run(const RunConfig& c, const xtnn::Dataset<float>& data,
                     const xtnn::Tensor<float>* hidden = nullptr) {
    return with_model(c.model, c.n, {.dropout = c.dropout},
                      [&](auto& model) { return train_and_evaluate(model, c, data, hidden); });
}

}  // namespace paper
