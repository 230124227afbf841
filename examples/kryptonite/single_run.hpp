#pragma once
// The command line shared by the `fcnn` and `wdnn` programs: one run of the
// paper's protocol on one Kryptonite-n set.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "cli.hpp"
#include "experiment.hpp"

namespace paper {

inline int single_run_main(const std::string& model, int argc, char** argv) try {
    const std::string usage = "usage: " + model +
        " [--n 9] [--data DIR] [--seed 42] [--lr 0.001] [--epochs 200] [--batch 64] [--dropout 0.3]\n"
        "       [--patience 10] [--start-from-epoch 0] [--save FILE.npz] [--json FILE] [--quiet]\n"
        "Trains the paper's " + model + " on Kryptonite-n (DIR/kryptonite-n-{X,y}.npy when present,\n"
        "generated data otherwise) and prints train / validation / test accuracy.\n";
    cli::Args args(argc, argv, usage);
    RunConfig c;
    c.model = model;
    c.n = args.get<std::size_t>("--n", 9);
    const std::string data_dir = args.get("--data", std::string());
    c.seed = args.get<std::uint64_t>("--seed", 42);
    c.learning_rate = args.get<double>("--lr", 1e-3);
    c.epochs = args.get<std::size_t>("--epochs", 200);
    c.batch_size = args.get<std::size_t>("--batch", 64);
    c.dropout = args.get<double>("--dropout", 0.3);
    c.patience = args.get<std::size_t>("--patience", 10);
    c.start_from_epoch = args.get<std::size_t>("--start-from-epoch", 0);
    c.save_path = args.get("--save", std::string());
    const std::string json = args.get("--json", std::string());
    c.progress = !args.flag("--quiet");
    args.finish();

    xtnn::set_blas_threads(1);
    const KryptoniteSet set = kryptonite_set(c.n, data_dir, c.seed);
    c.progress_prefix = model + " n=" + std::to_string(c.n);
    std::printf("%s on Kryptonite-%zu (%s data, %zu rows), seed %llu, lr %g\n", model.c_str(), c.n,
                set.origin.c_str(), set.data.size(), static_cast<unsigned long long>(c.seed), c.learning_rate);
    const RunResult r = run(c, set.data);
    std::printf("train accuracy      %.4f\nvalidation accuracy %.4f\ntest accuracy       %.4f\n",
                r.train_accuracy, r.val_accuracy, r.test_accuracy);
    std::printf("epochs run %zu (best %zu, end: %s), %.1f s; target %.3f, Bayes accuracy %.3f\n", r.epochs_run,
                r.best_epoch, r.stop.c_str(), r.seconds, target_accuracy(c.n), set.bayes_accuracy);
    if (!json.empty()) {
        const std::string text = xtnn::detail::concat(
            "{\"model\": \"", model, "\", \"n\": ", c.n, ", \"data\": \"", set.origin, "\", \"seed\": ", c.seed,
            ", \"lr\": ", c.learning_rate, ", \"train_accuracy\": ", r.train_accuracy, ", \"val_accuracy\": ",
            r.val_accuracy, ", \"test_accuracy\": ", r.test_accuracy, ", \"epochs\": ", r.epochs_run,
            ", \"best_epoch\": ", r.best_epoch, ", \"stop\": \"", r.stop, "\", \"seconds\": ", r.seconds, "}\n");
        xtnn::write_file_atomically(json, text);
    }
    return 0;
} catch (const cli::HelpRequested& help) {
    std::fputs(help.usage.c_str(), stdout);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", model.c_str(), e.what());
    return 1;
}

}  // namespace paper
