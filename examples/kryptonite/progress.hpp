#pragma once
// Live progress of many runs: how many are done, which are running and at
// which epoch, and an ETA. Worker threads update it, the reporting thread
// reads it. The ETA assumes the work still to do goes at the pace of the work
// done, measured in each run's cost (rows × weights: a Dense layer does one
// multiply-add per weight and row), so big and small runs count fairly.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace paper {

// "1h02m", "3m10s", "42s".
inline std::string format_duration(double seconds) {
    const long s = seconds > 0 ? static_cast<long>(seconds + 0.5) : 0;
    char buf[32];
    if (s >= 3600) {
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s / 60 % 60);
    } else if (s >= 60) {
        std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%lds", s);
    }
    return buf;
}

class StudyProgress {
public:
    StudyProgress(std::vector<std::string> labels, std::vector<double> costs)
        : labels_(std::move(labels)), costs_(std::move(costs)), state_(labels_.size()), epoch_(labels_.size()) {}

    void start(std::size_t i) { state_[i] = running; }
    void epoch(std::size_t i, std::size_t e) { epoch_[i] = e; }
    void finish(std::size_t i) { state_[i] = done; }

    double elapsed() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

    // "progress: 12/168 runs done, 2 running, 3m10s elapsed, ETA ~12m00s"
    std::string summary() const {
        double done_cost = 0, left_cost = 0;
        for (std::size_t i = 0; i < costs_.size(); ++i) (state_[i] == done ? done_cost : left_cost) += costs_[i];
        std::string eta = "ETA after the first run";
        if (done_cost > 0) eta = "ETA ~" + format_duration(elapsed() * left_cost / done_cost);
        char buf[160];
        std::snprintf(buf, sizeof buf, "progress: %zu/%zu runs done, %zu running, %s elapsed, %s", count(done),
                      labels_.size(), count(running), format_duration(elapsed()).c_str(), eta.c_str());
        return buf;
    }

    // "running: wdnn n=18 lr=0.001 seed=42 (epoch 57); ..."
    std::string running_runs() const {
        std::string text;
        for (std::size_t i = 0; i < labels_.size(); ++i) {
            if (state_[i] != running) continue;
            text += (text.empty() ? "" : "; ") + labels_[i] + " (epoch " + std::to_string(epoch_[i].load()) + ")";
        }
        return "running: " + (text.empty() ? "none" : text);
    }

private:
    using Clock = std::chrono::steady_clock;
    enum State { pending, running, done };

    std::size_t count(State s) const {
        std::size_t k = 0;
        for (const auto& state : state_) k += state == s ? 1 : 0;
        return k;
    }

    std::vector<std::string> labels_;
    std::vector<double> costs_;
    std::vector<std::atomic<State>> state_;
    std::vector<std::atomic<std::size_t>> epoch_;
    Clock::time_point started_ = Clock::now();
};

}  // namespace paper
