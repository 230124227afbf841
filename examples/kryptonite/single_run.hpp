#pragma once
// The command line and report shared by the `fcnn` and `wdnn` programs: one
// run of the paper's protocol on one Kryptonite-n set (the training itself is
// written out in fcnn.cpp and wdnn.cpp).
#include <cstdio>
#include <sstream>
#include <string>

#include <xtnn/xtnn.hpp>

#include "cli.hpp"
#include "experiment.hpp"
#include "kryptonite_data.hpp"

namespace paper {

struct SingleRun {
    RunConfig config;
    std::string data_dir;
    std::string save_path;  // write the trained model (with its scaler) here when set
    std::string json_path;  // write the result as JSON here when set
    bool quiet = false;     // no per-epoch progress lines
};

inline SingleRun parse_single_run(const std::string& model, int argc, char** argv) {
    const std::string usage = "usage: " + model +
        " [--n 9] [--data DIR] [--seed 42] [--lr 0.001] [--epochs 200] [--batch 64] [--dropout 0.3]\n"
        "       [--patience 10] [--start-from-epoch 0] [--save FILE.npz] [--json FILE] [--quiet]\n"
        "Trains the paper's " + model + " on Kryptonite-n and prints train / validation / test accuracy.\n" +
        data_rule;
    cli::Args args(argc, argv, usage);
    SingleRun o;
    RunConfig& c = o.config;
    c.model = model;
    c.n = args.get<std::size_t>("--n", 9);
    o.data_dir = args.get("--data", std::string());
    c.seed = args.get<std::uint64_t>("--seed", 42);
    c.learning_rate = args.get<double>("--lr", 1e-3);
    c.epochs = args.get<std::size_t>("--epochs", 200);
    c.batch_size = args.get<std::size_t>("--batch", 64);
    c.dropout = args.get<double>("--dropout", 0.3);
    c.patience = args.get<std::size_t>("--patience", 10);
    c.start_from_epoch = args.get<std::size_t>("--start-from-epoch", 0);
    o.save_path = args.get("--save", std::string());
    o.json_path = args.get("--json", std::string());
    o.quiet = args.flag("--quiet");
    args.finish();
    return o;
}

inline void print_data(const SingleRun& o, const KryptoniteSet& set) {
    const RunConfig& c = o.config;
    std::printf("%s on Kryptonite-%zu (%s data, %zu rows), seed %llu, lr %g\n", c.model.c_str(), c.n,
                set.origin.c_str(), set.data.size(), static_cast<unsigned long long>(c.seed), c.learning_rate);
}

// Prints the result, and writes it as JSON when --json was given.
inline void report(const SingleRun& o, const KryptoniteSet& set, const RunResult& r) {
    const RunConfig& c = o.config;
    std::printf("train accuracy      %.4f\nvalidation accuracy %.4f\ntest accuracy       %.4f\n",
                r.train_accuracy, r.val_accuracy, r.test_accuracy);
    std::printf("epochs run %zu (best %zu, end: %s), %.1f s; target %.3f, Bayes accuracy %.3f\n", r.epochs_run,
                r.best_epoch, r.stop.c_str(), r.seconds, target_accuracy(c.n), set.bayes_accuracy);
    if (o.json_path.empty()) return;
    std::ostringstream json;
    json << "{\"model\": \"" << c.model << "\", \"n\": " << c.n << ", \"data\": \"" << set.origin
         << "\", \"seed\": " << c.seed << ", \"lr\": " << c.learning_rate
         << ", \"train_accuracy\": " << r.train_accuracy << ", \"val_accuracy\": " << r.val_accuracy
         << ", \"test_accuracy\": " << r.test_accuracy << ", \"epochs\": " << r.epochs_run
         << ", \"best_epoch\": " << r.best_epoch << ", \"stop\": \"" << r.stop << "\", \"seconds\": " << r.seconds
         << "}\n";
    xtnn::write_file_atomically(o.json_path, json.str());
}

}  // namespace paper
