#pragma once
// results.md: the paper's tables from a finished study — test accuracy per n
// and model against the target and the Bayes accuracy (the numbers behind
// Figure 1), the paper's claims next to what was measured, and the
// learning-rate tables of Appendix A.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <xtnn/io/atomic_file.hpp>

#include "progress.hpp"
#include "kryptonite_data.hpp"
#include "study.hpp"

namespace paper {

// What the tables cannot know from the runs themselves.
struct ReportInfo {
    std::string command;
    double wall_seconds = 0;
    double cpu_seconds = 0;  // all threads: what an idle machine with `jobs` cores needs, times jobs
    std::size_t jobs = 1;
    bool figure = false;                    // figure.png was drawn
    std::vector<std::string> hidden_notes;  // one line per hidden-set prediction file
};

namespace report {

inline std::string pct(double fraction) {
    if (std::isnan(fraction)) return "—";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", 100 * fraction);
    return buf;
}

inline std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// "95.7 (95.1–96.2)", or the mean alone for one seed.
inline std::string mean_min_max(const Range& r) {
    if (r.count < 2) return pct(r.mean);
    return pct(r.mean) + " (" + pct(r.min) + "–" + pct(r.max) + ")";
}

inline std::string model_name(const std::string& model) { return model == "wdnn" ? "WDNN" : "FCNN"; }

inline bool studied(const Study& s, const std::string& model) {
    for (const auto& m : s.models)
        if (m == model) return true;
    return false;
}

inline std::string protocol(const Study& s, const ReportInfo& info) {
    const RunConfig& c = s.runs.front().config;
    std::string seeds, lrs;
    for (auto seed : s.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(seed);
    for (double lr : s.learning_rates) lrs += (lrs.empty() ? "" : ", ") + number(lr);
    double run_seconds = 0;
    for (const auto& run : s.runs) run_seconds += run.result.seconds;
    return "Protocol: seeded 40/30/30 split, StandardScaler fitted on the training split, Adam, batch " +
           std::to_string(c.batch_size) + ", dropout " + number(c.dropout) +
           ", learning rate halved once after epoch " + std::to_string(c.halve_after_epoch) +
           ", early stopping on validation loss with patience " + std::to_string(c.patience) +
           " and the best weights restored, at most " + std::to_string(c.epochs) +
           " epochs.\nEarly stopping monitored from epoch " + std::to_string(c.start_from_epoch + 1) +
           (c.start_from_epoch == 0 ? " (the paper's setting)" : " (`--start-from-epoch " +
                                                                     std::to_string(c.start_from_epoch) +
                                                                     "`; the paper monitors from epoch 1)") +
           ".\nSeeds: " + seeds + ". Learning rates: " + lrs +
           "; each model's learning rate is chosen per n on mean validation accuracy, and test accuracy is "
           "reported at that choice (the learning-rate study and the main results are the same runs).\n\n"
           "Wall time: " + format_duration(info.wall_seconds) + " for " + std::to_string(s.runs.size()) +
           " runs on " + std::to_string(info.jobs) + " threads (" + format_duration(run_seconds) +
           " of run time, " + format_duration(info.cpu_seconds) +
           " of CPU time; a machine shared with other work shows more wall time than CPU time / threads).\n"
           "Command: `" + info.command + "`\n";
}

inline std::string test_table(const Study& s) {
    std::string t =
        "| n | data | Bayes | target | model | lr (chosen on val) | test accuracy mean (min–max) | "
        "≥ target | test at the paper's lr | epochs (mean) |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& set : s.sets) {
        const double target = target_accuracy(set.n);
        for (const auto& model : s.models) {
            const double lr = s.chosen_learning_rate(model, set.n);
            const Range test = s.range(model, set.n, lr, &RunResult::test_accuracy);
            const auto paper_lr = paper_learning_rate(set.n);
            const std::string at_paper_lr =
                paper_lr && s.has_learning_rate(*paper_lr)
                    ? mean_min_max(s.range(model, set.n, *paper_lr, &RunResult::test_accuracy)) + " (lr " +
                          number(*paper_lr) + ")"
                    : "—";
            const Range epochs = s.range(model, set.n, lr, &RunResult::epochs_run);
            char epochs_text[16];
            std::snprintf(epochs_text, sizeof epochs_text, "%.0f", epochs.mean);
            t += "| " + std::to_string(set.n) + " | " + set.origin + " | " + pct(set.bayes_accuracy) + " | " +
                 pct(target) + " | " + model_name(model) + " | " + number(lr) + " | " + mean_min_max(test) + " | " +
                 (test.mean >= target ? "yes" : "**no**") + " | " + at_paper_lr + " | " + epochs_text + " |\n";
        }
    }
    return t;
}

inline std::string claims_table(const Study& s) {
    std::string t;
    if (studied(s, "wdnn")) {
        t += "WDNN validation accuracy at its best learning rate (Appendix A):\n\n"
             "| n | paper | measured mean (min–max) | holds |\n|---|---|---|---|\n";
        for (auto [n, claim] : {std::pair<std::size_t, double>{9, 0.962}, {15, 0.960}, {24, 0.850}}) {
            bool present = false;
            for (const auto& set : s.sets) present = present || set.n == n;
            if (!present) continue;
            const Range v = s.range("wdnn", n, s.chosen_learning_rate("wdnn", n), &RunResult::val_accuracy);
            const bool holds = v.mean >= claim || (claim >= v.min && claim <= v.max);
            char gap[48];
            std::snprintf(gap, sizeof gap, "no, %.1f points lower", 100 * (claim - v.mean));
            t += "| " + std::to_string(n) + " | " + pct(claim) + " | " + mean_min_max(v) + " | " +
                 (holds ? std::string("yes") : std::string(gap)) + " |\n";
        }
        t += "\n(holds: the measured mean reaches the claim, or the claim lies within the seeds' range)\n\n";
    }
    t += "\"WDNN above the target for every n from 9 to 24, FCNN below it\" (test accuracy, mean over seeds):\n\n"
         "| n | target | WDNN | WDNN above | FCNN | FCNN below |\n|---|---|---|---|---|---|\n";
    for (const auto& set : s.sets) {
        if (set.n > 24) continue;
        const double target = target_accuracy(set.n);
        std::string row = "| " + std::to_string(set.n) + " | " + pct(target);
        for (const std::string model : {"wdnn", "fcnn"}) {
            if (!studied(s, model)) {
                row += " | — | —";
                continue;
            }
            const double mean = s.range(model, set.n, s.chosen_learning_rate(model, set.n),
                                        &RunResult::test_accuracy).mean;
            const bool holds = model == "wdnn" ? mean >= target : mean < target;
            row += " | " + pct(mean) + " | " + (holds ? "yes" : "**no**");
        }
        t += row + " |\n";
    }
    return t;
}

inline std::string learning_rate_tables(const Study& s) {
    std::string t;
    for (const auto& set : s.sets) {
        t += "\n### n = " + std::to_string(set.n) + " (" + set.origin + ")\n\n| lr |";
        for (const auto& model : s.models) t += " " + model_name(model) + " val mean (min–max) |";
        t += "\n|---|";
        for (std::size_t i = 0; i < s.models.size(); ++i) t += "---|";
        t += "\n";
        for (double lr : s.learning_rates) {
            t += "| " + number(lr) + " |";
            for (const auto& model : s.models) {
                const std::string cell = mean_min_max(s.range(model, set.n, lr, &RunResult::val_accuracy));
                t += " " + (s.chosen_learning_rate(model, set.n) == lr ? "**" + cell + "**" : cell) + " |";
            }
            t += "\n";
        }
    }
    return t;
}

}  // namespace report

inline void write_results_markdown(const Study& s, const ReportInfo& info, const std::filesystem::path& path) {
    std::string md = "# Kryptonite-n: the paper's protocol, measured\n\n" + report::protocol(s, info) +
                     "\nAccuracies are in %.\n\n## Test accuracy per n (Figure 1)\n\n" + report::test_table(s);
    if (info.figure) md += "\n![Figure 1: test accuracy against n](figure.png)\n";
    md += "\n## The paper's claims\n\n" + report::claims_table(s) +
          "\n## Appendix A: validation accuracy by learning rate\n\nBold: the learning rate chosen for that model "
          "and n (best mean validation accuracy). The paper's Appendix shows n = 9, 15 and 24.\n" +
          report::learning_rate_tables(s);
    if (!info.hidden_notes.empty()) {
        md += "\n## Hidden-set predictions\n\nEach file is labelled by the run with the best validation accuracy at "
              "that n.\n\n";
        for (const auto& note : info.hidden_notes) md += "- " + note + "\n";
    }
    xtnn::write_file_atomically(path, md);
}

}  // namespace paper
