// Reproduces "Wide and Deep Neural Network on Kryptonite-n" end to end: both
// models, every n, the learning-rate study of Appendix A, three seeds, runs in
// parallel (threads, and in reproduce_paper_mpi MPI ranks); writes results.csv,
// results.md and figure.png (Figure 1).
#include <algorithm>
#include <cstdint>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtnn/xtnn.hpp>

#include "cli.hpp"
#include "experiment.hpp"
#include "fail.hpp"
#include "figure.hpp"
#include "hidden_labels.hpp"
#include "job_pool.hpp"
#include "kryptonite_data.hpp"
#include "processes.hpp"
#include "progress.hpp"
#include "results_csv.hpp"
#include "results_markdown.hpp"
#include "study.hpp"

namespace {

namespace fs = std::filesystem;
using namespace paper;

const std::string usage = std::string(
    "usage: reproduce_paper [--quick] [--data DIR] [--out results] [--jobs N] [--only fcnn|wdnn]\n"
    "       [--n 9,12,15,18,24,30,45] [--seeds 40,42,44] [--lrs 0.005,0.001,0.0005,0.0001]\n"
    "       [--epochs 200] [--patience 10] [--start-from-epoch 0] [--rows R] [--data-seed 42]\n"
    "Runs the paper's protocol for FCNN and WDNN over every n, learning rate and seed, in parallel,\n"
    "chooses each n's learning rate on validation accuracy, and writes results.csv, results.md\n"
    "and figure.png to --out. Generated sets have --rows rows (default 2000·n like the real sets)\n"
    "and generator seed --data-seed. Predictions for DIR/hidden-kryptonite-n-X.npy go to --out\n"
    "when the model was trained on the real set.\n") +
    paper::data_rule +
    "--quick: n = 9, 12 and seed 42 only (a few minutes); the lists above override it.\n"
    "--start-from-epoch E: early stopping ignores the first E epochs (Keras's start_from_epoch;\n"
    "the paper: 0).\n"
    "reproduce_paper_mpi (built with -DXTNN_WITH_MPI=ON) takes the same options under mpirun, deals the\n"
    "runs to the ranks and writes on rank 0; --jobs is then per rank (default: cores / ranks on the host).\n";

template <class T>
std::vector<T> parse_list(const std::string& text, const std::string& option) {
    std::vector<T> values;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        std::istringstream field(item);
        T value{};
        if (!(field >> value) || !field.eof()) fail("option ", option, ": cannot read '", item, "'");
        values.push_back(value);
    }
    if (values.empty()) fail("option ", option, " needs a comma-separated list");
    return values;
}

struct Options {
    Study study;
    RunConfig base;
    std::string data_dir;
    fs::path out;
    std::size_t jobs = 1;
    std::size_t rows = 0;
    std::uint64_t data_seed = 42;
};

Options parse(int argc, char** argv, std::size_t default_jobs) {
    cli::Args args(argc, argv, usage);
    Options o;
    const bool quick = args.flag("--quick");
    o.data_dir = args.get("--data", std::string());
    o.out = args.get("--out", std::string("results"));
    o.jobs = args.get<std::size_t>("--jobs", default_jobs);
    const std::string only = args.get("--only", std::string());
    const std::string n_list = args.get("--n", std::string(quick ? "9,12" : "9,12,15,18,24,30,45"));
    const std::string seed_list = args.get("--seeds", std::string(quick ? "42" : "40,42,44"));
    const std::string lr_list = args.get("--lrs", std::string("0.005,0.001,0.0005,0.0001"));
    o.base.epochs = args.get<std::size_t>("--epochs", 200);
    o.base.patience = args.get<std::size_t>("--patience", 10);
    o.base.start_from_epoch = args.get<std::size_t>("--start-from-epoch", 0);
    o.rows = args.get<std::size_t>("--rows", 0);
    o.data_seed = args.get<std::uint64_t>("--data-seed", 42);
    args.finish();

    if (!only.empty() && only != "fcnn" && only != "wdnn") {
        fail("--only takes fcnn or wdnn, not '", only, "'");
    }
    if (o.jobs == 0) fail("--jobs must be at least 1");
    o.study.models = only.empty() ? std::vector<std::string>{"fcnn", "wdnn"} : std::vector<std::string>{only};
    for (std::size_t n : parse_list<std::size_t>(n_list, "--n")) o.study.sets.push_back(SetInfo{n, "", 0, 0});
    o.study.seeds = parse_list<std::uint64_t>(seed_list, "--seeds");
    o.study.learning_rates = parse_list<double>(lr_list, "--lrs");
    return o;
}

struct LoadedSet {
    KryptoniteSet set;
    std::optional<xtnn::Tensor<float>> hidden;  // the challenge's unlabelled features, when usable
    std::string hidden_note;
};
using Sets = std::map<std::size_t, LoadedSet>;  // by n

// The labelled set, and the hidden one when DIR has it and the labelled set is
// real: a model fitted to generated data has other informative columns, so its
// labels for the real hidden set would be coin flips.
LoadedSet load(std::size_t n, const Options& o) {
    LoadedSet s{kryptonite_set(n, o.data_dir, o.data_seed, o.rows), std::nullopt, ""};
    const fs::path hidden = fs::path(o.data_dir) / hidden_features_name(n);
    if (o.data_dir.empty() || !fs::exists(hidden)) return s;
    if (s.set.origin != "real") {
        s.hidden_note = hidden_features_name(n) +
                        ": no predictions (the labelled set is not available, and a model trained on "
                        "generated data would guess)";
        return s;
    }
    s.hidden = read_hidden_features(hidden, n);
    return s;
}

// Every n's data, loaded once; fills in what the tables say about each set.
Sets load_sets(Study& study, const Options& o, bool root) {
    Sets sets;
    for (auto& info : study.sets) {
        const LoadedSet& s = sets.emplace(info.n, load(info.n, o)).first->second;
        info.origin = s.set.origin;
        info.bayes_accuracy = s.set.bayes_accuracy;
        info.rows = s.set.data.size();
        if (!root) continue;
        std::printf("n=%zu: %s data, %zu rows, Bayes accuracy %.3f%s\n", info.n, info.origin.c_str(), info.rows,
                    info.bayes_accuracy, s.hidden ? ", hidden set to label" : "");
    }
    return sets;
}

std::string label(const RunConfig& c) {
    return c.model + " n=" + std::to_string(c.n) + " lr=" + report::number(c.learning_rate) +
           " seed=" + std::to_string(c.seed);
}

// "wdnn n=9 lr=0.001 seed=42: train 0.9612 val 0.9580 test 0.9601, 57 epochs (best 47, early), 12.3 s"
std::string outcome(const Run& run) {
    const RunResult& r = run.result;
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, ": train %.4f val %.4f test %.4f, %zu epochs (best %zu, %s), %.1f s",
                  r.train_accuracy, r.val_accuracy, r.test_accuracy, r.epochs_run, r.best_epoch, r.stop.c_str(),
                  r.seconds);
    return label(run.config) + numbers;
}

// Each run's cost, rows × weights: a Dense layer does one multiply-add per weight and row.
std::vector<double> run_costs(const Study& study) {
    std::vector<double> costs;
    for (const auto& run : study.runs) {
        const RunConfig& c = run.config;
        const auto weights = with_model(c.model, c.n, {}, [](auto& m) { return xtnn::parameter_count(m); });
        costs.push_back(static_cast<double>(study.set(c.n).rows) * static_cast<double>(weights));
    }
    return costs;
}

// Run indices, the most expensive first, so the last runs to finish are short.
std::vector<std::size_t> most_expensive_first(const std::vector<double>& costs) {
    std::vector<std::size_t> order(costs.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return costs[a] > costs[b]; });
    return order;
}

// What the root prints while runs go on: each run as it finishes, and the
// running ones when a while passes without one.
JobReports root_reports(const Study& study, const std::vector<std::size_t>& mine, const StudyProgress& progress,
                        std::size_t& reported) {
    JobReports reports;
    reports.done = [&, total = mine.size()](std::size_t k) {
        std::printf("[%zu/%zu] %s\n%s\n", ++reported, total, outcome(study.runs[mine[k]]).c_str(),
                    progress.summary().c_str());
        std::fflush(stdout);
    };
    reports.quiet = [&] {
        std::printf("%s\n%s\n", progress.summary().c_str(), progress.running_runs().c_str());
        std::fflush(stdout);
    };
    return reports;
}

// Runs this process's share of the study (`mine`, most expensive first) on
// o.jobs threads; returns the wall time it took.
double run_share(Study& study, const Sets& sets, const std::vector<std::size_t>& mine,
                 const std::vector<double>& costs, const Options& o, const Processes& processes) {
    std::vector<std::string> my_labels;
    std::vector<double> my_costs;
    for (std::size_t i : mine) {
        my_labels.push_back(label(study.runs[i].config));
        my_costs.push_back(costs[i]);
    }
    StudyProgress progress(my_labels, my_costs);  // this process's progress is its runs'
    std::size_t reported = 0;
    JobReports reports;
    if (processes.root()) {
        std::printf("%zu runs on %s; early stopping from epoch %zu, patience %zu, at most %zu epochs\n",
                    study.runs.size(), processes.workers(o.jobs).c_str(), o.base.start_from_epoch + 1,
                    o.base.patience, o.base.epochs);
        // Up to 3x: OpenBLAS 0.3.21 runs its oldest kernels on CPUs it does not know.
        if (const std::string advice = xtnn::blas_kernel_advice(); !advice.empty()) {
            std::printf("note: %s\n", advice.c_str());
        }
        std::fflush(stdout);
        reports = root_reports(study, mine, progress, reported);
    }
    auto job = [&](std::size_t k) {
        Run& run = study.runs[mine[k]];
        run.config.on_epoch = [&progress, k](std::size_t e) { progress.epoch(k, e); };
        progress.start(k);
        const LoadedSet& s = sets.at(run.config.n);
        try {
            run.result = paper::run(run.config, s.set.data, s.hidden ? &*s.hidden : nullptr);
        } catch (const std::exception& e) {
            throw std::runtime_error(my_labels[k] + ": " + e.what());  // which of many runs failed
        }
        progress.finish(k);
    };
    run_jobs(mine.size(), o.jobs, job, reports);
    return progress.elapsed();
}

// The hidden-set labels of every n that has them, each from the run with the
// best validation accuracy; returns one note per set for results.md.
std::vector<std::string> write_hidden_labels(const Study& study, const Sets& sets, const fs::path& out) {
    std::vector<std::string> notes;
    for (const auto& set : study.sets) {
        const LoadedSet& s = sets.at(set.n);
        if (!s.hidden_note.empty()) notes.push_back(s.hidden_note);
        if (!s.hidden) continue;
        const Run& best = study.best_run(set.n);
        xtnn::save_npy(out / hidden_labels_name(set.n), best.result.hidden_labels);
        notes.push_back(hidden_labels_name(set.n) + ": " + label(best.config) + " (validation accuracy " +
                        report::pct(best.result.val_accuracy) + " %)");
    }
    return notes;
}

// results.csv, the hidden-set labels, figure.png and results.md, then the summary on stdout.
void write_outputs(const Study& study, const Sets& sets, const fs::path& out, ReportInfo info) {
    write_results_csv(study, out / "results.csv");
    info.hidden_notes = write_hidden_labels(study, sets, out);
    info.figure = write_figure(study, out);
    write_results_markdown(study, info, out / "results.md");
    std::printf("\n%s\nwrote %s: results.csv, results.md%s; %s wall time, %s CPU time\n",
                report::test_table(study).c_str(), out.string().c_str(), info.figure ? ", figure.png" : "",
                format_duration(info.wall_seconds).c_str(), format_duration(info.cpu_seconds).c_str());
}

int main_impl(int argc, char** argv, const Processes& processes) {
    Options o = parse(argc, argv, processes.default_threads());
    Study& study = o.study;
    xtnn::set_blas_threads(1);  // parallel runs: one BLAS thread each, or the two thread pools fight
    const bool root = processes.root();  // only the root process prints and writes
    const Sets sets = load_sets(study, o, root);  // first: a bad --data fails before anything is written
    if (root) fs::create_directories(o.out);
    study.plan(o.base);

    const std::vector<double> costs = run_costs(study);
    const std::vector<std::size_t> mine = processes.share(most_expensive_first(costs), costs);
    const double wall_seconds = run_share(study, sets, mine, costs, o, processes);
    const std::vector<std::size_t> gathered = processes.gather(study, mine);
    const double cpu_seconds = processes.sum(static_cast<double>(std::clock()) / CLOCKS_PER_SEC);
    if (!root) return 0;
    if (!gathered.empty()) std::printf("gathered %zu runs from the other ranks:\n", gathered.size());
    for (std::size_t i : gathered) std::printf("  %s\n", outcome(study.runs[i]).c_str());

    ReportInfo info;
    info.wall_seconds = wall_seconds;
    info.cpu_seconds = cpu_seconds;  // every process, every thread
    info.jobs = o.jobs * static_cast<std::size_t>(processes.ranks());
    for (int i = 0; i < argc; ++i) info.command += (i ? " " : "") + std::string(i ? argv[i] : processes.program());
    write_outputs(study, sets, o.out, std::move(info));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Processes processes(argc, argv);
    try {
        return main_impl(argc, argv, processes);
    } catch (const cli::HelpRequested& help) {
        if (processes.root()) std::fputs(help.usage.c_str(), stdout);
        return 0;
    } catch (const std::exception& e) {
        return processes.fail(e.what());
    }
}
