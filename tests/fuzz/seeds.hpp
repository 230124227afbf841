#pragma once
// The seed inputs of every fuzz target, made with xtnn's own writers. Written
// to disk by make_seeds.cpp for the fuzzers, and checked by
// tests/test_fuzz_regressions.cpp to be inputs their targets accept.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include <xtensor/xtensor.hpp>

#include "targets.hpp"

namespace xtnn_fuzz {

using Seeds = std::map<std::string, std::string>;  // name -> bytes

namespace detail {

// The same array with another header, e.g. a big-endian or Fortran-order
// variant; `from` and `to` have equal length so the header length holds.
inline std::string edit_header(std::string bytes, const std::string& from, const std::string& to) {
    bytes.replace(bytes.find(from), from.size(), to);
    return bytes;
}

}  // namespace detail

inline Seeds npy_seeds() {
    const xt::xtensor<float, 2> matrix = {{0.5f, -1.0f, 2.0f}, {3.0f, 4.5f, -0.25f}};
    const xt::xtensor<std::uint8_t, 0> scalar = 7;
    const std::string f4 = xtnn::to_npy_bytes(matrix);
    return {
        {"matrix-f4", f4},
        {"vector-f8", xtnn::to_npy_bytes(xt::xtensor<double, 1>{1.0, -2.5, 1e300})},
        {"labels-i8", xtnn::to_npy_bytes(xt::xtensor<std::int64_t, 1>{0, 1, 1, 0})},
        {"cube-i4", xtnn::to_npy_bytes(xt::xtensor<std::int32_t, 3>::from_shape({2, 1, 2}))},
        {"scalar-u1", xtnn::to_npy_bytes(scalar)},
        {"empty-i1", xtnn::to_npy_bytes(xt::xtensor<std::int8_t, 2>::from_shape({0, 3}))},
        {"fortran-f4", detail::edit_header(f4, "False", "True ")},
        {"big-endian-f4", detail::edit_header(f4, "'<f4'", "'>f4'")},
        {"bool", detail::edit_header(xtnn::to_npy_bytes(scalar), "'|u1'", "'|b1'")},
    };
}

inline Seeds npz_seeds() {
    xtnn::NpzWriter one;
    one.add("x", xt::xtensor<float, 2>{{1.0f, 2.0f}, {3.0f, 4.0f}});
    xtnn::NpzWriter several;
    several.add("features", xt::xtensor<double, 2>{{0.1, 0.2, 0.3}});
    several.add("labels", xt::xtensor<std::int64_t, 1>{1});
    several.add("flags", xt::xtensor<std::uint8_t, 1>{0, 1, 1});
    return {{"one", one.bytes()}, {"several", several.bytes()}, {"empty", xtnn::NpzWriter{}.bytes()}};
}

// The first byte picks the options (csv_options in targets.hpp).
inline Seeds csv_seeds() {
    const std::string comma_label_last(1, 15);
    const std::string semicolon_label_last(1, 16);
    const std::string tab_label_first(1, 32);
    return {
        {"header", comma_label_last + "a,b,label\n0.5,1e-3,1\n-2,+4.25,0\n"},
        {"plain-crlf", comma_label_last + "1,2,0\r\n3,4,1\r\n\r\n5 , 6 ,1\n"},
        {"semicolon", semicolon_label_last + "x;y\n1;0\n2;1\n"},
        {"tab", tab_label_first + "1\t0.25\t-3\n0\t1e10\t2\n"},
    };
}

// Checkpoints of checkpoint_model() after a training step, with and without
// the optimizer and scaler, as encode_arrays records. `scratch` is a
// directory for the .npz files on their way.
inline Seeds checkpoint_seeds(const std::filesystem::path& scratch) {
    auto model = checkpoint_model();
    xtnn::init_parameters(model, 1);
    const xtnn::Tensor<float> x = {{0.5f, -1.0f, 2.0f}, {1.0f, 0.0f, 0.0f}, {0.0f, 2.0f, -1.0f}};
    const xtnn::Tensor<float> y = {{1.0f}, {0.0f}, {1.0f}};
    xtnn::Adam<float> adam;
    xtnn::Trainer trainer(model, adam, xtnn::BinaryCrossEntropy{});
    trainer.step(x, y);
    xtnn::StandardScaler<float> scaler;
    scaler.fit(x);
    const auto saved = [&](auto&... extras) {
        const std::filesystem::path file = scratch / "xtnn-fuzz-seed.npz";
        xtnn::save(model, file, extras...);
        std::string records = encode_arrays(xtnn::read_npz(file));
        std::filesystem::remove(file);
        return records;
    };
    return {{"with-extras", saved(adam, scaler)}, {"model-only", saved()}};
}

// Raw and gzip-compressed IDX files of every element type (tests/idx_files.hpp).
inline Seeds idx_seeds() {
    using xtnn_test::gzip;
    using xtnn_test::idx_file;
    const std::string images =
        idx_file<std::uint8_t>({2, 3, 3}, {0, 9, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
    const std::string labels = idx_file<std::uint8_t>({4}, {0, 9, 3, 3});
    return {
        {"images-u8", images},
        {"images-u8.gz", gzip(images)},
        {"labels-u8", labels},
        {"labels-u8.gz", gzip(labels)},
        {"rgb-f32", idx_file<float>({1, 3, 1, 2}, {0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 0.125f})},
        {"i8", idx_file<std::int8_t>({3}, {-128, 0, 127})},
        {"i16.gz", gzip(idx_file<std::int16_t>({2, 1}, {-300, 300}))},
        {"i32", idx_file<std::int32_t>({1, 2}, {-70000, 70000})},
        {"f64", idx_file<double>({2}, {1e300, -0.5})},
        {"scalar-u8", idx_file<std::uint8_t>({}, {7})},
        {"empty-u8", idx_file<std::uint8_t>({0, 28, 28}, {})},
    };
}

}  // namespace xtnn_fuzz
