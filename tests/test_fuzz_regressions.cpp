// Inputs that once got past a parser, replayed through the code the fuzz
// targets run (tests/fuzz/targets.hpp, here built with the main compiler),
// and a check that every fuzz seed is an input its target accepts (a seed
// the parser rejects would leave the fuzzer to start from nothing).
// A new finding goes here as a byte string, next to the error it must raise.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "data_test_support.hpp"
#include "fuzz/seeds.hpp"

using xtnn_test::check_error;
using xtnn_test::ScratchDir;

namespace {

// Local headers, in order, of members `names` that all share one stored
// .npy: each header's extra field spans the next header, so every member's
// data starts at the same offset.
std::string archive_with_shared_data(const std::vector<std::string>& names, const std::string& npy) {
    namespace zip = xtnn::detail::zip;
    using xtnn::detail::append_le;
    const std::uint32_t crc = xtnn::detail::crc32(npy);
    const auto common_fields = [&](std::string& out, const std::string& name, std::size_t extra) {
        append_le(out, zip::version_needed);
        append_le(out, std::uint16_t{0});  // flags
        append_le(out, zip::method_stored);
        append_le(out, std::uint32_t{0});  // time, date
        append_le(out, crc);
        append_le(out, static_cast<std::uint32_t>(npy.size()));
        append_le(out, static_cast<std::uint32_t>(npy.size()));
        append_le(out, static_cast<std::uint16_t>(name.size()));
        append_le(out, static_cast<std::uint16_t>(extra));
    };
    std::string out;
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::size_t rest = 0;  // the later headers, which this one's extra field covers
        for (std::size_t k = i + 1; k < names.size(); ++k) rest += zip::local_header_size + names[k].size();
        offsets.push_back(out.size());
        append_le(out, zip::local_header_signature);
        common_fields(out, names[i], rest);
        out += names[i];
    }
    out += npy;
    const std::size_t central_offset = out.size();
    for (std::size_t i = 0; i < names.size(); ++i) {
        append_le(out, zip::central_header_signature);
        append_le(out, zip::version_needed);  // made by
        common_fields(out, names[i], 0);
        append_le(out, std::uint16_t{0});  // comment length
        append_le(out, std::uint16_t{0});  // disk
        append_le(out, std::uint16_t{0});  // internal attributes
        append_le(out, std::uint32_t{0});  // external attributes
        append_le(out, static_cast<std::uint32_t>(offsets[i]));
        out += names[i];
    }
    const std::size_t central_size = out.size() - central_offset;
    append_le(out, zip::end_record_signature);
    append_le(out, std::uint32_t{0});  // disks
    append_le(out, static_cast<std::uint16_t>(names.size()));
    append_le(out, static_cast<std::uint16_t>(names.size()));
    append_le(out, static_cast<std::uint32_t>(central_size));
    append_le(out, static_cast<std::uint32_t>(central_offset));
    append_le(out, std::uint16_t{0});  // comment length
    return out;
}

}  // namespace

TEST_CASE("every fuzz seed is an input its target accepts") {
    // Plain loops over pairs: clang 14 cannot capture structured bindings in doctest's lambdas.
    for (const auto& seed : xtnn_fuzz::npy_seeds()) {
        INFO("npy seed ", seed.first);
        CHECK_NOTHROW(xtnn::parse_npy(seed.second, seed.first));
        xtnn_fuzz::npy(seed.second);
    }
    for (const auto& seed : xtnn_fuzz::npz_seeds()) {
        INFO("npz seed ", seed.first);
        CHECK_NOTHROW(xtnn::parse_npz(seed.second, seed.first));
        xtnn_fuzz::npz(seed.second);
    }
    for (const auto& seed : xtnn_fuzz::csv_seeds()) {
        INFO("csv seed ", seed.first);
        const std::string_view text = std::string_view(seed.second).substr(1);
        CHECK_NOTHROW(xtnn::parse_csv<double>(text, seed.first, xtnn_fuzz::csv_options(seed.second[0])));
        xtnn_fuzz::csv(seed.second);
    }
    const ScratchDir dir("fuzz-seeds");
    for (const auto& seed : xtnn_fuzz::checkpoint_seeds(dir.path())) {
        INFO("checkpoint seed ", seed.first);
        auto model = xtnn_fuzz::checkpoint_model();
        CHECK_NOTHROW(xtnn::load(model, xtnn_fuzz::decode_arrays(seed.second)));
        xtnn_fuzz::checkpoint(seed.second);
    }
    for (const auto& seed : xtnn_fuzz::idx_seeds()) {
        INFO("idx seed ", seed.first);
        CHECK_NOTHROW(xtnn::parse_idx(seed.second, seed.first));
        xtnn_fuzz::idx(seed.second);
    }
}

TEST_CASE(".npz: members whose data overlap are refused, not decoded once per member") {
    // Found while writing the npz target. Local headers can be chained through
    // their extra fields so that N members (names distinct, CRCs valid) share
    // one large array: a file of S bytes then cost N·S bytes of memory, with N
    // up to about 65535 / 35. Each member must now start after the previous one ends.
    const std::string npy = xtnn::to_npy_bytes(xt::xtensor<float, 1>{1.0f, 2.0f});
    xtnn::NpzArchive single = xtnn::parse_npz(archive_with_shared_data({"a.npy"}, npy), "one.npz");
    CHECK(single.names() == std::vector<std::string>{"a"});
    const std::string shared = archive_with_shared_data({"a.npy", "b.npy", "c.npy"}, npy);
    check_error([&] { xtnn::parse_npz(shared, "shared.npz"); },
                {"shared.npz member 'b.npy': corrupt (its local header at offset 35 overlaps the previous member, "
                 "which ends at"});
    xtnn_fuzz::npz(shared);
}
