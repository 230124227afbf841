#pragma once
// The results file of a study: CSV, one row per finished trial, rewritten
// atomically after every trial, so a study killed at any point resumes from
// it. Its first line names the study (space, metric, direction, seed); a file
// from another study is refused rather than mixed in.
//
//   # xtnn::tune study; metric: val_accuracy (max); seed: 42; space: lr: log_uniform(0.0001, 0.01)
//   id,lr,metric,best_epoch,epochs,seconds,status,message,curve
//   0,0.0012,0.95,3,3,1.25,completed,,0.9;0.93;0.95
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../io/atomic_file.hpp"
#include "space.hpp"
#include "trial.hpp"

namespace xtnn::tune {

/// What a results file must match to be resumed: the first line of the file.
inline std::string study_signature(const SearchSpace& space, std::string_view metric, bool maximize,
                                   std::uint64_t seed) {
    return detail::concat("# xtnn::tune study; metric: ", metric, maximize ? " (max)" : " (min)", "; seed: ", seed,
                          "; space: ", space.describe());
}

namespace detail {

inline constexpr std::size_t results_tail_columns = 7;  // metric ... curve

inline std::string results_header(const SearchSpace& space) {
    std::string header = "id";
    for (const Dimension& d : space.dimensions()) header += "," + d.name;
    return header + ",metric,best_epoch,epochs,seconds,status,message,curve";
}

// A message on one line, quoted when it has a comma or a quote.
inline std::string csv_message(std::string_view message) {
    std::string text;
    bool quote = false;
    for (const char c : message) {
        if (c == '\n' || c == '\r') {
            text += ' ';
        } else {
            text += c == '"' ? std::string("\"\"") : std::string(1, c);
            quote = quote || c == '"' || c == ',';
        }
    }
    return quote ? '"' + text + '"' : text;
}

// Splits one CSV line into cells (a quoted cell may hold commas and "").
inline std::vector<std::string> csv_cells(std::string_view line) {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
            cells.back() += '"';
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            cells.emplace_back();
        } else {
            cells.back() += c;
        }
    }
    return cells;
}

inline Value parse_value(const Dimension& d, const std::string& cell, std::string_view where) {
    double real = 0;
    std::int64_t integer = 0;
    switch (d.kind) {
        case Dimension::Kind::uniform:
        case Dimension::Kind::log_uniform:
            if (parse_number(cell, real)) return real;
            break;
        case Dimension::Kind::integer:
        case Dimension::Kind::log_integer:
            if (parse_number(cell, integer)) return integer;
            break;
        case Dimension::Kind::choice:
            for (const Value& option : d.choices) {
                if (option.to_string() == cell) return option;
            }
            break;
    }
    fail(where, ": '", cell, "' is not a value of ", d.name, " (", d.describe(), ")");
}

inline std::vector<double> parse_curve(const std::string& cell, std::string_view where) {
    std::vector<double> curve;
    if (cell.empty()) return curve;
    std::size_t begin = 0;
    for (;;) {
        const std::size_t end = std::min(cell.find(';', begin), cell.size());
        double value = 0;
        if (!parse_number(std::string_view(cell).substr(begin, end - begin), value)) {
            fail(where, ": the curve '", cell, "' is not a list of numbers separated by ';'");
        }
        curve.push_back(value);
        if (end == cell.size()) return curve;
        begin = end + 1;
    }
}

}  // namespace detail

/// One trial as a line of the results file (no newline).
inline std::string results_row(const TrialResult& t) {
    std::string row = std::to_string(t.id);
    for (const auto& [name, value] : t.config.values()) row += "," + value.to_string();
    std::string curve;
    for (const double v : t.curve) curve += (curve.empty() ? "" : ";") + Value(v).to_string();
    return row + "," + Value(t.metric).to_string() + "," + std::to_string(t.best_epoch) + "," +
           std::to_string(t.epochs()) + "," + Value(t.seconds).to_string() + "," + status_name(t.status) + "," +
           detail::csv_message(t.message) + "," + curve;
}

/// Reads a line written by results_row; `where` names it in errors.
inline TrialResult parse_results_row(std::string_view line, const SearchSpace& space, bool maximize,
                                     std::string_view where) {
    const std::vector<std::string> cells = detail::csv_cells(line);
    const std::size_t dims = space.size();
    if (cells.size() != 1 + dims + detail::results_tail_columns) {
        detail::fail(where, ": ", cells.size(), " cells, expected ", 1 + dims + detail::results_tail_columns, " (id, ",
                     dims, " hyperparameters, metric, best_epoch, epochs, seconds, status, message, curve)");
    }
    TrialResult t;
    if (!parse_number(cells[0], t.id)) detail::fail(where, ": id '", cells[0], "' is not a trial number");
    for (std::size_t k = 0; k < dims; ++k) {
        const Dimension& d = space.dimensions()[k];
        t.config.set(d.name, detail::parse_value(d, cells[1 + k], where));
    }
    const auto tail = cells.begin() + static_cast<std::ptrdiff_t>(1 + dims);
    const auto status = parse_status(tail[4]);
    if (!status) detail::fail(where, ": status '", tail[4], "' is none of completed, stopped, failed, diverged");
    t.status = *status;
    if (!parse_number(tail[3], t.seconds)) detail::fail(where, ": seconds '", tail[3], "' is not a number");
    t.message = tail[5];
    t.curve = detail::parse_curve(tail[6], where);
    std::size_t epochs = 0;
    if (!parse_number(tail[2], epochs) || epochs != t.curve.size()) {
        detail::fail(where, ": epochs '", tail[2], "' does not match its curve of ", t.curve.size(), " values");
    }
    t.score(maximize);
    return t;
}

/// The whole file: signature, header, one row per trial.
inline std::string results_text(std::string_view signature, const SearchSpace& space,
                                const std::vector<TrialResult>& trials) {
    std::string text = std::string(signature) + "\n" + detail::results_header(space) + "\n";
    for (const TrialResult& t : trials) text += results_row(t) + "\n";
    return text;
}

/// The finished trials of a results file written for this study (same
/// signature; every row's configuration is what the study samples for its id).
inline std::vector<TrialResult> read_results(const std::filesystem::path& path, const SearchSpace& space,
                                             std::string_view signature, bool maximize, std::uint64_t seed) {
    const std::string text = read_file(path);
    std::vector<std::string_view> lines;
    for (std::size_t begin = 0; begin < text.size();) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        lines.push_back(std::string_view(text).substr(begin, end - begin));
        begin = end + 1;
    }
    const std::string name = path.string();
    if (lines.empty() || lines[0] != signature) {
        detail::fail("results file '", name, "' belongs to another study (or is not a results file):\n  it says:  ",
                     lines.empty() ? std::string_view("(empty file)") : lines[0], "\n  expected: ", signature,
                     "\nuse another file for this study, or remove that one to start over");
    }
    if (lines.size() < 2 || lines[1] != detail::results_header(space)) {
        detail::fail("results file '", name, "': line 2 is not the header '", detail::results_header(space), "'");
    }
    std::vector<TrialResult> trials;
    for (std::size_t i = 2; i < lines.size(); ++i) {
        if (lines[i].empty()) continue;
        const std::string where = detail::concat("results file '", name, "', line ", i + 1);
        TrialResult t = parse_results_row(lines[i], space, maximize, where);
        if (t.config != space.sample(seed, t.id)) {
            detail::fail(where, ": trial ", t.id, " has ", t.config.describe(), ", but this study samples ",
                         space.sample(seed, t.id).describe(), " for it");
        }
        for (const TrialResult& earlier : trials) {
            if (earlier.id == t.id) detail::fail(where, ": trial ", t.id, " appears twice");
        }
        trials.push_back(std::move(t));
    }
    return trials;
}

}  // namespace xtnn::tune
