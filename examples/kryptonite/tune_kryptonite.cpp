// tune_kryptonite: beyond the paper with the library's own tools. For each n, a
// hyperparameter search (xtnn::tune, ASHA) over the FCNN/WDNN family, its
// preprocessing and its training (tune_space.hpp) on the training/validation
// parts of the seed-42 split only; then the chosen configuration is trained on
// the splits of seeds 40, 42 and 44, keeping each run's best validation epoch,
// and measured once on each test part. Nothing is chosen on test data.
//
// Writes <out>/n<k>/{results.csv (resumable), summary.md, curves.png} per n and
// <out>/beyond.md (the table of docs/beyond.md). Runs on --threads threads.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <xtnn/tune.hpp>

#include "../tune/learning_curves.hpp"
#include "cli.hpp"
#include "kryptonite_data.hpp"
#include "tune_space.hpp"

using namespace xtnn;

namespace {

const char* const usage =
    "usage: tune_kryptonite [--n 9,12,15,18] [--data DIR] [--trials 60] [--max-epochs 150] [--min-epochs 30]\n"
    "                       [--eta 3] [--seconds 900] [--threads 2] [--seed 42] [--rows 0 (2000 n)]\n"
    "                       [--out tune_kryptonite_out] [--quiet]\n"
    "Per n: an ASHA study on the seed-42 split's training and validation parts (budget: --trials\n"
    "trials or --seconds of wall time, whichever ends first), then the chosen configuration on\n"
    "the splits of seeds 40, 42 and 44, measured on their test parts. ASHA's first rung is at\n"
    "--min-epochs: parity labels keep every model near 50 % for the first epochs (a plateau),\n"
    "so an earlier rung would stop trials at random.\n";

const std::uint64_t final_seeds[] = {40, 42, 44};

struct Options {
    std::vector<std::size_t> ns;
    std::string data_dir;
    std::size_t rows = 0;
    tune::StudyOptions study;
    tune::Asha asha;
    std::filesystem::path out;
};

std::vector<std::size_t> parse_list(const std::string& text) {
    std::vector<std::size_t> values;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        std::size_t used = 0;
        const unsigned long value = item.empty() ? 0 : std::stoul(item, &used);
        if (item.empty() || used != item.size() || value < 3) paper::fail("--n: bad value '", item, "' in '", text, "'");
        values.push_back(value);
    }
    return values;
}

Options parse(int argc, char** argv) {
    cli::Args args(argc, argv, std::string(usage) + paper::data_rule);
    Options o;
    o.ns = parse_list(args.get("--n", std::string("9,12,15,18")));
    o.data_dir = args.get("--data", std::string());
    o.rows = args.get<std::size_t>("--rows", 0);
    o.study = {.metric = "val_accuracy",
               .max_epochs = args.get<std::size_t>("--max-epochs", 150),
               .budget = {.trials = args.get<std::size_t>("--trials", 60),
                          .seconds = args.get<double>("--seconds", 900)},
               .seed = args.get<std::uint64_t>("--seed", 42),
               .threads = args.get<std::size_t>("--threads", 2)};
    o.asha = {.min_epochs = args.get<std::size_t>("--min-epochs", 30), .eta = args.get<std::size_t>("--eta", 3)};
    o.study.asha = o.asha;
    o.out = args.get("--out", std::string("tune_kryptonite_out"));
    if (args.flag("--quiet")) o.study.progress = nullptr;
    args.finish();
    paper::check_data_dir(o.data_dir);
    return o;
}

// The chosen configuration on one split: trained up to the epochs its trial ran,
// the best validation epoch's weights kept (EarlyStopping, patience = the cap).
struct FinalRun {
    double val_accuracy = 0, test_accuracy = 0;
};

FinalRun final_run(const tune::TrialResult& chosen, const Dataset<float>& data, std::uint64_t seed) {
    const paper::PreparedSplit parts = paper::prepare(chosen.config, data, seed);
    const std::size_t epochs = std::max<std::size_t>(1, chosen.epochs());
    EarlyStopping best_epoch{.monitor = "val_accuracy", .patience = epochs, .restore_best_weights = true,
                             .restore_at_end = true};
    auto model = paper::train_configuration(chosen.config, parts, epochs, seed, best_epoch);
    return {evaluate(model, parts.val, Accuracy{}), evaluate(model, parts.test, Accuracy{})};
}

struct NResult {
    std::size_t n = 0;
    std::string origin;
    double bayes = 0;
    tune::TrialResult chosen;
    std::size_t trials = 0;
    double study_seconds = 0;   // wall time of this run of the study (trials already in the file cost none)
    double trial_seconds = 0;   // Σ over the trials of their own time: thread-seconds the search cost
    std::vector<FinalRun> finals;
};

double mean_test(const NResult& r) {
    double sum = 0;
    for (const FinalRun& f : r.finals) sum += f.test_accuracy;
    return sum / static_cast<double>(r.finals.size());
}

NResult tune_one(std::size_t n, const Options& o) {
    const paper::KryptoniteSet set = paper::kryptonite_set(n, o.data_dir, 42, o.rows);
    const std::filesystem::path dir = o.out / ("n" + std::to_string(n));
    std::filesystem::create_directories(dir);
    tune::StudyOptions study = o.study;
    study.results = dir / "results.csv";
    if (study.progress != nullptr) {
        std::fprintf(study.progress, "== Kryptonite-%zu (%s data, %zu rows)\n", n, set.origin.c_str(), set.data.size());
    }

    // The study sees the seed-42 split's training and validation parts only.
    const tune::SearchSpace space = paper::kryptonite_space();
    const auto started = std::chrono::steady_clock::now();
    const tune::StudyResult result = tune::run_study(
        space,
        [&](const tune::Config& c, tune::TrialReporter& r) {
            paper::train_configuration(c, paper::prepare(c, set.data, 42), r.max_epochs(), r.seed(), r);
        },
        study);
    NResult out{n, set.origin, set.bayes_accuracy, result.best(), result.trials.size(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 0, {}};
    for (const tune::TrialResult& t : result.trials) out.trial_seconds += t.seconds;
    write_file_atomically(dir / "summary.md", tune::markdown_summary(result, 5));
    tune_plot::write_learning_curves(result, dir, "curves", "tune_kryptonite, n = " + std::to_string(n));

    for (const std::uint64_t seed : final_seeds) out.finals.push_back(final_run(out.chosen, set.data, seed));
    return out;
}

// "prep=binarize lr=0.00123": reals to 3 significant digits (the results file keeps them exact).
std::string brief(const tune::Config& config) {
    std::string text;
    for (const auto& [name, value] : config.values()) {
        char number[32];
        if (value.kind() == tune::ValueKind::real) std::snprintf(number, sizeof number, "%.3g", value.real());
        text += (text.empty() ? "" : " ") + name + "=" +
                (value.kind() == tune::ValueKind::real ? std::string(number) : value.to_string());
    }
    return text;
}

std::string table(const std::vector<NResult>& results) {
    std::ostringstream md;
    md << "| n | data | Bayes | chosen configuration | val (search) | test 40 / 42 / 44 | test mean | trials | "
          "trial min |\n|---|---|---|---|---|---|---|---|---|\n";
    char line[512];
    for (const NResult& r : results) {
        std::snprintf(line, sizeof line, "| %zu | %s | %.1f | %s | %.2f | %.2f / %.2f / %.2f | %.2f | %zu | %.1f |\n",
                      r.n, r.origin.c_str(), 100 * r.bayes, brief(r.chosen.config).c_str(),
                      100 * r.chosen.metric, 100 * r.finals[0].test_accuracy, 100 * r.finals[1].test_accuracy,
                      100 * r.finals[2].test_accuracy, 100 * mean_test(r), r.trials, r.trial_seconds / 60);
        md << line;
    }
    return md.str();
}

void run(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::filesystem::create_directories(o.out);
    std::vector<NResult> results;
    for (const std::size_t n : o.ns) {
        results.push_back(tune_one(n, o));
        const NResult& r = results.back();
        std::printf("n=%zu: chosen %s (val %.4f at epoch %zu); test accuracy over seeds 40/42/44: %.4f "
                    "(search: %zu trials, %.0f s wall)\n",
                    n, brief(r.chosen.config).c_str(), r.chosen.metric, r.chosen.best_epoch, mean_test(r), r.trials,
                    r.study_seconds);
        std::fflush(stdout);
    }
    const std::string md = table(results);
    write_file_atomically(o.out / "beyond.md", md);
    std::printf("\n%s\nresults: %s\n", md.c_str(), o.out.string().c_str());
}

}  // namespace

int main(int argc, char** argv) {
    return cli::run_main("tune_kryptonite", [&] { run(argc, argv); });
}
