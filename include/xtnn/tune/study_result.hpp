#pragma once
// What a study returns, and the two texts users read: the progress line
// printed after every trial and a Markdown table of the best trials.
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "trial.hpp"

namespace xtnn::tune {

struct StudyResult {
    std::string metric;
    bool maximize = false;
    std::vector<TrialResult> trials;  // every finished trial, by id

    /// Trials with a finite metric, best first (ties: the lower id first).
    std::vector<const TrialResult*> ranked() const {
        std::vector<const TrialResult*> order;
        for (const TrialResult& t : trials) {
            if (t.best_epoch > 0 && t.status != TrialStatus::failed && t.status != TrialStatus::diverged) {
                order.push_back(&t);
            }
        }
        std::stable_sort(order.begin(), order.end(), [this](const TrialResult* a, const TrialResult* b) {
            return better(a->metric, b->metric, maximize);
        });
        return order;
    }

    const TrialResult& best() const {
        const auto order = ranked();
        if (order.empty()) {
            detail::fail("StudyResult: none of the ", trials.size(), " trials reported a finite ", metric,
                         " (see their status and message)");
        }
        return *order.front();
    }

    std::size_t count(TrialStatus status) const {
        return static_cast<std::size_t>(
            std::count_if(trials.begin(), trials.end(), [&](const TrialResult& t) { return t.status == status; }));
    }
};

namespace detail {

inline std::string format_number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value);
    return text;
}

}  // namespace detail

/// "tune: trial 6 stopped after 3 epochs (val_accuracy 0.91) | 7/20 done, 2 running | best 0.9612 (trial 4: lr=...)"
inline std::string progress_line(const StudyResult& study, const TrialResult& last, std::size_t planned,
                                 std::size_t running) {
    std::string line = detail::concat("tune: trial ", last.id, " ", status_name(last.status), " after ", last.epochs(),
                                      last.epochs() == 1 ? " epoch" : " epochs");
    if (last.best_epoch > 0) line += detail::concat(" (", study.metric, " ", detail::format_number(last.metric), ")");
    if (last.status == TrialStatus::failed || last.status == TrialStatus::diverged) line += ": " + last.message;
    line += detail::concat(" | ", study.trials.size(), "/", planned, " done, ", running, " running");
    const auto order = study.ranked();
    if (!order.empty()) {
        line += detail::concat(" | best ", detail::format_number(order.front()->metric), " (trial ", order.front()->id,
                               ": ", order.front()->config.describe(), ")");
    }
    return line;
}

/// A Markdown table of the `top` best trials, with a line of counts above it
/// and the failed trials' messages below it.
inline std::string markdown_summary(const StudyResult& study, std::size_t top = 10) {
    const auto order = study.ranked();
    std::string text = detail::concat(
        "Best ", std::min(top, order.size()), " of ", study.trials.size(), " trials by ", study.metric,
        study.maximize ? " (higher is better): " : " (lower is better): ", study.count(TrialStatus::completed),
        " completed, ", study.count(TrialStatus::stopped), " stopped early, ", study.count(TrialStatus::failed),
        " failed, ", study.count(TrialStatus::diverged), " diverged.\n\n");
    text += "| rank | trial |";
    std::string rule = "|---:|---:|";
    if (!study.trials.empty()) {
        for (const auto& [name, value] : study.trials.front().config.values()) {
            text += detail::concat(" ", name, " |");
            rule += value.kind() == ValueKind::text ? "---|" : "---:|";
        }
    }
    text += detail::concat(" ", study.metric, " | best epoch | epochs | seconds | status |\n", rule,
                           "---:|---:|---:|---:|---|\n");
    for (std::size_t r = 0; r < std::min(top, order.size()); ++r) {
        const TrialResult& t = *order[r];
        text += detail::concat("| ", r + 1, " | ", t.id, " |");
        for (const auto& [name, value] : t.config.values()) {
            const bool real = value.kind() == ValueKind::real;  // 4 digits read better than 17
            text += detail::concat(" ", real ? detail::format_number(value.real()) : value.to_string(), " |");
        }
        char tail[128];
        std::snprintf(tail, sizeof tail, " %s | %zu | %zu | %.1f | %s |\n", detail::format_number(t.metric).c_str(),
                      t.best_epoch, t.epochs(), t.seconds, status_name(t.status));
        text += tail;
    }
    for (const TrialResult& t : study.trials) {
        if (t.status == TrialStatus::failed || t.status == TrialStatus::diverged) {
            text += detail::concat("\nTrial ", t.id, " ", status_name(t.status), " (", t.config.describe(),
                                   "): ", t.message, "\n");
        }
    }
    return text;
}

}  // namespace xtnn::tune
