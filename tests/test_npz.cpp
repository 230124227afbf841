// .npz archives: our writer's zip structure, round trips, and every way a
// damaged or unsupported archive is reported.
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <xtnn/io/npz.hpp>

#include "data_test_support.hpp"

using xtnn::NpzWriter;
using xtnn::parse_npz;
using xtnn_test::check_error;

namespace {

void put(std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// A one-member stored archive written without xtnn's writer. `numpy_style`
// mimics numpy.savez: the local header carries 0xFFFFFFFF size placeholders
// and a zip64 extra field, the central directory the real sizes.
std::string hand_made_zip(const std::string& name, const std::string& data, bool numpy_style) {
    const std::uint32_t crc = xtnn::detail::crc32(data);
    std::string out;
    put(out, 0x04034b50, 4);
    put(out, numpy_style ? 45 : 20, 2);
    put(out, 0, 2);  // flags
    put(out, 0, 2);  // stored
    put(out, 0, 4);  // time, date
    put(out, crc, 4);
    put(out, numpy_style ? 0xFFFFFFFFU : data.size(), 4);
    put(out, numpy_style ? 0xFFFFFFFFU : data.size(), 4);
    put(out, name.size(), 2);
    put(out, numpy_style ? 20 : 0, 2);
    out += name;
    if (numpy_style) {
        put(out, 1, 2);   // zip64 extra field id
        put(out, 16, 2);  // its size
        put(out, data.size(), 8);
        put(out, data.size(), 8);
    }
    out += data;
    const std::size_t central_offset = out.size();
    put(out, 0x02014b50, 4);
    put(out, 20, 2);
    put(out, 20, 2);
    put(out, 0, 2);
    put(out, 0, 2);
    put(out, 0, 4);
    put(out, crc, 4);
    put(out, data.size(), 4);
    put(out, data.size(), 4);
    put(out, name.size(), 2);
    put(out, 0, 2);  // extra
    put(out, 0, 2);  // comment
    put(out, 0, 2);  // disk
    put(out, 0, 2);  // internal attributes
    put(out, 0, 4);  // external attributes
    put(out, 0, 4);  // local header offset
    out += name;
    const std::size_t central_size = out.size() - central_offset;
    put(out, 0x06054b50, 4);
    put(out, 0, 4);
    put(out, 1, 2);
    put(out, 1, 2);
    put(out, central_size, 4);
    put(out, central_offset, 4);
    put(out, 0, 2);
    return out;
}

std::string two_member_archive() {
    NpzWriter writer;
    const xt::xtensor<float, 2> weights = {{1.0F, 2.0F}, {3.0F, 4.0F}};
    writer.add("weights", weights);
    const std::vector<std::int64_t> labels{0, 1, 1};
    writer.add("labels", labels.data(), {3});
    return writer.bytes();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
}

}  // namespace

TEST_CASE("npz: CRC-32 matches the standard check value") {
    CHECK(xtnn::detail::crc32("123456789") == 0xCBF43926U);
    CHECK(xtnn::detail::crc32("") == 0U);
}

TEST_CASE("npz: the writer's arrays come back in order, with types and values") {
    NpzWriter writer;
    const xt::xtensor<double, 2> matrix = {{1.5, -2.0, 3.0}, {4.0, 5.0, 6.25}};
    const xt::xtensor<std::int32_t, 1> counts = {7, 8, 9, 10};
    const xt::xtensor<std::uint8_t, 3> cube({2, 1, 2}, 200);
    const xt::xtensor<float, 0> scalar = 0.5F;
    writer.add("matrix", matrix);
    writer.add("counts", counts);
    writer.add("layer.0/cube", cube);
    writer.add("scalar", scalar);
    const std::string bytes = writer.bytes();
    CHECK(bytes.starts_with("PK\x03\x04"));
    CHECK(bytes.substr(bytes.size() - 22, 4) == "PK\x05\x06");

    const xtnn::NpzArchive archive = parse_npz(bytes, "model.npz");
    CHECK(archive.names() ==
          std::vector<std::string>{"matrix", "counts", "layer.0/cube", "scalar"});
    CHECK(archive.contains("counts"));
    CHECK_FALSE(archive.contains("counts.npy"));
    CHECK(xtnn::as_xtensor<double, 2>(archive.get("matrix")) == matrix);
    CHECK(xtnn::as_xtensor<std::int32_t, 1>(archive.get("counts")) == counts);
    CHECK(xtnn::as_xtensor<std::uint8_t, 3>(archive.get("layer.0/cube")) == cube);
    CHECK(xtnn::as_xtensor<float, 0>(archive.get("scalar")) == scalar);
    CHECK(archive.get("matrix").source == "model.npz member 'matrix.npy'");

    check_error([&] { (void)archive.get("bias"); },
                {"model.npz", "no array named 'bias'", "matrix, counts, layer.0/cube, scalar"});
    CHECK(parse_npz(NpzWriter().bytes(), "empty.npz").names().empty());
}

TEST_CASE("npz: saving is atomic and reading a file names it") {
    const xtnn_test::ScratchDir dir("npz");
    NpzWriter writer;
    const xt::xtensor<float, 1> values = {1.0F, 2.0F};
    writer.add("v", values);
    writer.save(dir / "a.npz");
    CHECK(xtnn::as_xtensor<float, 1>(xtnn::read_npz(dir / "a.npz").get("v")) == values);
    check_error([&] { xtnn::read_npz(dir / "none.npz"); }, {"none.npz", "No such file"});
}

TEST_CASE("npz: writer rejects empty and duplicate names") {
    NpzWriter writer;
    const float one = 1.0F;
    check_error([&] { writer.add("", &one, {1}); }, {"name must not be empty"});
    writer.add("a", &one, {1});
    check_error([&] { writer.add("a", &one, {1}); }, {"duplicate array name 'a'"});
}

TEST_CASE("npz: reads archives laid out as numpy.savez writes them") {
    const std::vector<double> values{1.0, 2.0, 3.0};
    const std::vector<std::size_t> shape{3};
    const std::string npy = xtnn::to_npy_bytes(values.data(), std::span<const std::size_t>(shape));
    for (const bool numpy_style : {false, true}) {
        const auto archive = parse_npz(hand_made_zip("x.npy", npy, numpy_style), "np.npz");
        CHECK(archive.get("x").values<double>() == values);
    }
}

TEST_CASE("npz: damaged and unsupported archives name the file, the member and the problem") {
    const std::string good = two_member_archive();

    SUBCASE("a flipped data byte fails the CRC") {
        std::string bad = good;
        bad[bad.find("weights.npy") + 11 + 100] ^= 0x01;  // inside the first member's data
        check_error([&] { parse_npz(bad, "m.npz"); },
                    {"m.npz", "member 'weights.npy'", "CRC-32 mismatch"});
    }
    SUBCASE("truncated anywhere") {
        check_error([&] { parse_npz(good.substr(0, good.size() - 10), "t.npz"); },
                    {"t.npz", "truncated zip archive"});
        check_error([&] { parse_npz(good.substr(0, good.size() / 2), "t.npz"); },
                    {"t.npz", "truncated zip archive"});
        check_error([&] { parse_npz("", "t.npz"); }, {"t.npz", "not a zip archive"});
    }
    SUBCASE("a central directory pointing past the data") {
        // Drop bytes from the first member: offsets now point at the wrong places.
        std::string bad = good;
        bad.erase(100, 40);
        const std::string message = xtnn_test::error_message([&] { parse_npz(bad, "c.npz"); });
        CHECK(message.find("c.npz") != std::string::npos);
        CHECK(message.find("corrupt") != std::string::npos);
    }
    SUBCASE("np.savez_compressed archives are refused with a pointer to np.savez") {
        std::string bad = good;
        // The method field of both headers of the first member: stored (0) -> deflate (8).
        bad[8] = 8;
        bad[bad.find("PK\x01\x02") + 10] = 8;
        check_error([&] { parse_npz(bad, "z.npz"); },
                    {"z.npz", "member 'weights.npy'", "is compressed (deflate)", "np.savez"});
    }
    SUBCASE("zip64 end records are refused") {
        std::string bad = good;
        const std::size_t end = bad.size() - 22;
        bad[end + 8] = bad[end + 9] = bad[end + 10] = bad[end + 11] = '\xff';
        check_error([&] { parse_npz(bad, "64.npz"); }, {"64.npz", "zip64"});
    }
    SUBCASE("members that are not .npy arrays") {
        std::string bad = good;
        replace_all(bad, "labels.npy", "labels.txt");
        check_error([&] { parse_npz(bad, "o.npz"); },
                    {"o.npz", "member 'labels.txt'", "not a .npy array"});
    }
    SUBCASE("a member whose .npy content is malformed names the member") {
        check_error([&] { parse_npz(hand_made_zip("x.npy", "not npy at all", false), "n.npz"); },
                    {"n.npz member 'x.npy'", "bad magic"});
    }
    SUBCASE("not a zip at all") {
        check_error([&] { parse_npz(std::string(100, 'x'), "text.npz"); },
                    {"text.npz", "not a zip archive"});
    }
}
