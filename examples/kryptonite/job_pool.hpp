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

// The shared state of one run_jobs call: which job is next, which finished,
// the first failure, and how many workers are still going.
class JobQueue {
public:
    JobQueue(std::size_t count, std::size_t workers, const std::function<void(std::size_t)>& job)
        : job_(job), count_(count), workers_(workers) {}

    // A worker thread: runs jobs in index order until none is left or one has failed.
    void work() {
        for (;;) {
            std::size_t i = 0;
            {
                std::lock_guard lock(mutex_);
                if (error_ || next_ == count_) break;
                i = next_++;
            }
            std::exception_ptr failure;
            try {
                job_(i);
            } catch (...) {
                failure = std::current_exception();
            }
            std::lock_guard lock(mutex_);
            if (failure && !error_) error_ = failure;
            if (!failure) finished_.push_back(i);
            changed_.notify_one();
        }
        std::lock_guard lock(mutex_);
        --workers_;
        changed_.notify_one();
    }

    // The calling thread: reports until every worker has ended; returns the first failure.
    std::exception_ptr report(const JobReports& reports) {
        std::unique_lock lock(mutex_);
        for (;;) {
            const bool woke =
                changed_.wait_for(lock, reports.interval, [&] { return !finished_.empty() || workers_ == 0; });
            if (!woke) {
                lock.unlock();
                if (reports.quiet) reports.quiet();
                lock.lock();
                continue;
            }
            while (!finished_.empty()) {
                const std::size_t i = finished_.front();
                finished_.pop_front();
                lock.unlock();  // workers may go on while the report is written
                if (reports.done) reports.done(i);
                lock.lock();
            }
            if (workers_ == 0) return error_;
        }
    }

private:
    const std::function<void(std::size_t)>& job_;
    const std::size_t count_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::size_t> finished_;
    std::exception_ptr error_;
    std::size_t next_ = 0;
    std::size_t workers_;
};

// Runs job(0) … job(count − 1), started in index order, on `threads` threads.
// The first exception a job throws keeps further jobs from starting; it is
// rethrown once the running ones have finished.
inline void run_jobs(std::size_t count, std::size_t threads, const std::function<void(std::size_t)>& job,
                     const JobReports& reports) {
    const std::size_t workers = std::max<std::size_t>(1, std::min(threads, count));
    JobQueue queue(count, workers, job);
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < workers; ++t) pool.emplace_back([&queue] { queue.work(); });
    const std::exception_ptr error = queue.report(reports);
    pool.clear();  // joins
    if (error) std::rethrow_exception(error);
}

}  // namespace paper
