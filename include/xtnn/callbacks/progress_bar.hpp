#pragma once
// ProgressBar: one line per epoch on stderr (loss, metrics, learning rate,
// time, ETA); on a terminal also a live bar while the epoch runs.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>

#include "../train/history.hpp"
#include "../train/training_state.hpp"

namespace xtnn {

struct ProgressBar {
    // Text put before every line, e.g. "wdnn n=9 seed=42".
    std::string prefix;
    // Where to print; nullptr prints nothing (a quiet run).
    std::FILE* stream = stderr;
    // Print every k-th epoch line (and always the last one).
    std::size_t every = 1;

    template <Real T>
    void on_train_begin(TrainingState<T>&) {
        run_.live = stream != nullptr && isatty(fileno(stream)) != 0;
        run_.started = std::chrono::steady_clock::now();
    }

    template <Real T>
    void on_batch_end(TrainingState<T>& state, double loss) {
        if (!run_.live) return;
        const std::size_t done = state.batch + 1, total = state.batches_per_epoch;
        if (done != total && done % std::max<std::size_t>(1, total / 30) != 0) return;
        const int width = 30;
        const int filled = static_cast<int>(width * done / std::max<std::size_t>(1, total));
        std::fprintf(stream, "\r%sepoch %zu/%zu [%s%s] %zu/%zu loss %.4f", label().c_str(),
                     state.epoch + 1, state.epochs, std::string(static_cast<std::size_t>(filled), '=').c_str(),
                     std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), done, total, loss);
        std::fflush(stream);
    }

    template <Real T>
    void on_epoch_end(TrainingState<T>& state) {
        if (stream == nullptr) return;
        const EpochLog& log = state.last_log();
        const bool last = log.epoch == state.epochs;
        if (every > 1 && log.epoch % every != 0 && !last && !state.stop) return;
        std::string line = detail::concat(label(), "epoch ", log.epoch, "/", state.epochs, " - loss ",
                                          format(log.loss));
        if (!std::isnan(log.val_loss)) line += " - val_loss " + format(log.val_loss);
        for (const auto& [name, value] : log.metrics) line += " - " + name + " " + format(value);
        const double elapsed = seconds_since_start();
        const double eta = elapsed / static_cast<double>(log.epoch) *
                           static_cast<double>(state.epochs - log.epoch);
        line += detail::concat(" - lr ", log.learning_rate, " - ", format(log.seconds), "s");
        // Time to the epoch cap at the mean pace so far; an early stop only shortens it.
        if (!last) line += detail::concat(" - ETA ", format(eta), "s to epoch ", state.epochs);
        std::fprintf(stream, "%s%s\n", run_.live ? "\r\033[K" : "", line.c_str());
        std::fflush(stream);
    }

    template <Real T>
    void on_train_end(TrainingState<T>& state) {
        if (stream == nullptr) return;
        const History& h = *state.history;
        if (!h.stop_reason.empty()) std::fprintf(stream, "%s%s\n", label().c_str(), h.stop_reason.c_str());
        std::fflush(stream);
    }

    // Set by on_train_begin. Public only so that the settings above stay an
    // aggregate; its fields are ProgressBar's alone.
    class Run {
        friend struct ProgressBar;
        bool live = false;  // stream is a terminal: draw a live bar
        std::chrono::steady_clock::time_point started{};
    } run_{};

private:
    std::string label() const { return prefix.empty() ? "" : prefix + ": "; }
    static std::string format(double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.4f", v);
        return buf;
    }
    double seconds_since_start() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - run_.started).count();
    }
};

}  // namespace xtnn
