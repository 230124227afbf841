#pragma once
// Numeric CSV to Dataset: every column is a number, one of them is the label.
// Deliberately small: no quoting, no missing values; anything unexpected is an
// error naming the line, column and cell, not a silently skipped row.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../io/atomic_file.hpp"
#include "../core/tensor.hpp"
#include "dataset.hpp"

namespace xtnn {

struct CsvOptions {
    char delimiter = ',';
    // nullopt: the first row is a header when any of its cells is not a number.
    std::optional<bool> header = std::nullopt;
    int label_column = -1;  // negative counts from the end: -1 is the last column
};

namespace detail {

inline std::string_view trim_blanks(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Number syntax check and conversion of one cell; `value` is set only when
// the whole cell is a number in T's range.
template <Real T>
struct CellParse {
    bool numeric = false;  // the whole cell has number syntax (nan and inf included)
    bool in_range = false;
    T value{};

    explicit CellParse(std::string_view cell) {
        if (cell.starts_with('+') && cell.size() > 1 && cell[1] != '-') cell.remove_prefix(1);
        const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
        numeric =
            !cell.empty() && end == cell.data() + cell.size() && ec != std::errc::invalid_argument;
        in_range = numeric && ec == std::errc{};
    }
};

struct CsvRow {
    std::size_t line;  // 1-based
    std::vector<std::string_view> cells;
};

// Splits into non-blank rows of trimmed cells; accepts \n and \r\n endings.
inline std::vector<CsvRow> split_csv(std::string_view text, char delimiter) {
    std::vector<CsvRow> rows;
    std::size_t line = 0;
    while (!text.empty()) {
        ++line;
        const std::size_t end = text.find('\n');
        std::string_view row = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (row.ends_with('\r')) row.remove_suffix(1);
        if (trim_blanks(row).empty()) continue;
        CsvRow parsed{line, {}};
        for (std::size_t start = 0;;) {
            const std::size_t stop = row.find(delimiter, start);
            parsed.cells.push_back(trim_blanks(row.substr(start, stop - start)));
            if (stop == std::string_view::npos) break;
            start = stop + 1;
        }
        rows.push_back(std::move(parsed));
    }
    return rows;
}

}  // namespace detail

// `source` names the text's origin in every message.
template <Real T>
Dataset<T> parse_csv(std::string_view text, std::string_view source,
                     const CsvOptions& options = {}) {
    using detail::fail;
    const std::vector<detail::CsvRow> rows = detail::split_csv(text, options.delimiter);
    if (rows.empty()) fail(source, ": empty CSV file (no rows)");

    const std::size_t columns = rows.front().cells.size();
    bool has_header = options.header.value_or(false);
    if (!options.header) {
        for (const std::string_view cell : rows.front().cells) {
            if (!detail::CellParse<T>(cell).numeric) has_header = true;
        }
    }
    if (columns < 2) {
        fail(source, ": line ", rows.front().line,
             ": need at least 2 columns (features and a label), found 1; is the delimiter '",
             options.delimiter, "' right?");
    }
    if (rows.size() == (has_header ? 1U : 0U)) fail(source, ": no data rows, only a header");
    const long long label = options.label_column < 0
                                ? static_cast<long long>(columns) + options.label_column
                                : options.label_column;
    if (label < 0 || label >= static_cast<long long>(columns)) {
        fail(source, ": label_column ", options.label_column, " is out of range for ", columns,
             " columns");
    }

    const std::size_t data_rows = rows.size() - (has_header ? 1 : 0);
    Tensor<T> X({data_rows, columns - 1});
    Tensor<T> y({data_rows, 1});
    T* features = X.data();
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const detail::CsvRow& row = rows[r];
        if (row.cells.size() != columns) {
            fail(source, ": line ", row.line, ": expected ", columns, " columns (as on line ",
                 rows.front().line, "), found ", row.cells.size());
        }
        if (r == 0 && has_header) continue;
        for (std::size_t c = 0; c < columns; ++c) {
            const detail::CellParse<T> cell(row.cells[c]);
            if (!cell.in_range || !std::isfinite(cell.value)) {
                fail(source, ": line ", row.line, ", column ", c + 1, ": '", row.cells[c], "' ",
                     !cell.numeric    ? "is not a number"
                     : !cell.in_range ? "is out of range"
                                      : "is not finite (NaN and Inf are rejected)");
            }
            if (static_cast<long long>(c) == label) {
                y(r - (has_header ? 1 : 0), 0) = cell.value;
            } else {
                *features++ = cell.value;
            }
        }
    }
    return Dataset<T>(std::move(X), std::move(y));
}

template <Real T>
Dataset<T> read_csv(const std::filesystem::path& path, const CsvOptions& options = {}) {
    return parse_csv<T>(read_file(path), path.string(), options);
}

}  // namespace xtnn
