#pragma once
// Independent jobs on a fixed number of threads, while the calling thread
// reports: each finished job as it finishes, and a status line whenever a
// while passes without one (long runs would otherwise look hung).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace paper {

struct JobReports {
    std::function<void(std::size_t)> done;  // job i finished (called on the calling thread)
    std::function<void()> quiet;            // `interval` passed without a finished job
    std::chrono::milliseconds interval{30'000};
};

// Runs job(0) … job(count − 1), started in index order, on `threads` threads.
// The first exception a job throws keeps further jobs from starting; it is
// rethrown once the running ones have finished.
inline void run_jobs(std::size_t count, std::size_t threads, const std::function<void(std::size_t)>& job,
                     const JobReports& reports) {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::size_t> finished;
    std::exception_ptr error;
    std::size_t next = 0;
    std::size_t workers = std::max<std::size_t>(1, std::min(threads, count));

    auto work = [&] {
        for (;;) {
            std::size_t i = 0;
            {
                std::lock_guard lock(mutex);
                if (error || next == count) break;
                i = next++;
            }
            std::exception_ptr failure;
            try {
                job(i);
            } catch (...) {
                failure = std::current_exception();
            }
            std::lock_guard lock(mutex);
            if (failure && !error) error = failure;
            if (!failure) finished.push_back(i);
            changed.notify_one();
        }
        std::lock_guard lock(mutex);
        --workers;
        changed.notify_one();
    };

    std::vector<std::jthread> pool;
    for (std::size_t t = 0, n = workers; t < n; ++t) pool.emplace_back(work);

    std::unique_lock lock(mutex);
    for (;;) {
        const bool woke = changed.wait_for(lock, reports.interval, [&] { return !finished.empty() || workers == 0; });
        if (!woke) {
            lock.unlock();
            if (reports.quiet) reports.quiet();
            lock.lock();
            continue;
        }
        while (!finished.empty()) {
            const std::size_t i = finished.front();
            finished.pop_front();
            lock.unlock();  // workers may go on while the report is written
            if (reports.done) reports.done(i);
            lock.lock();
        }
        if (workers == 0) break;
    }
    lock.unlock();
    pool.clear();  // joins
    if (error) std::rethrow_exception(error);
}

}  // namespace paper
