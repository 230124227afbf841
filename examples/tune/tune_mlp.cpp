// tune_mlp: a hyperparameter search (xtnn::tune) for a small MLP on generated
// Kryptonite-n data, chosen on the validation split only; then the chosen
// configuration is retrained to its best epoch and measured once on test data.
// Writes <out>/results.csv (resumable: run it again to continue a killed
// study), <out>/summary.md and <out>/curves.png. docs/tuning.md explains it.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <xtnn/tune.hpp>

#include "../kryptonite/cli.hpp"
#include "learning_curves.hpp"

using namespace xtnn;

namespace {

const char* const usage =
    "usage: tune_mlp [--n 9] [--rows 0 (2000 n)] [--trials 12] [--max-epochs 9] [--strategy asha|random]\n"
    "                [--min-epochs 1] [--eta 3] [--epochs-budget 0] [--seconds 0] [--threads 1] [--seed 42]\n"
    "                [--out tune_mlp_out] [--quiet]";

struct Splits {
    Dataset<float> train, validation, test;
};

Splits kryptonite_splits(std::size_t n, std::size_t rows, std::uint64_t seed) {
    auto data = make_kryptonite<float>(n, {.rows = rows, .label_noise = 0.03, .seed = seed});
    auto [train, validation, test] = train_val_test_split(data.data, {0.4, 0.3, 0.3}, seed);
    StandardScaler<float> scaler;
    train.X = scaler.fit_transform(train.X);
    validation.X = scaler.transform(validation.X);
    test.X = scaler.transform(test.X);
    return {std::move(train), std::move(validation), std::move(test)};
}

// The model a configuration describes, trained for `epochs` with `seed`.
auto train_model(const tune::Config& c, const Splits& data, std::size_t epochs, std::uint64_t seed,
                 tune::TrialReporter* reporter) {
    const auto width = c.get<std::size_t>("width");
    const std::size_t n = data.train.features();
    auto model = Sequential(Dense<float>(n, width, L2(1e-4)), ReLU(), Dropout(c.get<double>("dropout")),
                            Dense<float>(width, width, L2(1e-4)), ReLU(), Dense<float>(width, 1), Sigmoid());
    Adam<float> optimizer(c.get<double>("lr"));
    FitOptions options;
    options.epochs = epochs;
    options.batch_size = c.get<std::size_t>("batch");
    options.seed = seed;
    if (reporter != nullptr) {
        fit(model, optimizer, BinaryCrossEntropy{}, data.train, data.validation, options, *reporter);
    } else {
        fit(model, optimizer, BinaryCrossEntropy{}, data.train, data.validation, options);
    }
    return model;
}

void run(int argc, char** argv) {
    cli::Args args(argc, argv, usage);
    const auto n = args.get<std::size_t>("--n", 9);
    const auto rows = args.get<std::size_t>("--rows", 0);
    const std::string strategy = args.get("--strategy", std::string("asha"));
    const std::filesystem::path out = args.get("--out", std::string("tune_mlp_out"));
    const bool quiet = args.flag("--quiet");
    tune::StudyOptions options{.metric = "val_accuracy",
                               .max_epochs = args.get<std::size_t>("--max-epochs", 9),
                               .budget = {.trials = args.get<std::size_t>("--trials", 12),
                                          .epochs = args.get<std::size_t>("--epochs-budget", 0),
                                          .seconds = args.get<double>("--seconds", 0)},
                               .seed = args.get<std::uint64_t>("--seed", 42),
                               .threads = args.get<std::size_t>("--threads", 1),
                               .results = out / "results.csv",
                               .progress = quiet ? nullptr : stderr};
    const tune::Asha asha{.min_epochs = args.get<std::size_t>("--min-epochs", 1),
                          .eta = args.get<std::size_t>("--eta", 3)};
    args.finish();
    if (strategy != "asha" && strategy != "random") {
        paper::fail("--strategy: 'asha' or 'random', not '", strategy, "'\n", usage);
    }
    if (strategy == "asha") options.asha = asha;

    const Splits data = kryptonite_splits(n, rows, options.seed);
    tune::SearchSpace space;
    space.log_uniform("lr", 3e-4, 3e-2)
        .integer("width", 16, 256, tune::Scale::log)
        .uniform("dropout", 0.0, 0.4)
        .choice("batch", {32, 64, 128});
    std::filesystem::create_directories(out);
    const tune::StudyResult study = tune::run_study(
        space,
        [&](const tune::Config& c, tune::TrialReporter& r) { train_model(c, data, r.max_epochs(), r.seed(), &r); },
        options);

    const std::string summary = tune::markdown_summary(study, 5);
    write_file_atomically(out / "summary.md", summary);
    std::printf("%s\n", summary.c_str());
    tune_plot::write_learning_curves(study, out, "curves", "tune_mlp on Kryptonite-" + std::to_string(n));

    // The chosen configuration, retrained with its trial's seed to its best epoch
    // (the same weights the trial had then), measured once on the test split.
    const tune::TrialResult& best = study.best();
    auto model =
        train_model(best.config, data, best.best_epoch, tune::assignment(space, options.seed, best.id).seed, nullptr);
    std::printf("chosen: trial %zu (%s), val_accuracy %.4f at epoch %zu; test accuracy %.4f\n", best.id,
                best.config.describe().c_str(), best.metric, best.best_epoch, evaluate(model, data.test, Accuracy{}));
    std::printf("results: %s\n", out.string().c_str());
}

}  // namespace

int main(int argc, char** argv) {
    return cli::run_main("tune_mlp", [&] { run(argc, argv); });
}
