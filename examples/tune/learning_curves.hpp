#pragma once
// A PNG of a study's learning curves: the metric against epochs, one line per
// trial, the best trial drawn thick. gnuplot draws it (pngcairo terminal;
// scripts/setup.sh installs gnuplot-nox); the data (<stem>.dat) and the script
// (<stem>.gp) stay beside the PNG, so it can be restyled and redrawn with
// `gnuplot <stem>.gp` there. It lives in examples/, not in the library: the
// library never runs other programs, and a plot is a choice of style.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <xtnn/io/atomic_file.hpp>
#include <xtnn/tune/study_result.hpp>

namespace tune_plot {

namespace detail {

inline std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// One gnuplot data block per trial ("epoch value" lines), blocks two blank lines apart.
inline std::string data(const xtnn::tune::StudyResult& study) {
    std::string text;
    for (const auto& t : study.trials) {
        text += "# trial " + std::to_string(t.id) + ": " + t.config.describe() + "\n";
        for (std::size_t e = 0; e < t.curve.size(); ++e) {
            char line[64];
            std::snprintf(line, sizeof line, "%zu %.17g\n", e + 1, t.curve[e]);
            text += line;
        }
        text += "\n\n";
    }
    return text;
}

inline std::string script(const xtnn::tune::StudyResult& study, const std::string& stem, const std::string& title) {
    const auto ranked = study.ranked();
    std::string plot = "plot";
    for (std::size_t i = 0; i < study.trials.size(); ++i) {
        const auto& t = study.trials[i];
        const bool best = !ranked.empty() && ranked.front() == &t;
        plot +=
            (i ? ", \\\n    " : " ") + ("'" + stem + ".dat' index " + std::to_string(i)) +
            " using 1:2 with linespoints pt 7 ps 0.4 " +
            (best ? "lw 3 lc rgb '#d62728' title 'best: trial " + std::to_string(t.id) + "'"
                  : "lw 1 lc rgb '#80" +
                        std::string(t.status == xtnn::tune::TrialStatus::stopped ? "7f7f7f" : "1f77b4") + "' notitle");
    }
    return "# Learning curves of a xtnn::tune study (data: " + stem + ".dat). Redraw: gnuplot " + stem + ".gp\n" +
           "set terminal pngcairo noenhanced size 900,560 font ',11'\n" + "set output '" + stem + ".png'\n" +
           "set title '" + title + " (blue: ran to its end, grey: stopped by the search)'\n" +
           "set xlabel 'epoch'\nset ylabel '" + study.metric + "'\nset grid\nset key " +
           (study.maximize ? "right bottom" : "right top") + "\n" + plot + "\n";
}

}  // namespace detail

/// Writes <dir>/<stem>.dat and .gp and runs gnuplot there. Returns whether
/// <stem>.png was drawn (false, saying why on stderr, when gnuplot is missing
/// or fails: the CSV and the summary do not depend on it).
inline bool write_learning_curves(const xtnn::tune::StudyResult& study, const std::filesystem::path& dir,
                                  const std::string& stem = "curves", const std::string& title = "learning curves") {
    if (study.trials.empty()) {
        std::fprintf(stderr, "tune: no finished trial, so no learning curves to draw\n");
        return false;
    }
    xtnn::write_file_atomically(dir / (stem + ".dat"), detail::data(study));
    xtnn::write_file_atomically(dir / (stem + ".gp"), detail::script(study, stem, title));
    const auto png = dir / (stem + ".png");
    std::filesystem::remove(png);
    const std::string command = "cd " + detail::shell_quote(dir.string()) + " && gnuplot " + stem + ".gp";
    const int status = std::system(command.c_str());
    if (status != 0 || !std::filesystem::exists(png)) {
        std::fprintf(stderr,
                     "tune: gnuplot did not draw %s (status %d); %s.dat and %s.gp are in %s "
                     "(scripts/setup.sh installs gnuplot-nox)\n",
                     png.string().c_str(), status, stem.c_str(), stem.c_str(), dir.string().c_str());
        return false;
    }
    return true;
}

}  // namespace tune_plot
