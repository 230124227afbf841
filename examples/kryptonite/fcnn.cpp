// Trains the paper's fully connected network on one Kryptonite-n set with the
// paper's protocol (§3) and prints train / validation / test accuracy:
//   build/examples/fcnn --n 9 --data ../shared/data/kryptonite --seed 42 --lr 0.001
// wdnn.cpp is the same program for the Wide-and-Deep network.
#include <chrono>
#include <cstdio>
#include <string>

#include <xtnn/xtnn.hpp>

#include "experiment.hpp"
#include "kryptonite_data.hpp"
#include "models.hpp"
#include "single_run.hpp"

int main(int argc, char** argv) {
    return cli::run_main("fcnn", [&] {
        const paper::SingleRun o = paper::parse_single_run("fcnn", argc, argv);
        const paper::RunConfig& c = o.config;
        xtnn::set_blas_threads(1);  // a small model: more BLAS threads cost more than they give
        const paper::KryptoniteSet set = paper::kryptonite_set(c.n, o.data_dir, c.seed);
        paper::print_data(o, set);
        const auto start = std::chrono::steady_clock::now();

        // Dense → ReLU → BatchNorm → Dropout blocks n → 128 → 64, then Dense(64→1)·Sigmoid.
        auto model = paper::make_fcnn<float>(c.n, {.dropout = c.dropout});
        // 40/30/30 after a seeded shuffle; the scaler learns from the training part only.
        const paper::ScaledSplit parts = paper::split_and_scale(set.data, c.seed);
        xtnn::Adam<float> optimizer(c.learning_rate);
        xtnn::EarlyStopping stopping = paper::early_stopping(c);  // on val_loss, best weights restored
        const xtnn::History history =
            xtnn::fit(model, optimizer, xtnn::BinaryCrossEntropy{}, parts.train, parts.val, paper::fit_options(c),
                      stopping, paper::lr_halving(c),
                      xtnn::ProgressBar{.prefix = "fcnn n=" + std::to_string(c.n),
                                        .stream = o.quiet ? nullptr : stderr});

        paper::RunResult r;
        r.train_accuracy = xtnn::evaluate(model, parts.train, xtnn::Accuracy{});
        r.val_accuracy = xtnn::evaluate(model, parts.val, xtnn::Accuracy{});
        r.test_accuracy = xtnn::evaluate(model, parts.test, xtnn::Accuracy{});
        r.epochs_run = history.size();
        r.best_epoch = stopping.best_epoch();
        r.stop = paper::stop_reason(history, stopping);
        r.seconds = paper::seconds_since(start);
        // The scaler is saved with the model: the model only works on inputs scaled the same way.
        if (!o.save_path.empty()) xtnn::save(model, o.save_path, parts.scaler);
        paper::report(o, set, r);
    });
}
