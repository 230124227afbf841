#pragma once
// figure.png, the paper's Figure 1 from a finished study: test accuracy
// against n for FCNN and WDNN (mean over seeds, min–max error bars), with the
// challenge's target and the Bayes accuracy as lines. The data (figure.dat)
// and the gnuplot script (figure.gp) stay next to it, so the figure can be
// restyled and redrawn with `gnuplot figure.gp` in that folder.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <xtnn/io/atomic_file.hpp>

#include "kryptonite_data.hpp"
#include "study.hpp"

namespace paper {

namespace figure {

inline std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// One line per n: n, target, Bayes, then mean/min/max test accuracy (%) of FCNN and WDNN.
inline std::string data(const Study& s) {
    std::string text = "# n target bayes fcnn_mean fcnn_min fcnn_max wdnn_mean wdnn_min wdnn_max\n";
    for (const auto& set : s.sets) {
        char line[256];
        std::snprintf(line, sizeof line, "%zu %g %g", set.n, 100 * target_accuracy(set.n), 100 * set.bayes_accuracy);
        text += line;
        for (const std::string model : {"fcnn", "wdnn"}) {
            const Range r = s.range(model, set.n, s.chosen_learning_rate(model, set.n), &RunResult::test_accuracy);
            std::snprintf(line, sizeof line, " %g %g %g", 100 * r.mean, 100 * r.min, 100 * r.max);
            text += line;
        }
        text += "\n";
    }
    return text;
}

inline std::string script(const Study& s) {
    std::string xtics;
    for (const auto& set : s.sets) xtics += (xtics.empty() ? "" : ", ") + std::to_string(set.n);
    const auto lo = static_cast<double>(s.sets.front().n), hi = static_cast<double>(s.sets.back().n);
    const double pad = std::max(1.5, 0.08 * (hi - lo));
    // The two models sit a little left and right of each n, so their bars do not overlap.
    const std::string shift = std::to_string(0.012 * (hi - lo + 2 * pad));
    std::string plot =
        "plot 'figure.dat' using 1:2 with linespoints dt 2 lw 1.5 lc rgb 'black' pt 1 title 'target', \\\n"
        "     '' using 1:3 with lines dt 3 lw 2 lc rgb '#2ca02c' title 'Bayes accuracy', \\\n"
        "     50 with lines lw 1 lc rgb 'gray50' title 'chance'";
    for (const auto& model : s.models) {
        const bool wdnn = model == "wdnn";
        plot += ", \\\n     'figure.dat' using ($1" + std::string(wdnn ? "+" : "-") + shift + "):" +
                (wdnn ? "7:8:9" : "4:5:6") + " with yerrorlines lw 2 pt " +
                (wdnn ? "7 lc rgb '#1f77b4' title 'WDNN'" : "5 lc rgb '#d62728' title 'FCNN'");
    }
    char range[96];
    std::snprintf(range, sizeof range, "set xrange [%g:%g]\n", lo - pad, hi + pad);
    return "# The paper's Figure 1 from this study (data: figure.dat). Redraw: gnuplot figure.gp\n"
           "set terminal pngcairo size 900,560 font ',11'\n"
           "set output 'figure.png'\n"
           "set title 'Kryptonite-n: test accuracy at the learning rate chosen on validation "
           "(bars: min–max over seeds)'\n"
           "set xlabel 'n'\nset ylabel 'test accuracy (%)'\n"
           "set xtics (" + xtics + ")\n" + range +
           "set yrange [*:100]\nset grid ytics\nset key right top at graph 0.98, 0.88 opaque box\n" + plot + "\n";
}

}  // namespace figure

// Writes figure.dat and figure.gp into `dir` and runs gnuplot there; returns
// whether figure.png was drawn (false, with a message on stderr, when gnuplot
// is missing or fails: the tables do not depend on it).
inline bool write_figure(const Study& s, const std::filesystem::path& dir) {
    xtnn::write_file_atomically(dir / "figure.dat", figure::data(s));
    xtnn::write_file_atomically(dir / "figure.gp", figure::script(s));
    std::filesystem::remove(dir / "figure.png");
    const std::string command = "cd " + figure::shell_quote(dir.string()) + " && gnuplot figure.gp";
    const int status = std::system(command.c_str());
    if (status != 0 || !std::filesystem::exists(dir / "figure.png")) {
        std::fprintf(stderr, "reproduce_paper: gnuplot did not draw figure.png (status %d); figure.dat and figure.gp "
                             "are in %s (scripts/setup.sh installs gnuplot-nox)\n",
                     status, dir.string().c_str());
        return false;
    }
    return true;
}

}  // namespace paper
