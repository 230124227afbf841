#pragma once
// Coordinator: the one place a study's decisions are made, whoever runs the
// trials (threads here, MPI ranks in distributed/tune.hpp). It hands out trial
// ids, answers reports (ASHA's rungs, budgets, divergence), records finished
// trials in the results file and prints the progress line. Thread-safe.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../io/atomic_file.hpp"
#include "asha.hpp"
#include "results_file.hpp"
#include "space.hpp"
#include "study_options.hpp"
#include "study_result.hpp"
#include "trial.hpp"

namespace xtnn::tune {

/// A trial to run: its id, configuration and seed.
struct Assignment {
    std::size_t id = 0;
    Config config;
    std::uint64_t seed = 0;
};

/// Trial `id` of a study seeded with `seed`: whoever runs it derives the same.
inline Assignment assignment(const SearchSpace& space, std::uint64_t seed, std::size_t id) {
    return Assignment{.id = id, .config = space.sample(seed, id), .seed = derive_seed(derive_seed(seed, 1), id)};
}

/// How a trial function returned: its wall time, and the exception's message if it threw.
struct TrialOutcome {
    double seconds = 0;
    std::optional<std::string> failure;
};

class Coordinator {
public:
    /// Checks the space and options; resumes from options.results when it exists.
    Coordinator(SearchSpace space, StudyOptions options)
        : space_(std::move(space)), options_(std::move(options)), started_(Clock::now()) {
        options_.validate();
        if (space_.empty()) detail::fail("tune: the search space is empty; add at least one hyperparameter");
        study_.metric = options_.metric;
        study_.maximize = options_.maximizing();
        if (options_.asha) brackets_ = make_brackets(*options_.asha, options_.max_epochs, study_.maximize);
        signature_ = study_signature(space_, options_.metric, study_.maximize, options_.seed);
        if (options_.results.empty()) return;
        // Said now, not after the first trial has trained for nothing.
        if (const auto folder = options_.results.parent_path();
            !folder.empty() && !std::filesystem::is_directory(folder)) {
            detail::fail("tune: the folder of the results file '", options_.results.string(), "' does not exist");
        }
        if (std::filesystem::exists(options_.results)) resume();
    }

    const StudyOptions& options() const { return options_; }
    const SearchSpace& space() const { return space_; }

    /// The next trial to run, or nullopt when the budget is spent or the study halted.
    std::optional<Assignment> next() {
        std::lock_guard lock(mutex_);
        while (next_id_ < options_.budget.trials && finished(next_id_)) ++next_id_;
        if (halted_ || next_id_ >= options_.budget.trials || !budget_spent().empty()) return std::nullopt;
        const std::size_t id = next_id_++;
        Assignment a = assignment(space_, options_.seed, id);
        TrialResult& t = running_[id];
        t.id = id;
        t.config = a.config;
        return a;
    }

    /// Trial `id` measured `value` after `epoch`: go on, or stop it (why is
    /// kept for its results row).
    Verdict report(std::size_t id, std::size_t epoch, double value) {
        std::lock_guard lock(mutex_);
        TrialResult& t = running(id);
        if (epoch != t.epochs() + 1) {
            detail::fail("tune: trial ", id, " reported epoch ", epoch, " after epoch ", t.epochs());
        }
        t.curve.push_back(value);
        ++epochs_used_;
        if (!std::isfinite(value)) {
            t.status = TrialStatus::diverged;
            t.message = detail::concat(options_.metric, " was ", value, " after epoch ", epoch);
            return Verdict::stop;
        }
        if (epoch >= options_.max_epochs) return Verdict::stop;  // its own end: completed
        t.score(study_.maximize);
        if (Rungs* rungs = bracket(id); rungs != nullptr && !rungs->record(epoch, t.metric)) {
            return stop(t, rungs->cut_message(epoch));
        }
        if (const std::string spent = budget_spent(); !spent.empty()) return stop(t, spent);
        return Verdict::go_on;
    }

    /// Trial `id` has returned: records it (results file, progress line).
    void finish(std::size_t id, const TrialOutcome& outcome) {
        std::lock_guard lock(mutex_);
        TrialResult t = std::move(running(id));
        running_.erase(id);
        t.seconds = outcome.seconds;
        t.score(study_.maximize);
        if (outcome.failure) {
            t.status = TrialStatus::failed;
            t.message = *outcome.failure;
        } else if (t.status != TrialStatus::diverged && t.curve.empty()) {
            t.status = TrialStatus::failed;
            t.message = detail::concat("the trial reported no ", options_.metric,
                                       " (pass the TrialReporter to fit, or call report after every epoch)");
        }
        const auto at = std::lower_bound(study_.trials.begin(), study_.trials.end(), id,
                                         [](const TrialResult& r, std::size_t i) { return r.id < i; });
        const TrialResult& recorded = *study_.trials.insert(at, std::move(t));
        if (!options_.results.empty()) {
            write_file_atomically(options_.results, results_text(signature_, space_, study_.trials));
        }
        if (options_.progress != nullptr) {
            const std::size_t planned = std::max(options_.budget.trials, study_.trials.size());
            std::fprintf(options_.progress, "%s\n", progress_line(study_, recorded, planned, running_.size()).c_str());
            std::fflush(options_.progress);
        }
    }

    /// No trial starts after this (a worker met an error outside its trial).
    void halt() {
        std::lock_guard lock(mutex_);
        halted_ = true;
    }

    /// Every finished trial so far, resumed ones included.
    StudyResult result() const {
        std::lock_guard lock(mutex_);
        return study_;
    }

private:
    using Clock = std::chrono::steady_clock;

    void resume() {
        study_.trials = read_results(options_.results, space_, signature_, study_.maximize, options_.seed);
        std::sort(study_.trials.begin(), study_.trials.end(),
                  [](const TrialResult& a, const TrialResult& b) { return a.id < b.id; });
        for (const TrialResult& t : study_.trials) {
            epochs_used_ += t.epochs();
            if (Rungs* rungs = bracket(t.id)) rungs->replay(t.curve);
        }
    }

    bool finished(std::size_t id) const {
        return std::any_of(study_.trials.begin(), study_.trials.end(),
                           [id](const TrialResult& t) { return t.id == id; });
    }

    Rungs* bracket(std::size_t id) { return brackets_.empty() ? nullptr : &brackets_[id % brackets_.size()]; }

    TrialResult& running(std::size_t id) {
        const auto it = running_.find(id);
        if (it == running_.end()) detail::fail("tune: trial ", id, " is not running (reported after it finished?)");
        return it->second;
    }

    static Verdict stop(TrialResult& t, std::string why) {
        t.status = TrialStatus::stopped;
        t.message = std::move(why);
        return Verdict::stop;
    }

    // Empty while budget is left; otherwise which limit was reached.
    std::string budget_spent() const {
        const Budget& b = options_.budget;
        if (b.epochs > 0 && epochs_used_ >= b.epochs) {
            return detail::concat("budget: ", epochs_used_, " of ", b.epochs, " epochs used");
        }
        const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
        if (b.seconds > 0 && elapsed >= b.seconds) return detail::concat("budget: ", b.seconds, " seconds passed");
        return {};
    }

    SearchSpace space_;
    StudyOptions options_;
    Clock::time_point started_;
    std::string signature_;
    std::vector<Rungs> brackets_;  // ASHA's rungs, one set per bracket; none for random search
    mutable std::mutex mutex_;
    StudyResult study_;
    std::map<std::size_t, TrialResult> running_;
    std::size_t next_id_ = 0;
    std::size_t epochs_used_ = 0;
    bool halted_ = false;
};

}  // namespace xtnn::tune
