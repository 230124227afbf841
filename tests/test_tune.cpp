// xtnn::tune: sampling, Config, ASHA's promotion logic, budgets, the results
// file (resume, another study's file), failures, threads, and a small real study.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>
#include <xtnn/tune.hpp>

#include "data_test_support.hpp"

using namespace xtnn;
using xtnn_test::check_error;
using xtnn_test::ScratchDir;

namespace {

tune::SearchSpace example_space() {
    tune::SearchSpace space;
    space.log_uniform("lr", 1e-4, 1e-1)
        .uniform("dropout", 0.0, 0.5)
        .integer("width", 4, 9)
        .integer("units", 1, 1000, tune::Scale::log)
        .choice("activation", {"relu", "tanh", "gelu"})
        .choice("batch", {16, 32, 64});
    return space;
}

// A quiet study: no progress lines on the test's stderr.
tune::StudyOptions quiet(tune::StudyOptions options) {
    options.progress = nullptr;
    return options;
}

// Trial i's curve: quality[i] · epoch (a known, rising curve), maximized.
struct KnownCurves {
    std::vector<double> quality;
    std::mutex mutex;
    std::vector<std::size_t> started;

    void operator()(const tune::Config&, tune::TrialReporter& reporter) {
        {
            std::lock_guard lock(mutex);
            started.push_back(reporter.trial());
        }
        for (std::size_t e = 1; e <= reporter.max_epochs(); ++e) {
            if (reporter.report(e, quality.at(reporter.trial()) * static_cast<double>(e)) == tune::Verdict::stop) {
                return;
            }
        }
    }
};

std::vector<std::size_t> epochs_run(const tune::StudyResult& result) {
    std::vector<std::size_t> epochs;
    for (const auto& t : result.trials) epochs.push_back(t.epochs());
    return epochs;
}

}  // namespace

TEST_CASE("sampling stays within bounds, covers them, and depends only on seed and trial") {
    const tune::SearchSpace space = example_space();
    std::set<std::int64_t> widths;
    std::set<std::string> activations;
    std::size_t lr_below_1e3 = 0, units_below_32 = 0;
    const std::size_t n = 3000;
    for (std::size_t i = 0; i < n; ++i) {
        const tune::Config c = space.sample(7, i);
        const double lr = c.get<double>("lr");
        CHECK((lr >= 1e-4 && lr < 1e-1));
        lr_below_1e3 += lr < 1e-3 ? 1 : 0;
        const double dropout = c.get<double>("dropout");
        CHECK((dropout >= 0.0 && dropout < 0.5));
        widths.insert(c.get<std::int64_t>("width"));
        const auto units = c.get<std::size_t>("units");
        CHECK((units >= 1 && units <= 1000));
        units_below_32 += units < 32 ? 1 : 0;
        activations.insert(c.get<std::string>("activation"));
        const int batch = c.get<int>("batch");
        CHECK((batch == 16 || batch == 32 || batch == 64));
        CHECK(c == space.sample(7, i));  // the same seed and trial: the same configuration
    }
    CHECK(widths == std::set<std::int64_t>{4, 5, 6, 7, 8, 9});
    CHECK(activations == std::set<std::string>{"gelu", "relu", "tanh"});
    // Log-uniform: one decade of three holds a third of the draws (±5 standard errors).
    CHECK(std::abs(static_cast<double>(lr_below_1e3) / n - 1.0 / 3) < 0.05);
    // Log-scaled integers over [1, 1001): P(units < 32) = log(32) / log(1001) ≈ 0.50.
    CHECK(std::abs(static_cast<double>(units_below_32) / n - std::log(32.0) / std::log(1001.0)) < 0.05);
    CHECK(space.sample(7, 0) != space.sample(8, 0));
    CHECK(space.sample(7, 0) != space.sample(7, 1));
}

TEST_CASE("Config getters name unknown hyperparameters and wrong types") {
    const tune::Config c = example_space().sample(1, 0);
    check_error([&] { (void)c.get<double>("learning_rate"); },
                {"no hyperparameter named 'learning_rate'", "lr, dropout"});
    check_error([&] { (void)c.get<double>("width"); }, {"'width' is an integer", "get<std::int64_t>"});
    check_error([&] { (void)c.get<int>("lr"); }, {"'lr' is a real number", "get<double>"});
    check_error([&] { (void)c.get<std::string>("batch"); }, {"'batch' is an integer"});
    check_error([&] { (void)c.get<double>("activation"); }, {"'activation' is a string", "get<std::string>"});
    tune::Config big;
    big.set("n", 300);
    check_error([&] { (void)big.get<std::int8_t>("n"); }, {"'n' = 300 does not fit"});
}

TEST_CASE("a search space refuses what it cannot sample") {
    tune::SearchSpace space;
    check_error([&] { space.uniform("x", 1.0, 1.0); }, {"'x'", "low < high"});
    check_error([&] { space.log_uniform("lr", 0.0, 1.0); }, {"'lr'", "low > 0"});
    check_error([&] { space.integer("k", 5, 4); }, {"'k'", "is empty"});
    check_error([&] { space.integer("k", 0, 4, tune::Scale::log); }, {"'k'", "low >= 1"});
    check_error([&] { space.choice("c", {}); }, {"'c'", "at least one option"});
    check_error([&] { space.choice("c", {1, "two"}); }, {"'c'", "mix an integer (1) and a string (two)"});
    check_error([&] { space.choice("c", {"a,b"}); }, {"'c': option 'a,b'", "comma"});
    space.uniform("x", 0, 1);
    check_error([&] { space.integer("x", 0, 1); }, {"'x' is defined twice"});
    check_error([] { (void)tune::SearchSpace{}.sample(0, 0); }, {"the space is empty"});
    check_error(
        [] {
            (void)tune::run_study(
                tune::SearchSpace{}, [](const tune::Config&, tune::TrialReporter&) {}, quiet({}));
        },
        {"the search space is empty"});
}

TEST_CASE("ASHA rungs keep the top 1/eta of what each rung has seen") {
    tune::Rungs rungs(tune::Asha{.min_epochs = 1, .eta = 3}, 27, /*maximize=*/true);
    CHECK(rungs.epochs() == std::vector<std::size_t>{1, 3, 9});
    CHECK(rungs.record(2, 0.1));        // not a rung: always on
    CHECK(rungs.record(1, 0.5));        // alone: top 1 of 1
    CHECK_FALSE(rungs.record(1, 0.4));  // top ceil(2/3) = 1: only the best goes on
    CHECK(rungs.record(1, 0.6));
    CHECK(rungs.record(1, 0.55));  // 4 values: the top 2 go on, 0.55 is second
    CHECK_FALSE(rungs.record(1, 0.2));
    CHECK(rungs.recorded(0) == 5);
    CHECK(rungs.recorded(1) == 0);
    tune::Rungs minimizing(tune::Asha{.min_epochs = 2, .eta = 2}, 9, /*maximize=*/false);
    CHECK(minimizing.epochs() == std::vector<std::size_t>{2, 4, 8});
    CHECK(minimizing.record(2, 1.0));
    CHECK(minimizing.record(2, 0.5));
    CHECK_FALSE(minimizing.record(2, 2.0));
    check_error([] { tune::Rungs(tune::Asha{.min_epochs = 1, .eta = 1}, 9, true); }, {"eta must be >= 2"});
    check_error([] { tune::Rungs(tune::Asha{.min_epochs = 9, .eta = 3}, 9, true); },
                {"min_epochs (9)", "below max_epochs"});
}

TEST_CASE("ASHA stops weak trials at the rungs and lets strong ones run to max_epochs") {
    KnownCurves curves{.quality = {5, 4, 6, 1, 2, 7, 3, 8, 0}, .mutex = {}, .started = {}};
    tune::SearchSpace space;
    space.uniform("x", 0, 1);
    const tune::StudyOptions options = quiet({.metric = "score",
                                              .mode = MonitorMode::max,
                                              .max_epochs = 9,
                                              .asha = tune::Asha{.min_epochs = 1, .eta = 3},
                                              .budget = {.trials = 9, .epochs = 0, .seconds = 0},
                                              .seed = 3});
    const tune::StudyResult result = tune::run_study(space, std::ref(curves), options);
    // Rungs at epochs 1 and 3. Worked out by hand in trial order (one worker): trial 1
    // (4 < 5) is the worse of two at epoch 1; trial 3 the 4th of 4 (top 2 go on); ...
    CHECK(epochs_run(result) == std::vector<std::size_t>{9, 1, 9, 1, 1, 9, 1, 9, 1});
    CHECK(result.trials[1].status == tune::TrialStatus::stopped);
    CHECK(result.trials[1].message.find("ASHA: not in the top 1/3 of 2 trials at epoch 1") != std::string::npos);
    CHECK(result.trials[0].status == tune::TrialStatus::completed);
    CHECK(result.best().id == 7);
    CHECK(result.best().metric == 72.0);
    CHECK(result.best().best_epoch == 9);
    CHECK(result.count(tune::TrialStatus::stopped) == 5);
}

TEST_CASE("Hyperband's brackets: trial i is judged in bracket i mod brackets, from its own first rung") {
    const auto brackets = tune::make_brackets(tune::Asha{.min_epochs = 1, .eta = 3, .brackets = 3}, 27, true);
    REQUIRE(brackets.size() == 3);
    CHECK(brackets[0].epochs() == std::vector<std::size_t>{1, 3, 9});
    CHECK(brackets[1].epochs() == std::vector<std::size_t>{3, 9});
    CHECK(brackets[2].epochs() == std::vector<std::size_t>{9});
    check_error([] { (void)tune::make_brackets(tune::Asha{.min_epochs = 1, .eta = 3, .brackets = 4}, 27, true); },
                {"bracket 3 would start at epoch 27", "use at most 3 brackets"});

    // Qualities by trial; brackets {0, 2, 4, 6, 8} and {1, 3, 5, 7}, rungs at 1 and 3 and at 3.
    KnownCurves curves{.quality = {5, 4, 6, 1, 2, 7, 3, 8, 0}, .mutex = {}, .started = {}};
    tune::SearchSpace space;
    space.uniform("x", 0, 1);
    const tune::StudyOptions options = quiet({.metric = "score",
                                              .mode = MonitorMode::max,
                                              .max_epochs = 9,
                                              .asha = tune::Asha{.min_epochs = 1, .eta = 3, .brackets = 2},
                                              .budget = {.trials = 9, .epochs = 0, .seconds = 0}});
    const tune::StudyResult result = tune::run_study(space, std::ref(curves), options);
    // Bracket 0 sees 5, 6, 2, 3, 0 at epoch 1: 5 on; 6 on; 2 out (top 1 of 3); 3 out (top 2 of 4,
    // behind 5 and 6); 0 out. At epoch 3: 15 on, then 18 on.
    // Bracket 1 sees 4, 1, 7, 8 at epoch 3 (12, 3, 21, 24): 12 on; 3 out; 21 on; 24 on.
    CHECK(epochs_run(result) == std::vector<std::size_t>{9, 9, 9, 3, 1, 9, 1, 9, 1});
}

TEST_CASE("budgets: trials, total epochs and seconds") {
    KnownCurves curves{.quality = std::vector<double>(10, 1.0), .mutex = {}, .started = {}};
    tune::SearchSpace space;
    space.uniform("x", 0, 1);
    tune::StudyOptions options = quiet({.metric = "score", .mode = MonitorMode::max, .max_epochs = 5});
    options.budget = {.trials = 10, .epochs = 12, .seconds = 0};
    const tune::StudyResult by_epochs = tune::run_study(space, std::ref(curves), options);
    CHECK(epochs_run(by_epochs) == std::vector<std::size_t>{5, 5, 2});
    CHECK(by_epochs.trials[2].status == tune::TrialStatus::stopped);
    CHECK(by_epochs.trials[2].message == "budget: 12 of 12 epochs used");

    options.budget = {.trials = 10, .epochs = 0, .seconds = 1e-9};
    CHECK(tune::run_study(space, std::ref(curves), options).trials.empty());

    options.budget = {.trials = 3, .epochs = 0, .seconds = 0};
    CHECK(epochs_run(tune::run_study(space, std::ref(curves), options)) == std::vector<std::size_t>{5, 5, 5});
}

TEST_CASE("a trial that throws, diverges or reports nothing is recorded and the study goes on") {
    ScratchDir dir("tune-failures");
    tune::SearchSpace space;
    space.integer("k", 0, 1000);
    auto trial = [](const tune::Config&, tune::TrialReporter& reporter) {
        switch (reporter.trial()) {
            case 1: throw std::runtime_error("out of memory, or so");
            case 2:
                reporter.report(1, 0.5);
                reporter.report(2, std::numeric_limits<double>::quiet_NaN());
                return;
            case 3: return;
            case 4: reporter.report(2, 0.5); return;
            default: reporter.report(1, 0.25 * static_cast<double>(reporter.trial()));
        }
    };
    tune::StudyOptions options = quiet({.metric = "val_loss", .max_epochs = 3, .budget = {.trials = 6}});
    options.results = dir / "results.csv";
    const tune::StudyResult result = tune::run_study(space, trial, options);
    REQUIRE(result.trials.size() == 6);
    CHECK(result.trials[1].status == tune::TrialStatus::failed);
    CHECK(result.trials[1].message == "out of memory, or so");
    CHECK(result.trials[2].status == tune::TrialStatus::diverged);
    CHECK(result.trials[2].message == "val_loss was nan after epoch 2");
    CHECK(result.trials[2].metric == 0.5);  // what it reached before
    CHECK(result.trials[3].status == tune::TrialStatus::failed);
    CHECK(result.trials[3].message.find("reported no val_loss") != std::string::npos);
    CHECK(result.trials[4].status == tune::TrialStatus::failed);
    CHECK(result.trials[4].message.find("reported epoch 2 after epoch 0") != std::string::npos);
    CHECK(result.best().id == 0);  // val_loss is minimized; failed and diverged trials are not ranked
    // Every trial is in the file, the failures with their messages.
    const std::string text = read_file(options.results);
    CHECK(text.find(",failed,out of memory, or so,") == std::string::npos);  // the comma is quoted
    CHECK(text.find(",failed,\"out of memory, or so\",") != std::string::npos);
    const auto reread = tune::read_results(
        options.results, space, tune::study_signature(space, "val_loss", false, options.seed), false, options.seed);
    REQUIRE(reread.size() == 6);
    CHECK(reread[1].message == "out of memory, or so");
    CHECK(std::isnan(reread[2].curve[1]));
    const std::string summary = tune::markdown_summary(result, 3);
    CHECK(summary.find("Best 2 of 6 trials by val_loss (lower is better): 2 completed, 0 stopped early, 3 failed, "
                       "1 diverged.") != std::string::npos);
    CHECK(summary.find("| rank | trial | k | val_loss | best epoch | epochs | seconds | status |") !=
          std::string::npos);
    CHECK(summary.find("Trial 1 failed (k=") != std::string::npos);

    tune::StudyResult all_failed = result;
    all_failed.trials = {result.trials[1]};
    check_error([&] { (void)all_failed.best(); }, {"none of the 1 trials reported a finite val_loss"});
}

TEST_CASE("a study resumes from its results file without re-running finished trials") {
    ScratchDir dir("tune-resume");
    tune::SearchSpace space;
    space.uniform("x", 0, 1).choice("name", {"a", "b"});
    const std::vector<double> quality = {5, 4, 6, 1, 2, 7, 3, 8, 0};
    tune::StudyOptions options = quiet({.metric = "score",
                                        .mode = MonitorMode::max,
                                        .max_epochs = 9,
                                        .asha = tune::Asha{.min_epochs = 1, .eta = 3},
                                        .budget = {.trials = 9, .epochs = 0, .seconds = 0},
                                        .seed = 3});
    KnownCurves uninterrupted{.quality = quality, .mutex = {}, .started = {}};
    const tune::StudyResult reference = tune::run_study(space, std::ref(uninterrupted), options);

    // A study "killed" after its first 4 trials, and its file with trial 2's row lost
    // (it was still running when 3 finished, on another thread).
    options.results = dir / "results.csv";
    options.budget.trials = 4;
    KnownCurves first{.quality = quality, .mutex = {}, .started = {}};
    (void)tune::run_study(space, std::ref(first), options);
    std::string text = read_file(options.results);
    const std::size_t row2 = text.find("\n2,");
    REQUIRE(row2 != std::string::npos);
    text.erase(row2 + 1, text.find('\n', row2 + 1) - row2);
    write_file_atomically(options.results, text);

    options.budget.trials = 9;
    KnownCurves second{.quality = quality, .mutex = {}, .started = {}};
    const tune::StudyResult resumed = tune::run_study(space, std::ref(second), options);
    CHECK(second.started == std::vector<std::size_t>{2, 4, 5, 6, 7, 8});
    REQUIRE(resumed.trials.size() == reference.trials.size());
    for (std::size_t i = 0; i < reference.trials.size(); ++i) {
        CAPTURE(i);
        CHECK(resumed.trials[i].curve == reference.trials[i].curve);
        CHECK(resumed.trials[i].status == reference.trials[i].status);
        CHECK(resumed.trials[i].config == reference.trials[i].config);
    }
    // Resuming a finished study runs nothing.
    KnownCurves third{.quality = quality, .mutex = {}, .started = {}};
    CHECK(tune::run_study(space, std::ref(third), options).trials.size() == 9);
    CHECK(third.started.empty());
}

TEST_CASE("a results file from another study is refused and left alone") {
    ScratchDir dir("tune-other-study");
    tune::SearchSpace space;
    space.uniform("x", 0, 1);
    KnownCurves curves{.quality = std::vector<double>(4, 1.0), .mutex = {}, .started = {}};
    tune::StudyOptions options = quiet({.metric = "score", .mode = MonitorMode::max, .max_epochs = 2});
    options.budget.trials = 2;
    options.results = dir / "results.csv";
    (void)tune::run_study(space, std::ref(curves), options);
    const std::string before = read_file(options.results);

    tune::SearchSpace other;
    other.uniform("x", 0, 2);
    check_error([&] { (void)tune::run_study(other, std::ref(curves), options); },
                {"results.csv' belongs to another study", "x: uniform(0, 1)", "x: uniform(0, 2)"});
    options.seed = 99;
    check_error([&] { (void)tune::run_study(space, std::ref(curves), options); }, {"another study", "seed: 99"});
    options.seed = 0;
    options.mode = MonitorMode::min;
    check_error([&] { (void)tune::run_study(space, std::ref(curves), options); }, {"another study", "(min)"});
    CHECK(read_file(options.results) == before);
    options.results = dir / "no-such-folder" / "results.csv";
    check_error([&] { (void)tune::run_study(space, std::ref(curves), options); },
                {"the folder of the results file", "no-such-folder/results.csv' does not exist"});
    options.results = dir / "results.csv";

    options.mode = MonitorMode::max;
    std::string edited = before;
    edited.replace(edited.find("\n0,") + 3, 1, "7");  // trial 0's x changed
    write_file_atomically(options.results, edited);
    check_error([&] { (void)tune::run_study(space, std::ref(curves), options); },
                {"line 3: trial 0 has x=7", "but this study samples x="});
    write_file_atomically(options.results, before + "2,0.5,1,1,1,0.1,finished,,1\n");
    check_error([&] { (void)tune::run_study(space, std::ref(curves), options); },
                {"line 5: status 'finished' is none of completed"});
}

namespace {

// A fake trial whose curve depends only on its configuration, as a seeded fit's does.
void configuration_curve(const tune::Config& c, tune::TrialReporter& reporter) {
    double value = c.get<double>("lr") * 100 + static_cast<double>(c.get<std::int64_t>("width"));
    for (std::size_t e = 1; e <= reporter.max_epochs(); ++e) {
        value *= 0.9 + 0.01 * static_cast<double>(e % 3);
        if (reporter.report(e, value) == tune::Verdict::stop) return;
    }
}

}  // namespace

TEST_CASE("random search on threads gives the results of one thread") {
    tune::SearchSpace space;
    space.log_uniform("lr", 1e-3, 1).integer("width", 1, 64);
    tune::StudyOptions options = quiet({.metric = "val_loss", .max_epochs = 6, .budget = {.trials = 12}, .seed = 5});
    const tune::StudyResult one = tune::run_study(space, configuration_curve, options);
    options.threads = 3;
    const tune::StudyResult three = tune::run_study(space, configuration_curve, options);
    REQUIRE(three.trials.size() == 12);
    for (std::size_t i = 0; i < 12; ++i) {
        CHECK(three.trials[i].curve == one.trials[i].curve);
        CHECK(three.trials[i].config == one.trials[i].config);
    }
    CHECK(three.best().id == one.best().id);
}

TEST_CASE("a small real study: MLPs on generated Kryptonite-9, ASHA on two threads, progress and summary") {
    ScratchDir dir("tune-real");
    auto data = make_kryptonite<float>(9, {.rows = 900, .label_noise = 0.0, .seed = 11});
    auto split = train_val_test_split(data.data, {0.5, 0.3, 0.2}, 11);  // no structured bindings: lambdas capture them
    StandardScaler<float> scaler;
    split.train.X = scaler.fit_transform(split.train.X);
    split.val.X = scaler.transform(split.val.X);

    tune::SearchSpace space;
    space.log_uniform("lr", 1e-3, 3e-2).integer("width", 8, 32, tune::Scale::log).choice("batch", {32, 64});
    auto trial = [&](const tune::Config& c, tune::TrialReporter& reporter) {
        const auto width = c.get<std::size_t>("width");
        auto model = Sequential(Dense<float>(9, width), ReLU(), Dense<float>(width, 1), Sigmoid());
        Adam<float> optimizer(c.get<double>("lr"));
        FitOptions fit_options;
        fit_options.epochs = reporter.max_epochs();
        fit_options.batch_size = c.get<std::size_t>("batch");
        fit_options.seed = reporter.seed();
        fit(model, optimizer, BinaryCrossEntropy{}, split.train, split.val, fit_options, reporter);
    };
    std::FILE* progress = std::tmpfile();
    REQUIRE(progress != nullptr);
    tune::StudyOptions options{.metric = "val_accuracy",
                               .max_epochs = 4,
                               .asha = tune::Asha{.min_epochs = 1, .eta = 2},
                               .budget = {.trials = 6},
                               .seed = 1,
                               .threads = 2,
                               .results = dir / "results.csv",
                               .progress = progress};
    const tune::StudyResult result = tune::run_study(space, trial, options);
    REQUIRE(result.trials.size() == 6);
    CHECK(result.maximize);
    for (const auto& t : result.trials) {
        CHECK(t.status != tune::TrialStatus::failed);
        CHECK(t.epochs() >= 1);
        CHECK(t.epochs() <= 4);
    }
    CHECK(result.best().metric > 0.5);  // better than chance after a few epochs
    CHECK(result.best().best_epoch >= 1);
    std::rewind(progress);
    std::string lines;
    for (int c = std::fgetc(progress); c != EOF; c = std::fgetc(progress)) lines += static_cast<char>(c);
    std::fclose(progress);
    CHECK(lines.find("/6 done") != std::string::npos);
    CHECK(lines.find("6/6 done, 0 running | best ") != std::string::npos);

    // The same configurations on one thread: ASHA's decisions may differ with two
    // threads, but what a trial measured in the epochs it ran does not.
    options.threads = 1;
    options.results.clear();
    options.progress = nullptr;
    const tune::StudyResult serial = tune::run_study(space, trial, options);
    for (std::size_t i = 0; i < 6; ++i) {
        const auto& a = result.trials[i].curve;
        const auto& b = serial.trials[i].curve;
        const std::size_t common = std::min(a.size(), b.size());
        CHECK(std::vector<double>(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(common)) ==
              std::vector<double>(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(common)));
    }
}
