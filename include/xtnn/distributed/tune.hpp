#pragma once
// A hyperparameter search across MPI ranks (xtnn::tune over xtnn::mpi).
//
// Rank 0 holds the study's tune::Coordinator (ASHA's rungs, the budgets, the
// results file, the progress line) and answers the other ranks, which run one
// trial at a time: they ask for a trial id (the configuration and seed follow
// from it), report every epoch's metric and get go on / stop back, and say how
// the trial ended. Rank 0 also runs options.threads trials on threads of its
// own when MPI was initialized with at least MPI_THREAD_FUNNELED (only its main
// thread calls MPI); otherwise it only coordinates.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../kernels/gemm.hpp"
#include "../tune/coordinator.hpp"
#include "../tune/results_file.hpp"
#include "../tune/study.hpp"
#include "communicator.hpp"

namespace xtnn::distributed {

namespace detail {

enum TuneTag : int { tune_request = 7101, tune_assign, tune_report, tune_verdict, tune_finish };

inline void send_text(const Communicator& comm, std::string_view text, int destination, int tag) {
    check_mpi(MPI_Send(text.data(), mpi_count(text.size(), "MPI_Send"), MPI_CHAR, destination, tag, comm.native()),
              "MPI_Send");
}

inline std::string receive_text(const Communicator& comm, int source, int tag) {
    MPI_Status status;
    check_mpi(MPI_Probe(source, tag, comm.native(), &status), "MPI_Probe");
    int size = 0;
    check_mpi(MPI_Get_count(&status, MPI_CHAR, &size), "MPI_Get_count");
    std::string text(static_cast<std::size_t>(size), '\0');
    check_mpi(MPI_Recv(text.data(), size, MPI_CHAR, source, tag, comm.native(), MPI_STATUS_IGNORE), "MPI_Recv");
    return text;
}

// The space-separated fields of a message; the last one takes the rest of the text.
inline std::vector<std::string> fields(const std::string& text, std::size_t count) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (parts.size() + 1 < count) {
        const std::size_t end = text.find(' ', begin);
        if (end == std::string::npos) xtnn::detail::fail("tune over MPI: malformed message '", text, "'");
        parts.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    parts.push_back(text.substr(std::min(begin, text.size())));
    return parts;
}

template <class N>
N number(const std::string& text) {
    N value{};
    if (!tune::parse_number(text, value)) xtnn::detail::fail("tune over MPI: '", text, "' is not a number");
    return value;
}

inline void wait_without_spinning(MPI_Request& request) {
    for (int done = 0;;) {
        check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

// A rank other than 0: trials one after another until rank 0 has none left.
inline void run_remote_trials(const Communicator& comm, const tune::SearchSpace& space,
                              const tune::TrialFunction& trial, const tune::StudyOptions& options) {
    for (;;) {
        send_text(comm, "", 0, tune_request);
        const std::string id_text = receive_text(comm, 0, tune_assign);
        if (id_text.empty()) return;
        const auto a = tune::assignment(space, options.seed, number<std::size_t>(id_text));
        const auto report = [&](std::size_t epoch, double value) {
            send_text(comm, xtnn::detail::concat(a.id, ' ', epoch, ' ', tune::Value(value).to_string()), 0,
                      tune_report);
            return receive_text(comm, 0, tune_verdict) == "stop" ? tune::Verdict::stop : tune::Verdict::go_on;
        };
        const tune::TrialOutcome outcome = tune::run_trial(a, trial, options, report);
        send_text(comm,
                  xtnn::detail::concat(a.id, ' ', tune::Value(outcome.seconds).to_string(), ' ',
                                       outcome.failure ? "failed " + *outcome.failure : std::string("returned")),
                  0, tune_finish);
    }
}

// Rank 0's MPI loop: answers every message until each other rank has been told
// there is no trial left. Polls (and sleeps between polls) so that its own
// trial threads keep the core.
inline void serve_remote_trials(const Communicator& comm, tune::Coordinator& coordinator) {
    int waiting_for = comm.size() - 1;
    while (waiting_for > 0) {
        int arrived = 0;
        MPI_Status status;
        check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm.native(), &arrived, &status), "MPI_Iprobe");
        if (!arrived) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
        }
        const int source = status.MPI_SOURCE;
        const std::string text = receive_text(comm, source, status.MPI_TAG);
        if (status.MPI_TAG == tune_request) {
            const auto next = coordinator.next();
            send_text(comm, next ? std::to_string(next->id) : std::string(), source, tune_assign);
            waiting_for -= next ? 0 : 1;
        } else if (status.MPI_TAG == tune_report) {
            const auto f = fields(text, 3);
            const auto verdict =
                coordinator.report(number<std::size_t>(f[0]), number<std::size_t>(f[1]), number<double>(f[2]));
            send_text(comm, verdict == tune::Verdict::stop ? "stop" : "go_on", source, tune_verdict);
        } else if (status.MPI_TAG == tune_finish) {
            const auto f = fields(text, 3);
            tune::TrialOutcome outcome{.seconds = number<double>(f[1]), .failure = std::nullopt};
            if (f[2].starts_with("failed ")) outcome.failure = f[2].substr(7);
            coordinator.finish(number<std::size_t>(f[0]), outcome);
        } else {
            xtnn::detail::fail("tune over MPI: unexpected message tag ", status.MPI_TAG, " from rank ", source);
        }
    }
}

// Rank 0: the coordinator, its own trial threads beside the MPI loop, and the
// results file's text at the end.
inline std::string coordinate_study(const Communicator& comm, const tune::SearchSpace& space,
                                    const tune::TrialFunction& trial, const tune::StudyOptions& options) {
    tune::Coordinator coordinator(space, options);
    int level = MPI_THREAD_SINGLE;
    check_mpi(MPI_Query_thread(&level), "MPI_Query_thread");
    const std::size_t local_threads = level >= MPI_THREAD_FUNNELED ? options.threads : 0;
    std::vector<std::exception_ptr> errors(local_threads);
    {
        std::vector<std::jthread> workers;
        for (std::size_t w = 0; w < local_threads; ++w) {
            workers.emplace_back([&, w] { errors[w] = tune::work_on(coordinator, trial); });
        }
        serve_remote_trials(comm, coordinator);
    }
    for (const auto& error : errors) {
        if (error) std::rethrow_exception(error);
    }
    const tune::StudyResult result = coordinator.result();
    return tune::results_text(tune::study_signature(space, options.metric, result.maximize, options.seed), space,
                              result.trials);
}

}  // namespace detail

/// Runs the study over every rank of `comm` (call it on every rank, with the
/// same space and options). Every rank returns the full result; rank 0 writes
/// the results file and prints the progress. An error only rank 0 can see (a
/// results file from another study, an unwritable file) ends the whole job
/// with its message (Communicator::abort) rather than leaving ranks waiting.
inline tune::StudyResult run_study(const Communicator& comm, const tune::SearchSpace& space,
                                   const tune::TrialFunction& trial, const tune::StudyOptions& options) {
    options.validate();
    if (space.empty()) xtnn::detail::fail("tune: the search space is empty; add at least one hyperparameter");
    set_blas_threads(1);  // ranks share the machine's cores, as threads do
    std::string text;
    if (comm.is_root()) {
        try {
            text = detail::coordinate_study(comm, space, trial, options);
        } catch (const std::exception& e) {
            comm.abort(e.what());
        }
    } else {
        detail::run_remote_trials(comm, space, trial, options);
    }
    // Ranks out of trials wait here for the others' last ones: without spinning,
    // which would take a core from them (Open MPI busy-polls in blocking calls).
    unsigned long long size = text.size();
    MPI_Request request;
    check_mpi(MPI_Ibcast(&size, 1, MPI_UNSIGNED_LONG_LONG, 0, comm.native(), &request), "MPI_Ibcast");
    detail::wait_without_spinning(request);
    text.resize(static_cast<std::size_t>(size));
    check_mpi(MPI_Bcast(text.data(), mpi_count(text.size(), "MPI_Bcast"), MPI_CHAR, 0, comm.native()), "MPI_Bcast");

    tune::StudyResult result{.metric = options.metric, .maximize = options.maximizing(), .trials = {}};
    std::size_t line_start = text.find('\n', text.find('\n') + 1) + 1;  // after the signature and the header
    for (std::size_t end; (end = text.find('\n', line_start)) != std::string::npos; line_start = end + 1) {
        result.trials.push_back(tune::parse_results_row(std::string_view(text).substr(line_start, end - line_start),
                                                        space, result.maximize, "tune over MPI: rank 0's results"));
    }
    return result;
}

}  // namespace xtnn::distributed
