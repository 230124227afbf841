// xtnn::distributed::run_study: a search over MPI ranks gives rank 0 (and every
// rank) the results of the same search in one process.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>
#include <xtnn/distributed.hpp>
#include <xtnn/xtnn.hpp>

using namespace xtnn;
namespace dist = xtnn::distributed;

namespace {

std::atomic<int> trials_run_here{0};

// Trial i's curve: quality[i] · epoch; trial 4 throws.
void known_curve(const tune::Config&, tune::TrialReporter& reporter) {
    static const double quality[] = {5, 4, 6, 1, 2, 7, 3, 8, 0};
    ++trials_run_here;
    if (reporter.trial() == 4) throw std::runtime_error("trial 4 fails on purpose");
    for (std::size_t e = 1; e <= reporter.max_epochs(); ++e) {
        if (reporter.report(e, quality[reporter.trial()] * static_cast<double>(e)) == tune::Verdict::stop) return;
    }
}

tune::StudyOptions asha_options() {
    return {.metric = "score",
            .mode = MonitorMode::max,
            .max_epochs = 9,
            .asha = tune::Asha{.min_epochs = 1, .eta = 3},
            .budget = {.trials = 9, .epochs = 0, .seconds = 0},
            .seed = 3,
            .threads = 1,
            .results = {},
            .progress = nullptr};
}

void check_same_trials(const tune::StudyResult& a, const tune::StudyResult& b) {
    REQUIRE(a.trials.size() == b.trials.size());
    for (std::size_t i = 0; i < a.trials.size(); ++i) {
        CAPTURE(i);
        CHECK(a.trials[i].id == b.trials[i].id);
        CHECK(a.trials[i].config == b.trials[i].config);
        CHECK(a.trials[i].curve == b.trials[i].curve);
        CHECK(a.trials[i].status == b.trials[i].status);
        CHECK(a.trials[i].message == b.trials[i].message);
    }
}

}  // namespace

TEST_CASE("ASHA over ranks: every rank gets rank 0's results, as one process finds them") {
    dist::Communicator comm;
    tune::SearchSpace space;
    space.uniform("x", 0, 1).choice("act", {"relu", "tanh"});
    const tune::StudyResult serial = tune::run_study(space, known_curve, asha_options());
    const tune::StudyResult spread = dist::run_study(comm, space, known_curve, asha_options());
    REQUIRE(spread.trials.size() == 9);
    CHECK(spread.trials[4].status == tune::TrialStatus::failed);
    CHECK(spread.trials[4].message == "trial 4 fails on purpose");
    int level = MPI_THREAD_SINGLE;
    MPI_Query_thread(&level);
    if (comm.size() == 2 && level < MPI_THREAD_FUNNELED) {
        // Rank 0 only coordinates under MPI_Init, so rank 1 runs every trial in id
        // order: the same decisions as one worker.
        check_same_trials(spread, serial);
    } else {
        // Under MPI_THREAD_FUNNELED rank 0's own thread takes trials too (without
        // waiting for messages, so it gets some of the nine).
        if (level >= MPI_THREAD_FUNNELED && comm.is_root()) CHECK(trials_run_here > 9);  // 9: the serial study
        REQUIRE(spread.trials.size() == serial.trials.size());
        for (std::size_t i = 0; i < serial.trials.size(); ++i) {
            CHECK(spread.trials[i].config == serial.trials[i].config);
        }
    }
}

TEST_CASE("over ranks, rank 0 writes the results file and a second run resumes from it") {
    dist::Communicator comm;
    // One path for every rank (rank 0's pid), so that the ranks agree on it.
    unsigned long long pid = static_cast<unsigned long long>(::getpid());
    comm.broadcast(std::span<unsigned long long>(&pid, 1));
    const auto path = std::filesystem::temp_directory_path() / ("xtnn-mpi-tune-" + std::to_string(pid) + ".csv");
    tune::SearchSpace space;
    space.log_uniform("lr", 1e-3, 1e-1);
    tune::StudyOptions options = asha_options();
    options.asha.reset();
    options.results = path;
    options.budget.trials = 4;
    const tune::StudyResult first = dist::run_study(comm, space, known_curve, options);
    CHECK(first.trials.size() == 4);

    options.budget.trials = 7;
    std::vector<std::size_t> ran;
    const auto counting = [&](const tune::Config& c, tune::TrialReporter& reporter) {
        ran.push_back(reporter.trial());
        known_curve(c, reporter);
    };
    const tune::StudyResult second = dist::run_study(comm, space, counting, options);
    CHECK(second.trials.size() == 7);
    const auto ran_anywhere = comm.allreduce_sum(static_cast<unsigned long long>(ran.size()));
    CHECK(ran_anywhere == 3);  // trials 4, 5 and 6 only
    options.results.clear();
    check_same_trials(second, tune::run_study(space, known_curve, options));
    comm.barrier();
    if (comm.is_root()) std::filesystem::remove(path);
}

TEST_CASE("a small real search over ranks: random search, the same curves as in one process") {
    dist::Communicator comm;
    auto data = make_kryptonite<float>(9, {.rows = 600, .label_noise = 0.0, .seed = 5});
    const auto split = train_val_test_split(data.data, {0.5, 0.3, 0.2}, 5);  // captured: no structured bindings
    tune::SearchSpace space;
    space.log_uniform("lr", 1e-3, 3e-2).integer("width", 4, 16);
    auto trial = [&](const tune::Config& c, tune::TrialReporter& reporter) {
        const auto width = c.get<std::size_t>("width");
        auto model = Sequential(Dense<float>(9, width), ReLU(), Dense<float>(width, 1), Sigmoid());
        Adam<float> optimizer(c.get<double>("lr"));
        FitOptions fit_options;
        fit_options.epochs = reporter.max_epochs();
        fit_options.seed = reporter.seed();
        fit(model, optimizer, BinaryCrossEntropy{}, split.train, split.val, fit_options, reporter);
    };
    const tune::StudyOptions options{.metric = "val_accuracy",
                                     .max_epochs = 3,
                                     .budget = {.trials = 4, .epochs = 0, .seconds = 0},
                                     .seed = 9,
                                     .progress = nullptr};
    check_same_trials(dist::run_study(comm, space, trial, options), tune::run_study(space, trial, options));
}
