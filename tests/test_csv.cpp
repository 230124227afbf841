// Numeric CSV reading: layout variants, header detection, label column
// choice, and error messages that point at the offending line and cell.
#include <string>

#include <doctest/doctest.h>

#include <xtnn/data/csv.hpp>
#include <xtnn/io/atomic_file.hpp>

#include "data_test_support.hpp"

using xtnn::CsvOptions;
using xtnn::parse_csv;
using xtnn::Tensor;
using xtnn_test::check_error;

TEST_CASE("csv: header auto-detection, last column as label") {
    const auto with_header = parse_csv<float>("x1,x2,label\n1,2,0\n3.5,-4e-1,1\n", "h.csv");
    CHECK(with_header.X == Tensor<float>{{1.0F, 2.0F}, {3.5F, -0.4F}});
    CHECK(with_header.y == Tensor<float>{{0.0F}, {1.0F}});

    const auto without = parse_csv<double>("1,2,0\n3,4,1", "n.csv");  // no final newline
    CHECK(without.size() == 2);
    CHECK(without.X(0, 0) == 1.0);
    CHECK(without.y(1, 0) == 1.0);
}

TEST_CASE("csv: line endings, blank lines, blanks around cells, explicit signs") {
    const auto data =
        parse_csv<double>("\r\n a , b ,y\r\n+1.5, -2 ,1\r\n\r\n\t3,1e-3,0\r\n\r\n", "w.csv");
    CHECK(data.X == Tensor<double>{{1.5, -2.0}, {3.0, 1e-3}});
    CHECK(data.y == Tensor<double>{{1.0}, {0.0}});
}

TEST_CASE("csv: forced header setting, delimiters, label column") {
    CHECK(parse_csv<float>("1,2,3\n4,5,6\n", "f.csv", {.header = true}).size() == 1);
    check_error([] { parse_csv<float>("a,b\n1,2\n", "f.csv", {.header = false}); },
                {"f.csv", "line 1, column 1", "'a' is not a number"});

    const auto semicolons = parse_csv<float>("1;2;3\n", "s.csv", {.delimiter = ';'});
    CHECK(semicolons.X == Tensor<float>{{1.0F, 2.0F}});
    const auto tabs = parse_csv<float>("1\t2\t3\n", "t.csv", {.delimiter = '\t'});
    CHECK(tabs.y == Tensor<float>{{3.0F}});

    const auto first = parse_csv<float>("7,8,9\n", "l.csv", {.label_column = 0});
    CHECK(first.y(0, 0) == 7.0F);
    CHECK(first.X == Tensor<float>{{8.0F, 9.0F}});
    const auto middle = parse_csv<float>("7,8,9\n", "l.csv", {.label_column = -2});
    CHECK(middle.y(0, 0) == 8.0F);
    CHECK(middle.X == Tensor<float>{{7.0F, 9.0F}});
    check_error([] { parse_csv<float>("7,8,9\n", "l.csv", {.label_column = 3}); },
                {"l.csv", "label_column 3 is out of range for 3 columns"});
    check_error([] { parse_csv<float>("7,8,9\n", "l.csv", {.label_column = -4}); },
                {"label_column -4 is out of range"});
}

TEST_CASE("csv: bad input is reported with line, column and cell") {
    check_error([] { parse_csv<float>("a,b,c\n1,2,3\n4,5\n", "r.csv"); },
                {"r.csv", "line 3: expected 3 columns (as on line 1), found 2"});
    check_error([] { parse_csv<float>("1,2,3\n\n4,x5,6\n", "r.csv"); },
                {"r.csv", "line 3, column 2: 'x5' is not a number"});
    check_error([] { parse_csv<float>("1,2,3\n4,,6\n", "r.csv"); },
                {"line 2, column 2: '' is not a number"});
    check_error([] { parse_csv<float>("1,2,3\n4,5,nan\n", "r.csv"); },
                {"line 2, column 3: 'nan' is not finite"});
    check_error([] { parse_csv<float>("1,inf,3\n", "r.csv"); },
                {"line 1, column 2: 'inf' is not finite"});
    check_error([] { parse_csv<float>("1,1e999,3\n", "r.csv"); }, {"'1e999' is out of range"});
    check_error([] { parse_csv<float>("1,2,3\n4,5,\"6\"\n", "r.csv"); },
                {"'\"6\"' is not a number"});
    check_error([] { parse_csv<float>("", "e.csv"); }, {"e.csv", "empty CSV file"});
    check_error([] { parse_csv<float>("\n \r\n\n", "e.csv"); }, {"e.csv", "empty CSV file"});
    check_error([] { parse_csv<float>("a,b,c\n", "h.csv"); },
                {"h.csv", "no data rows, only a header"});
    check_error([] { parse_csv<float>("1\n2\n", "one.csv"); },
                {"one.csv", "need at least 2 columns"});
    check_error([] { parse_csv<float>("1;2\n", "d.csv"); },
                {"need at least 2 columns", "delimiter ','"});
}

TEST_CASE("csv: read_csv reads a file and names it in errors") {
    const xtnn_test::ScratchDir dir("csv");
    xtnn::write_file_atomically(dir / "data.csv", "f,y\n0.5,1\n0.25,0\n");
    const auto data = xtnn::read_csv<double>(dir / "data.csv");
    CHECK(data.X == Tensor<double>{{0.5}, {0.25}});
    xtnn::write_file_atomically(dir / "bad.csv", "f,y\n0.5,yes\n");
    check_error([&] { xtnn::read_csv<double>(dir / "bad.csv"); },
                {(dir / "bad.csv").string(), "line 2, column 2: 'yes' is not a number"});
    check_error([&] { xtnn::read_csv<double>(dir / "none.csv"); }, {"none.csv", "No such file"});
}
