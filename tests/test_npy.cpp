// .npy parsing and writing, and the atomic file primitives under save_npy.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <xtnn/io/atomic_file.hpp>
#include <xtnn/io/npy.hpp>

#include "data_test_support.hpp"

using xtnn::DType;
using xtnn::parse_npy;
using xtnn_test::check_error;

namespace {

// A .npy file with the given header dict and payload, built without xtnn.
std::string npy_file(std::string_view dict, std::string_view payload, int major = 1) {
    std::string out = "\x93NUMPY";
    out.push_back(static_cast<char>(major));
    out.push_back('\0');
    const std::size_t length = dict.size() + 1;
    for (std::size_t i = 0; i < (major == 1 ? 2U : 4U); ++i) {
        out.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
    }
    out += dict;
    out += '\n';
    out += payload;
    return out;
}

// Raw element bytes in the requested byte order, whatever the host's.
template <class T>
std::string encode(std::initializer_list<T> values, bool big_endian) {
    std::string out;
    for (const T value : values) {
        std::array<char, sizeof(T)> bytes{};
        std::memcpy(bytes.data(), &value, sizeof(T));
        if ((std::endian::native == std::endian::big) != big_endian) {
            std::reverse(bytes.begin(), bytes.end());
        }
        out.append(bytes.data(), bytes.size());
    }
    return out;
}

template <class T>
void check_round_trip(const std::vector<T>& values, const std::vector<std::size_t>& shape) {
    CAPTURE(shape.size());
    const std::string bytes =
        xtnn::to_npy_bytes(values.data(), std::span<const std::size_t>(shape));
    const xtnn::NpyArray array = parse_npy(bytes, "memory");
    CHECK(array.shape == shape);
    CHECK(array.dtype == xtnn::dtype_of<T>);
    CHECK(array.values<T>() == values);
    const std::vector<double> as_double = array.values<double>();
    for (std::size_t i = 0; i < values.size(); ++i)
        CHECK(as_double[i] == static_cast<double>(values[i]));
}

std::string header_of(const std::string& npy) {
    const std::size_t length =
        static_cast<unsigned char>(npy[8]) + 256U * static_cast<unsigned char>(npy[9]);
    return npy.substr(10, length);
}

}  // namespace

TEST_CASE("npy: every element type and rank round-trips through bytes") {
    check_round_trip<float>({1.5F, -0.0F, std::numeric_limits<float>::denorm_min(),
                             std::numeric_limits<float>::max(), 3.25F, -7.0F},
                            {2, 3});
    check_round_trip<double>({0.1, -2.5e300, 4.0}, {3});
    check_round_trip<std::int8_t>({-128, 127, 0, 5}, {2, 1, 2});
    check_round_trip<std::int32_t>(
        {std::numeric_limits<std::int32_t>::min(), 7, std::numeric_limits<std::int32_t>::max()},
        {3, 1});
    check_round_trip<std::int64_t>({std::int64_t{1} << 62, -3}, {2});
    check_round_trip<std::uint8_t>({0, 255, 128, 1}, {1, 2, 2, 1});
    check_round_trip<double>({42.0}, {});  // a scalar: rank 0, one element
    check_round_trip<float>({}, {0, 3});   // empty
}

TEST_CASE("npy: the written header is the one NumPy writes, data 64-byte aligned") {
    const std::vector<float> values(6, 1.0F);
    const std::vector<std::size_t> shape{2, 3};
    const std::string bytes =
        xtnn::to_npy_bytes(values.data(), std::span<const std::size_t>(shape));
    CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
    const std::string header = header_of(bytes);
    const char order = std::endian::native == std::endian::little ? '<' : '>';
    CHECK(header.starts_with(std::string("{'descr': '") + order +
                             "f4', 'fortran_order': False, 'shape': (2, 3), }"));
    CHECK(header.back() == '\n');
    CHECK((10 + header.size()) % 64 == 0);
    CHECK(bytes.size() == 10 + header.size() + 6 * sizeof(float));

    const std::vector<std::uint8_t> one{7};
    const std::vector<std::size_t> vector_shape{1};
    CHECK(header_of(xtnn::to_npy_bytes(one.data(), std::span<const std::size_t>(vector_shape)))
              .starts_with("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }"));
}

TEST_CASE("npy: big-endian and Fortran-order files built by hand") {
    SUBCASE(">f8, Fortran order: column-major data comes back in C order") {
        // [[1, 2, 3], [4, 5, 6]] stored column by column.
        const auto array =
            parse_npy(npy_file("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }",
                               encode<double>({1, 4, 2, 5, 3, 6}, true)),
                      "f.npy");
        CHECK(array.shape == std::vector<std::size_t>{2, 3});
        CHECK(array.dtype == DType::float64);
        CHECK(array.values<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
    }
    SUBCASE("rank 3, Fortran order") {
        // Element (i, j, k) = 100i + 10j + k at Fortran offset i + 2j + 6k.
        std::vector<std::int64_t> fortran(24);
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 3; ++j)
                for (int k = 0; k < 4; ++k) fortran[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
        std::string payload;
        for (const std::int64_t v : fortran) payload += encode<std::int64_t>({v}, false);
        const auto values = parse_npy(npy_file("{'descr': '<i8', 'fortran_order': True, "
                                               "'shape': (2, 3, 4), }",
                                               payload),
                                      "r3.npy")
                                .values<std::int64_t>();
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 3; ++j)
                for (int k = 0; k < 4; ++k)
                    CHECK(values[i * 12 + j * 4 + k] == 100 * i + 10 * j + k);
    }
    SUBCASE("every dtype in both byte orders") {
        const auto load = [](std::string descr, const std::string& payload, std::size_t n) {
            return parse_npy(
                npy_file("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" +
                             std::to_string(n) + ",), }",
                         payload),
                "e.npy");
        };
        for (const bool big : {false, true}) {
            const std::string o = big ? ">" : "<";
            CHECK(load(o + "f4", encode<float>({1.5F, -2.0F}, big), 2).values<float>() ==
                  std::vector<float>{1.5F, -2.0F});
            CHECK(load(o + "f8", encode<double>({0.1, 1e300}, big), 2).values<double>() ==
                  std::vector<double>{0.1, 1e300});
            CHECK(
                load(o + "i4", encode<std::int32_t>({-1, 70000}, big), 2).values<std::int64_t>() ==
                std::vector<std::int64_t>{-1, 70000});
            CHECK(load(o + "i8", encode<std::int64_t>({-5, std::int64_t{1} << 40}, big), 2)
                      .values<std::int64_t>() ==
                  std::vector<std::int64_t>{-5, std::int64_t{1} << 40});
            CHECK(load(o + "u1", "\xff\x01", 2).values<std::int32_t>() ==
                  std::vector<std::int32_t>{255, 1});
        }
        CHECK(load("|u1", "\xff", 1).dtype == DType::uint8);
        CHECK(load("|i1", "\x80\x7f", 2).values<std::int32_t>() ==
              std::vector<std::int32_t>{-128, 127});
        const auto flags = load("|b1", std::string("\x01\x00\x01", 3), 3);
        CHECK(flags.dtype == DType::boolean);
        CHECK(flags.values<float>() == std::vector<float>{1, 0, 1});
        CHECK(flags.values<std::uint8_t>() == std::vector<std::uint8_t>{1, 0, 1});
    }
    SUBCASE("format versions 2.0 and 3.0, and free-form dict syntax") {
        for (const int major : {2, 3}) {
            const auto array = parse_npy(
                npy_file("{\"shape\": ( 2 , ) ,\"fortran_order\":False,  \"descr\": \"<i4\"}   ",
                         encode<std::int32_t>({3, 4}, false), major),
                "v.npy");
            CHECK(array.values<std::int32_t>() == std::vector<std::int32_t>{3, 4});
        }
    }
}

TEST_CASE("npy: malformed inputs name the source and the problem") {
    const std::string f4_2x3 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const std::string data_2x3(24, '\0');
    const auto parse = [](const std::string& bytes) {
        return [bytes] { parse_npy(bytes, "bad.npy"); };
    };
    const auto with_dict = [&](const std::string& dict) { return parse(npy_file(dict, data_2x3)); };

    check_error(parse(""), {"bad.npy", "truncated header"});
    check_error(parse("\x93NUM"), {"bad.npy", "truncated header"});
    check_error(parse("GIF89a and more bytes"), {"bad.npy", "bad magic"});
    check_error(parse(std::string("\x93NUMPY\x04\x00\x10\x00", 10)),
                {"bad.npy", "unsupported .npy format version 4.0"});
    check_error(parse(std::string("\x93NUMPY\x01\x00\xc8\x00{'descr'", 17)),
                {"bad.npy", "truncated header: expected 200 header bytes, got 7"});

    check_error(with_dict("['descr', '<f4']"),
                {"bad.npy", "not a valid dictionary", "expected '{'"});
    check_error(with_dict("{'descr': '<f4', 'fortran_order': False}"),
                {"bad.npy", "missing key 'shape'"});
    check_error(with_dict("{'descr': '<f4', 'order': 'C', 'shape': (6,)}"),
                {"unknown key 'order'"});
    check_error(
        with_dict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}"),
        {"duplicate key 'descr'"});
    check_error(with_dict("{'descr': '<f4', 'fortran_order': maybe, 'shape': (6,)}"),
                {"True or False"});
    check_error(with_dict("{'descr': '<f4, 'fortran_order': False, 'shape': (6,)}"),
                {"not a valid dictionary"});
    check_error(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} junk"),
                {"unexpected text after the closing '}'"});

    check_error(with_dict("{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}"),
                {"bad.npy", "unsupported dtype '<c16'"});
    check_error(with_dict("{'descr': '<U3', 'fortran_order': False, 'shape': (2,)}"),
                {"unsupported dtype '<U3'"});
    check_error(with_dict("{'descr': '|f4', 'fortran_order': False, 'shape': (6,)}"),
                {"unsupported dtype '|f4'"});
    check_error(with_dict("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}"),
                {"bad.npy", "'|O'", "object arrays"});
    check_error(with_dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,)}"),
                {"bad.npy", "structured arrays"});

    check_error(parse(npy_file(f4_2x3, std::string(20, '\0'))),
                {"bad.npy", "truncated data", "needs 24 bytes, got 20"});
    check_error(parse(npy_file(f4_2x3, std::string(30, '\0'))), {"bad.npy", "6 unexpected bytes"});

    const auto with_shape = [&](const std::string& shape) {
        return with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }");
    };
    check_error(with_shape("(-1, 6)"), {"bad.npy", "negative entry -1"});
    check_error(with_shape("(2, x)"), {"bad.npy", "entry 'x' is not a non-negative integer"});
    check_error(with_shape("(2.5,)"), {"entry '2.5'"});
    check_error(with_shape("(99999999999999999999999,)"),
                {"entry 99999999999999999999999 is too large"});
    check_error(with_shape("(4294967296, 4294967296, 2)"), {"bad.npy", "overflows"});
}

TEST_CASE("npy: a header claiming 10^12 elements is rejected before allocating") {
    // Were the claim believed, 4 TB would be allocated; the check compares
    // against the bytes present first.
    check_error(
        [] {
            parse_npy(
                npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }",
                         std::string(16, '\0')),
                "huge.npy");
        },
        {"huge.npy", "truncated data", "needs 4000000000000 bytes, got 16"});
}

TEST_CASE("npy: conversions refuse to lose integer information") {
    const std::vector<std::size_t> two{2};
    const std::vector<float> floats{1.0F, 2.0F};
    const auto float_array =
        parse_npy(xtnn::to_npy_bytes(floats.data(), std::span<const std::size_t>(two)), "f.npy");
    check_error([&] { (void)float_array.values<std::int64_t>(); },
                {"f.npy", "cannot convert float32 data to int64"});

    const std::vector<std::int64_t> big{1, std::int64_t{1} << 40};
    const auto int_array =
        parse_npy(xtnn::to_npy_bytes(big.data(), std::span<const std::size_t>(two)), "i.npy");
    check_error([&] { (void)int_array.values<std::int32_t>(); },
                {"i.npy", "value 1099511627776 at flat index 1 does not fit in int32"});
    CHECK(int_array.values<double>() == std::vector<double>{1.0, 1099511627776.0});
}

TEST_CASE("npy: files: save, load, rank checks, clear errors") {
    const xtnn_test::ScratchDir dir("npy");
    const xt::xtensor<double, 2> matrix = {{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};
    xtnn::save_npy(dir / "m.npy", matrix);
    CHECK(xtnn::load_npy<double, 2>(dir / "m.npy") == matrix);
    CHECK(xtnn::load_npy_matrix<float>(dir / "m.npy") == xt::xtensor<float, 2>(matrix));

    const xt::xtensor<std::int64_t, 1> labels = {0, 1, 1};
    xtnn::save_npy(dir / "y.npy", labels);
    const xtnn::Tensor<double> column = xtnn::load_npy_matrix<double>(dir / "y.npy");
    CHECK(column == xtnn::Tensor<double>{{0.0}, {1.0}, {1.0}});

    const xt::xtensor<std::int32_t, 3> cube({2, 2, 2}, 7);
    xtnn::save_npy(dir / "c.npy", cube);
    CHECK(xtnn::load_npy<std::int32_t, 3>(dir / "c.npy") == cube);

    const std::string m_path = (dir / "m.npy").string();
    check_error([&] { xtnn::load_npy<double, 1>(dir / "m.npy"); },
                {m_path, "expected an array of rank 1, found rank 2 with shape (3, 2)"});
    check_error([&] { xtnn::load_npy_matrix<double>(dir / "c.npy"); },
                {"c.npy", "expected a matrix (rank 1 or 2), found rank 3"});
    check_error([&] { xtnn::read_npy(dir / "missing.npy"); },
                {(dir / "missing.npy").string(), "No such file or directory"});
    check_error([&] { xtnn::read_npy(dir.path()); }, {dir.path().string(), "is a directory"});
}

TEST_CASE("atomic_file: replaces whole files and leaves nothing behind on failure") {
    const xtnn_test::ScratchDir dir("atomic");
    const auto target = dir / "data.bin";
    const std::string binary("a\0b\xff\n", 5);
    xtnn::write_file_atomically(target, binary);
    CHECK(xtnn::read_file(target) == binary);
    xtnn::write_file_atomically(target, "second version");
    CHECK(xtnn::read_file(target) == "second version");
    xtnn::write_file_atomically(target, "");
    CHECK(xtnn::read_file(target).empty());

    // A directory in the way makes the final rename fail: the error names the
    // path and the OS reason, and the temporary file is gone.
    const auto blocked = dir / "blocked";
    std::filesystem::create_directory(blocked);
    xtnn::write_file_atomically(blocked / "keep.txt", "kept");
    check_error([&] { xtnn::write_file_atomically(blocked, "new"); },
                {blocked.string(), "rename failed", "directory"});
    CHECK(std::filesystem::is_directory(blocked));
    CHECK(xtnn::read_file(blocked / "keep.txt") == "kept");

    check_error([&] { xtnn::write_file_atomically(dir / "no-such-dir" / "f.npy", "x"); },
                {"no-such-dir", "No such file or directory"});

    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"blocked", "data.bin"});
}
