#pragma once
// run_study: a hyperparameter search on threads of this process.
//
//   tune::SearchSpace space;
//   space.log_uniform("lr", 1e-4, 1e-2).integer("width", 16, 256, tune::Scale::log);
//   auto trial = [&](const tune::Config& c, tune::TrialReporter& reporter) {
//       ... build a model from c, FitOptions{.epochs = reporter.max_epochs(), .seed = reporter.seed()} ...
//       fit(model, optimizer, loss, train, validation, options, reporter);
//   };
//   tune::StudyResult result = tune::run_study(space, trial, {.metric = "val_accuracy", ...});
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../kernels/gemm.hpp"
#include "coordinator.hpp"
#include "space.hpp"
#include "study_options.hpp"
#include "study_result.hpp"
#include "trial.hpp"

namespace xtnn::tune {

/// Builds and trains a model from a configuration, reporting through the reporter.
using TrialFunction = std::function<void(const Config&, TrialReporter&)>;

/// Runs one trial; whatever it throws becomes its failure message (the study goes on).
inline TrialOutcome run_trial(const Assignment& a, const TrialFunction& trial, const StudyOptions& options,
                              TrialReporter::Connection connection) {
    const auto start = std::chrono::steady_clock::now();
    TrialOutcome outcome;
    TrialReporter reporter(a.id, a.seed, options.max_epochs, options.metric, std::move(connection));
    try {
        trial(a.config, reporter);
    } catch (const std::exception& e) {
        outcome.failure = e.what();
    } catch (...) {
        outcome.failure = "the trial threw something that is not a std::exception";
    }
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
}

/// Takes trials from the coordinator until none is left. A failing trial is
/// recorded as failed; an error of the study itself (an unwritable results
/// file) halts it and is returned.
inline std::exception_ptr work_on(Coordinator& coordinator, const TrialFunction& trial) {
    try {
        while (const auto a = coordinator.next()) {
            const std::size_t id = a->id;
            const TrialOutcome outcome = run_trial(*a, trial, coordinator.options(), [&](std::size_t epoch, double v) {
                return coordinator.report(id, epoch, v);
            });
            coordinator.finish(id, outcome);
        }
        return nullptr;
    } catch (...) {
        coordinator.halt();
        return std::current_exception();
    }
}

/// Runs the study on options.threads threads and returns every finished
/// trial (resumed ones too). With more than one thread, BLAS is set to one
/// thread first (set_blas_threads), for the whole process.
inline StudyResult run_study(const SearchSpace& space, const TrialFunction& trial, const StudyOptions& options) {
    Coordinator coordinator(space, options);
    if (options.threads == 1) {
        if (const auto error = work_on(coordinator, trial)) std::rethrow_exception(error);
        return coordinator.result();
    }
    set_blas_threads(1);
    std::vector<std::exception_ptr> errors(options.threads);
    {
        std::vector<std::jthread> workers;
        for (std::size_t w = 0; w < options.threads; ++w) {
            workers.emplace_back([&, w] { errors[w] = work_on(coordinator, trial); });
        }
    }
    for (const auto& error : errors) {
        if (error) std::rethrow_exception(error);
    }
    return coordinator.result();
}

}  // namespace xtnn::tune
