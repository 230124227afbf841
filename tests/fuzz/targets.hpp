#pragma once
// What each fuzz target does with one input. Shared by the libFuzzer entry
// points (tests/fuzz/fuzz_*.cpp, built with clang by scripts/fuzz.sh) and by
// the ctest replay of the inputs that once broke them
// (tests/test_fuzz_regressions.cpp, built with the main compiler).
//
// Bad input must end in an xtnn::error, which these functions swallow. Every
// other outcome is a bug the fuzzer reports: a crash, a sanitizer finding, a
// different exception (std::bad_alloc from a trusted size, std::length_error,
// ...) escaping to libFuzzer, or a broken invariant (abort below).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <xtnn/xtnn.hpp>

#include "../idx_files.hpp"

namespace xtnn_fuzz {

// An invariant that holds for every accepted input; survives NDEBUG.
inline void require(bool holds, const char* invariant) {
    if (!holds) {
        std::fprintf(stderr, "fuzz invariant broken: %s\n", invariant);
        std::abort();
    }
}

// Runs `action`; false when it rejected its input with an xtnn::error.
template <class Action>
bool accepted(Action&& action) {
    try {
        action();
        return true;
    } catch (const xtnn::error&) {
        return false;
    }
}

template <class T>
bool all_finite(const xtnn::Tensor<T>& t) {
    for (const T v : t) {
        if (!std::isfinite(v)) return false;
    }
    return true;
}

// The .npy bytes of a parsed array; nothing for bool arrays, which xtnn reads
// but never writes.
inline std::optional<std::string> npy_bytes(const xtnn::NpyArray& array) {
    return xtnn::detail::visit_element_type(array.dtype, [&]<class S>(std::type_identity<S>) {
        std::optional<std::string> bytes;
        if constexpr (!std::is_same_v<S, bool>) {
            const std::vector<S> values = array.values<S>();
            bytes = xtnn::to_npy_bytes(values.data(), std::span<const std::size_t>(array.shape));
        }
        return bytes;
    });
}

// Every conversion of a parsed array either works or says why not; writing
// it back gives bytes that parse to the same array.
inline void exercise_array(const xtnn::NpyArray& array) {
    require(array.data.size() % xtnn::dtype_size(array.dtype) == 0, "whole elements");
    std::size_t elements = 1;
    for (const std::size_t extent : array.shape) elements *= extent;
    require(array.size() == elements, "element count matches the shape");

    accepted([&] { (void)array.values<double>(); });
    accepted([&] { (void)array.values<std::int64_t>(); });
    accepted([&] { (void)array.values<std::int8_t>(); });
    accepted([&] { (void)array.values<std::uint8_t>(); });
    accepted([&] { xtnn::check_finite(xtnn::as_matrix<float>(array), "fuzz"); });

    if (const auto bytes = npy_bytes(array)) {
        const xtnn::NpyArray again = xtnn::parse_npy(*bytes, "round trip");
        require(again.shape == array.shape && again.dtype == array.dtype && again.data == array.data,
                ".npy round trip");
    }
}

inline void npy(std::string_view bytes) {
    std::optional<xtnn::NpyArray> array;
    if (accepted([&] { array = xtnn::parse_npy(bytes, "fuzz.npy"); })) exercise_array(*array);
}

inline void npz(std::string_view bytes) {
    std::optional<xtnn::NpzArchive> archive;
    if (!accepted([&] { archive = xtnn::parse_npz(bytes, "fuzz.npz"); })) return;
    for (const std::string& name : archive->names()) exercise_array(archive->get(name));
    // What NpzWriter makes of the arrays reads back the same (names it accepts, dtypes it writes).
    xtnn::NpzWriter writer;
    for (const std::string& name : archive->names()) {
        const xtnn::NpyArray& array = archive->get(name);
        if (name.empty() || array.dtype == xtnn::DType::boolean) return;
        xtnn::detail::visit_element_type(array.dtype, [&]<class S>(std::type_identity<S>) {
            if constexpr (!std::is_same_v<S, bool>) writer.add(name, array.values<S>().data(), array.shape);
        });
    }
    const xtnn::NpzArchive again = xtnn::parse_npz(writer.bytes(), "round trip");
    require(again.names() == archive->names(), ".npz round trip keeps the names");
    for (const std::string& name : again.names()) {
        require(again.get(name).data == archive->get(name).data, ".npz round trip keeps the data");
    }
}

// The options a CSV input's first byte picks: delimiter, header (detected,
// yes, no) and label column (-2 to 2).
inline xtnn::CsvOptions csv_options(char first) {
    const auto choice = static_cast<unsigned char>(first);
    xtnn::CsvOptions options;
    options.delimiter = ",;\t |"[choice % 5];
    if (const unsigned header = choice / 5 % 3; header != 0) options.header = header == 1;
    options.label_column = static_cast<int>(choice / 15 % 5) - 2;
    return options;
}

// The first byte picks the options, the rest is the CSV text.
inline void csv(std::string_view bytes) {
    if (bytes.empty()) return;
    const xtnn::CsvOptions options = csv_options(bytes[0]);
    const std::string_view text = bytes.substr(1);

    const auto check = [&]<class T>(std::type_identity<T>) {
        std::optional<xtnn::Dataset<T>> data;
        if (!accepted([&] { data = xtnn::parse_csv<T>(text, "fuzz.csv", options); })) return;
        require(data->size() > 0 && data->X.shape(0) == data->y.shape(0) && data->outputs() == 1,
                "CSV gives rows of features and one label");
        require(all_finite(data->X) && all_finite(data->y), "CSV values are finite");
    };
    check(std::type_identity<float>{});
    check(std::type_identity<double>{});
}

// The model checkpoint inputs are loaded into; tests/fuzz/make_seeds.cpp saves one.
inline auto checkpoint_model() {
    using namespace xtnn;
    return Sequential(Dense<float>(3, 4), BatchNorm<float>(4), ReLU(), Dense<float>(4, 1), Sigmoid());
}

// Checkpoint inputs are a checkpoint's arrays without the zip container,
// whose CRCs would reject nearly every mutation of the arrays (fuzz_npz
// covers the container). Records of
//   [name length: 1 byte][name][.npy length: 2 bytes, little endian][.npy bytes]
inline std::string encode_arrays(const xtnn::NpzArchive& archive) {
    std::string out;
    for (const std::string& name : archive.names()) {
        const std::string npy = npy_bytes(archive.get(name)).value();
        require(name.size() <= 0xFF && npy.size() <= 0xFFFF, "seed arrays fit the record format");
        out.push_back(static_cast<char>(name.size()));
        out += name;
        xtnn::detail::append_le(out, static_cast<std::uint16_t>(npy.size()));
        out += npy;
    }
    return out;
}

// The archive of the records; a truncated last record is ignored.
inline xtnn::NpzArchive decode_arrays(std::string_view bytes) {
    std::vector<std::pair<std::string, xtnn::NpyArray>> arrays;
    while (!bytes.empty()) {
        const std::size_t name_length = static_cast<unsigned char>(bytes[0]);
        if (bytes.size() < 3 + name_length) break;
        std::string name(bytes.substr(1, name_length));
        const std::size_t npy_length = xtnn::detail::read_le<std::uint16_t>(bytes, 1 + name_length);
        bytes.remove_prefix(3 + name_length);
        if (bytes.size() < npy_length) break;
        for (const auto& [other, array] : arrays) {
            if (other == name) xtnn::detail::fail("duplicate array '", name, "'");  // as parse_npz
        }
        arrays.emplace_back(name, xtnn::parse_npy(bytes.substr(0, npy_length), name));
        bytes.remove_prefix(npy_length);
    }
    return xtnn::NpzArchive("fuzz-checkpoint", std::move(arrays));
}

inline void checkpoint(std::string_view bytes) {
    std::optional<xtnn::NpzArchive> archive;
    if (!accepted([&] { archive = decode_arrays(bytes); })) return;
    auto model = checkpoint_model();
    xtnn::Adam<float> adam;
    xtnn::StandardScaler<float> scaler;
    xtnn::Tensor<float> x = {{0.5f, -1.0f, 2.0f}, {1.0f, 0.0f, 0.0f}};
    const auto untouched = [&] { return !accepted([&] { xtnn::predict(model, x); }); };  // still uninitialized
    const bool with_extras = accepted([&] { xtnn::load(model, *archive, adam, scaler); });
    if (!with_extras) {
        require(untouched() && !scaler.fitted() && adam.iterations() == 0, "a failed load changes nothing");
        if (!accepted([&] { xtnn::load(model, *archive); })) {
            require(untouched(), "a failed load changes nothing");
            return;
        }
    }
    // A loaded model predicts, and training goes on or stops with an error.
    // (Values are not checked: finite weights near FLT_MAX overflow honestly,
    // and a crafted negative Adam second moment gives a NaN loss, which fit
    // reports as divergence.)
    if (with_extras && !accepted([&] { scaler.transform_inplace(x); })) return;
    xtnn::predict(model, x);
    const xtnn::Tensor<float> y = {{1.0f}, {0.0f}};
    xtnn::Trainer trainer(model, adam, xtnn::BinaryCrossEntropy{});
    accepted([&] {
        trainer.step(x, y);
        trainer.step(x, y);
    });
}

// The bytes xtnn_test::idx_file would write for a parsed array.
inline std::string idx_bytes(const xtnn::IdxArray& array) {
    std::vector<std::uint32_t> dims;
    for (const std::size_t extent : array.shape) dims.push_back(static_cast<std::uint32_t>(extent));
    return xtnn_test::idx_header(static_cast<std::uint8_t>(array.type), dims) +
           xtnn_test::big_endian(array.data, xtnn::idx_type_size(array.type));
}

// Limits small enough that no accepted input costs the fuzzer more than a few MB.
inline constexpr xtnn::IdxLimits fuzz_idx_limits{.max_bytes = std::size_t{1} << 22};

// Raw or gzip-compressed IDX. An accepted array converts or says why not,
// rewrites to bytes that parse the same (raw and, when small, gzip), and as
// images and as labels gives rows in [0, 1] and class ids or an error.
inline void idx(std::string_view bytes) {
    std::optional<xtnn::IdxArray> array;
    if (!accepted([&] { array = xtnn::parse_idx(bytes, "fuzz.idx", fuzz_idx_limits); })) return;
    std::size_t elements = 1;
    for (const std::size_t extent : array->shape) elements *= extent;
    require(array->size() == elements && array->data.size() == elements * xtnn::idx_type_size(array->type),
            "IDX data matches the shape");

    accepted([&] { (void)array->values<double>(); });
    accepted([&] { (void)array->values<std::int16_t>(); });
    accepted([&] { (void)array->values<std::uint8_t>(); });

    const std::string raw = idx_bytes(*array);
    const auto same = [&](const xtnn::IdxArray& again) {
        return again.shape == array->shape && again.type == array->type && again.data == array->data;
    };
    require(same(xtnn::parse_idx(raw, "round trip", fuzz_idx_limits)), "IDX raw round trip");
    if (raw.size() <= (1 << 16)) {
        require(same(xtnn::parse_idx(xtnn_test::gzip(raw), "round trip", fuzz_idx_limits)), "IDX gzip round trip");
    }

    std::optional<xtnn::Tensor<float>> rows;
    if (accepted([&] { rows = xtnn::idx_image_rows<float>(*array); })) {
        require(rows->shape(0) * rows->shape(1) == elements && all_finite(*rows), "image rows are finite");
        if (array->type == xtnn::IdxType::ubyte) {
            for (const float v : *rows) require(v >= 0.0f && v <= 1.0f, "byte pixels scale into [0, 1]");
        }
    }
    std::optional<xtnn::Tensor<double>> labels;
    if (accepted([&] { labels = xtnn::idx_class_labels<double>(*array, 10); })) {
        for (const double id : *labels) require(id >= 0.0 && id < 10.0, "labels are class ids below 10");
    }
}

}  // namespace xtnn_fuzz
