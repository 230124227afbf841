// IDX files (io/idx.hpp), image datasets from them (data/idx_dataset.hpp) and
// Fashion-MNIST (data/fashion_mnist.hpp). Every file is made here, raw or
// gzip-compressed (idx_files.hpp); the real Fashion-MNIST is checked when
// Debian's dataset-fashion-mnist package is installed.
//
// This executable replaces the global operator new to record the largest
// single allocation: a header's promise must never be allocated on trust.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include <xtnn/core/image_shape.hpp>
#include <xtnn/data/fashion_mnist.hpp>
#include <xtnn/data/idx_dataset.hpp>
#include <xtnn/io/atomic_file.hpp>
#include <xtnn/io/idx.hpp>
#include <xtnn/layers/dense.hpp>
#include <xtnn/losses/cross_entropy.hpp>
#include <xtnn/metrics/accuracy.hpp>
#include <xtnn/optim/adam.hpp>
#include <xtnn/train/fit.hpp>
#include <xtnn/train/predict.hpp>

#include "data_test_support.hpp"
#include "idx_files.hpp"

#include "heap_watch.hpp"

using heap_watch::largest_allocation;

using xtnn::IdxArray;
using xtnn::IdxType;
using xtnn::parse_idx;
using xtnn_test::check_error;
using xtnn_test::gzip;
using xtnn_test::idx_file;
using xtnn_test::idx_header;
using xtnn_test::ScratchDir;

namespace {

const std::vector<std::uint8_t> pixels = {0, 51, 255, 102, 153, 204, 1, 2, 3, 4, 5, 6};  // 2 images of 2 x 3
const std::vector<std::uint8_t> two_labels = {3, 9};

template <class S>
void check_round_trip(const std::vector<std::uint32_t>& dims, const std::vector<S>& values, IdxType type) {
    const std::string raw = idx_file(dims, values);
    for (const std::string& bytes : {raw, gzip(raw)}) {
        const IdxArray array = parse_idx(bytes, "made.idx");
        CHECK(array.type == type);
        CHECK(array.shape == std::vector<std::size_t>(dims.begin(), dims.end()));
        CHECK(array.source == "made.idx");
        CHECK(array.values<S>() == values);
    }
}

}  // namespace

TEST_CASE("ImageShape: size, equality and the C x H x W text") {
    constexpr xtnn::ImageShape shape{1, 28, 28};
    static_assert(shape.size() == 784);
    CHECK(shape == xtnn::ImageShape{1, 28, 28});
    CHECK(shape != xtnn::ImageShape{28, 28, 1});
    CHECK(xtnn::to_string(shape) == "1x28x28");
    CHECK(xtnn::to_string(xtnn::ImageShape{3, 32, 16}) == "3x32x16");
}

TEST_CASE("IDX: every element type and rank reads back, raw and gzip-compressed") {
    check_round_trip<std::uint8_t>({2, 2, 3}, pixels, IdxType::ubyte);
    check_round_trip<std::int8_t>({4}, {-128, -1, 0, 127}, IdxType::byte);
    check_round_trip<std::int16_t>({2, 2}, {-32768, -2, 258, 32767}, IdxType::int16);
    check_round_trip<std::int32_t>({1, 3}, {-2147483647 - 1, 16909060, 2147483647}, IdxType::int32);
    check_round_trip<float>({3}, {-1.5f, 0.0f, 3.25e-8f}, IdxType::float32);
    check_round_trip<double>({1, 1, 1, 1, 2}, {1e300, -2.5}, IdxType::float64);
    check_round_trip<std::uint8_t>({}, {42}, IdxType::ubyte);       // rank 0: one value
    check_round_trip<std::int32_t>({3, 0, 2}, {}, IdxType::int32);  // an empty dimension
}

TEST_CASE("IDX: elements are big-endian in the file") {
    const std::string bytes = idx_header(0x0B, {2}) + std::string("\x01\x02\xff\xfe", 4);
    CHECK(parse_idx(bytes, "be.idx").values<int>() == std::vector<int>{0x0102, -2});
}

TEST_CASE("IDX: conversions keep integers exact and refuse losing ones") {
    const IdxArray ints = parse_idx(idx_file<std::int16_t>({3}, {-300, 0, 200}), "ints.idx");
    CHECK(ints.values<double>() == std::vector<double>{-300, 0, 200});
    check_error([&] { (void)ints.values<std::uint8_t>(); },
                {"ints.idx: value -300 at flat index 0 does not fit the requested integer type"});
    const IdxArray floats = parse_idx(idx_file<float>({1}, {0.5f}), "floats.idx");
    check_error([&] { (void)floats.values<int>(); },
                {"floats.idx: cannot convert float32 (0x0D) data to an integer type"});
}

TEST_CASE("IDX: a corrupt header is an error naming the file and the problem") {
    check_error([] { parse_idx("", "empty.idx"); }, {"empty.idx: truncated header: expected 4 bytes, got 0"});
    check_error([] { parse_idx(std::string("\0\0", 2), "short.idx"); },
                {"short.idx: truncated header: expected 4 bytes, got 2"});
    check_error([] { parse_idx("PK\x03\x04 a zip file", "archive.zip"); },
                {"archive.zip: not an IDX file: its content starts with bytes 50 4b 03 04", "gzip: 1f 8b"});
    check_error([] { parse_idx(idx_header(0x0A, {1}) + "x", "code.idx"); },
                {"code.idx: not an IDX file", "00 00 0a 01"});
    check_error([] { parse_idx(gzip("text, not IDX"), "text.gz"); },
                {"text.gz: not an IDX file: its decompressed content starts with bytes 74 65 78 74"});
    check_error([] { parse_idx(idx_header(0x08, {2, 3}).substr(0, 9), "dims.idx"); },
                {"dims.idx: truncated header: rank 2 needs 8 bytes of dimensions"});
}

TEST_CASE("IDX: missing and extra bytes are errors, raw or gzip") {
    const std::string good = idx_file<std::uint8_t>({2, 2, 3}, pixels);
    check_error([&] { parse_idx(good.substr(0, good.size() - 1), "cut.idx"); },
                {"cut.idx: truncated or corrupt: shape (2, 2, 3) of unsigned byte (0x08) needs 12 bytes, but the "
                 "file can hold at most 11"});
    check_error([&] { parse_idx(good + "junk", "tail.idx"); },
                {"tail.idx: 4 unexpected bytes after the array data"});

    // gzip: a stream cut off, a complete stream with too few or too many
    // bytes, bytes after the stream, a damaged stream.
    const std::string packed = gzip(good);
    check_error([&] { parse_idx(packed.substr(0, packed.size() / 2), "cut.gz"); },
                {"cut.gz: truncated", "the gzip stream is cut off"});
    check_error([&] { parse_idx(packed.substr(0, packed.size() - 4), "trailer.gz"); },
                {"trailer.gz: truncated gzip stream (the gzip trailer is missing)"});
    check_error([&] { parse_idx(gzip(good.substr(0, good.size() - 2)), "short.gz"); },
                {"short.gz: truncated data: shape (2, 2, 3) of unsigned byte (0x08) needs 12 bytes, got 10"});
    check_error([&] { parse_idx(gzip(good + "x"), "long.gz"); },
                {"long.gz: the gzip stream holds more data than the header's shape"});
    check_error([&] { parse_idx(packed + "garbage", "tail.gz"); },
                {"tail.gz: 7 unexpected bytes after the end of the gzip stream"});
    check_error([&] { parse_idx(packed + packed, "twice.gz"); },
                {"twice.gz: ", "unexpected bytes after the end of the gzip stream"});
    std::string damaged = packed;
    damaged[packed.size() - 6] = static_cast<char>(damaged[packed.size() - 6] ^ 0x55);  // inside the CRC
    check_error([&] { parse_idx(damaged, "crc.gz"); }, {"crc.gz: corrupt gzip stream (zlib: incorrect data check)"});
    std::string bad_method = packed;
    bad_method[2] = 7;  // compression method: only 8 (deflate) exists
    check_error([&] { parse_idx(bad_method, "method.gz"); }, {"method.gz: corrupt gzip stream (zlib: "});
}

TEST_CASE("IDX: sizes a header claims are checked before anything is allocated") {
    check_error([] { parse_idx(idx_header(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}), "overflow.idx"); },
                {"overflow.idx: invalid header: shape (4294967295, 4294967295, 4294967295) of float64 (0x0E) "
                 "overflows"});
    check_error([] { parse_idx(idx_header(0x08, {65536, 65536}), "huge.idx"); },
                {"huge.idx: shape (65536, 65536) of unsigned byte (0x08) needs 4294967296 bytes, more than the "
                 "limit of 2147483648 (IdxLimits::max_bytes)"});
    check_error([] { parse_idx(idx_header(0x08, {3, 4}) + "12345", "limit.idx", {.max_bytes = 8}); },
                {"limit.idx: ", "needs 12 bytes, more than the limit of 8"});
    // A gzip file of ~40 bytes cannot inflate to a gigabyte (deflate's ratio is at most 1032:1).
    const std::string bomb = gzip(idx_header(0x08, {1000, 1000, 1000}) + "tiny");
    largest_allocation = 0;
    check_error([&] { parse_idx(bomb, "bomb.gz"); },
                {"bomb.gz: truncated or corrupt: shape (1000, 1000, 1000) of unsigned byte (0x08) needs 1000000000 "
                 "bytes, but the file can hold at most"});
    CHECK(largest_allocation < 64 * 1024);
}

TEST_CASE("IDX: a gzip stream is inflated into memory only as its data arrives") {
    // 64 MiB promised, which 100 KB of incompressible data could in principle
    // hold; the stream ends after 100 KB, long before a 64 MiB buffer is needed.
    std::string noise(100'000, '\0');
    std::uint32_t state = 12345;
    for (char& c : noise) c = static_cast<char>((state = state * 1664525u + 1013904223u) >> 24);
    const std::string packed = gzip(idx_header(0x08, {64, 1024, 1024}) + noise);
    largest_allocation = 0;
    check_error([&] { parse_idx(packed, "promise.gz"); },
                {"promise.gz: truncated data: shape (64, 1024, 1024) of unsigned byte (0x08) needs 67108864 "
                 "bytes, got 100000"});
    CHECK(largest_allocation <= 2 * 1024 * 1024);
}

TEST_CASE("IDX: read_idx names the path, and says when it cannot read it") {
    const ScratchDir dir("idx-read");
    xtnn::write_file_atomically(dir / "a.idx.gz", gzip(idx_file<std::uint8_t>({2}, two_labels)));
    const IdxArray array = xtnn::read_idx(dir / "a.idx.gz");
    CHECK(array.source == (dir / "a.idx.gz").string());
    CHECK(array.values<int>() == std::vector<int>{3, 9});
    check_error([&] { xtnn::read_idx(dir / "missing.idx"); }, {"cannot read", "missing.idx"});
    xtnn::write_file_atomically(dir / "bad.idx", "not idx");
    check_error([&] { xtnn::read_idx(dir / "bad.idx"); }, {(dir / "bad.idx").string(), "not an IDX file"});
}

TEST_CASE("load_idx: one row of C*H*W pixels in [0, 1] per image, one column of class ids") {
    const ScratchDir dir("idx-dataset");
    xtnn::write_file_atomically(dir / "images.gz", gzip(idx_file<std::uint8_t>({2, 2, 3}, pixels)));
    xtnn::write_file_atomically(dir / "labels", idx_file<std::uint8_t>({2}, two_labels));
    const auto data = xtnn::load_idx<double>(dir / "images.gz", dir / "labels", {.classes = 10});
    CHECK(data.image == xtnn::ImageShape{1, 2, 3});
    REQUIRE(data.size() == 2);
    REQUIRE(data.features() == 6);
    for (std::size_t i = 0; i < pixels.size(); ++i) CHECK(data.X.data()[i] == pixels[i] / 255.0);
    CHECK(data.X(0, 2) == 1.0);
    CHECK(data.y(0, 0) == 3.0);
    CHECK(data.y(1, 0) == 9.0);
    const std::vector<std::size_t> second = {1};
    const xtnn::ImageDataset<double> part = data.subset(second);
    CHECK(part.image == data.image);
    CHECK(part.y(0, 0) == 9.0);
    CHECK(part.X(0, 0) == pixels[6] / 255.0);

    // The labels are what CrossEntropy and Accuracy read: zero logits over 10 classes cost log 10.
    xtnn::Tensor<double> logits = xt::zeros<double>({std::size_t{2}, std::size_t{10}});
    CHECK(xtnn::CrossEntropy{}.value(logits, data.y) == doctest::Approx(std::log(10.0)));
    logits(0, 3) = logits(1, 9) = 1.0;
    CHECK(xtnn::Accuracy{}(logits, data.y) == 1.0);

    // An ImageDataset is a Dataset: fit and evaluate take it as it is.
    xtnn::Dense<double> model(data.image.size(), 10);
    xtnn::Adam<double> adam(0.1);
    xtnn::FitOptions options;
    options.epochs = 20;
    options.batch_size = 2;
    const xtnn::History history = xtnn::fit(model, adam, xtnn::CrossEntropy{}, data, data, options);
    CHECK(history.epochs.back().metrics.at("val_accuracy") == 1.0);
    CHECK(xtnn::evaluate(model, data, xtnn::Accuracy{}) == 1.0);
}

TEST_CASE("idx_dataset: channels-first rows from rank-4 files; float pixels as they are") {
    std::vector<float> values(2 * 3 * 2 * 2);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) / 100.0f;
    const IdxArray images = parse_idx(idx_file({2, 3, 2, 2}, values), "rgb.idx");
    const IdxArray labels = parse_idx(idx_file<std::uint8_t>({2}, {0, 1}), "rgb-labels.idx");
    const auto data = xtnn::idx_dataset<float>(images, labels, 2);
    CHECK(data.image == xtnn::ImageShape{3, 2, 2});
    REQUIRE(data.features() == 12);
    CHECK(data.X(1, 4) == values[12 + 4]);  // image 1, channel 1, row 0, column 0

    const IdxArray nan = parse_idx(idx_file<double>({1, 1, 2}, {0.5, std::nan("")}), "nan.idx");
    check_error([&] { xtnn::idx_image_rows<double>(nan); }, {"nan.idx: non-finite value", "row 0, column 1"});
}

TEST_CASE("load_idx: a wrong pair of files is an error naming the file and what is wrong") {
    const ScratchDir dir("idx-wrong");
    const auto write = [&](const char* name, const std::string& bytes) {
        xtnn::write_file_atomically(dir / name, bytes);
        return dir / name;
    };
    const auto images = write("images", idx_file<std::uint8_t>({2, 2, 3}, pixels));
    const auto labels = write("labels", idx_file<std::uint8_t>({2}, two_labels));
    const auto load = [](const auto& x, const auto& y, std::optional<std::size_t> classes = 10) {
        return [=] { (void)xtnn::load_idx<float>(x, y, {.classes = classes}); };
    };
    CHECK_NOTHROW(load(images, labels)());

    check_error(load(labels, images), {(dir / "images").string(), "labels must have rank 1", "(an images file?)"});
    check_error(load(labels, labels), {(dir / "labels").string(), "images must have rank 3", "(a labels file?)"});
    check_error(load(images, write("int-labels", idx_file<std::int32_t>({2}, {3, 9}))),
                {"int-labels: labels must be unsigned bytes (0x08); found int32 (0x0C)"});
    check_error(load(images, write("three", idx_file<std::uint8_t>({3}, {1, 2, 3}))),
                {"images holds 2 images but ", "three holds 3 labels"});
    check_error(load(images, write("ten", idx_file<std::uint8_t>({2}, {1, 10}))),
                {"ten: label 10 at index 1 is not a class id (expected 0 to 9)"});
    CHECK_NOTHROW(load(images, dir / "ten", std::nullopt)());  // no class count: any byte
    const auto one_label = write("one", idx_file<std::uint8_t>({1}, {0}));
    check_error(load(write("shorts", idx_file<std::int16_t>({1, 1, 1}, {7})), one_label),
                {"shorts: image pixels must be unsigned bytes", "found int16 (0x0B)"});
    const auto no_labels = write("zero", idx_file<std::uint8_t>({0}, {}));
    check_error(load(write("none", idx_file<std::uint8_t>({0, 28, 28}, {})), no_labels),
                {"none: the file holds no images"});
    check_error(load(write("flat", idx_file<std::uint8_t>({2, 0, 5}, {})), labels),
                {"flat: images of shape 1x0x5 hold no pixels"});
}

TEST_CASE("load_fashion_mnist: a folder without the four files is an error that lists them") {
    const ScratchDir dir("fashion-missing");
    check_error([&] { xtnn::load_fashion_mnist<float>(dir / "nowhere"); },
                {"Fashion-MNIST: '", "nowhere' is not a directory", "apt-get install dataset-fashion-mnist"});
    xtnn::write_file_atomically(dir / "train-labels-idx1-ubyte.gz", "x");
    xtnn::write_file_atomically(dir / "t10k-labels-idx1-ubyte", "x");
    check_error([&] { xtnn::load_fashion_mnist<float>(dir.path()); },
                {"lacks train-images-idx3-ubyte, t10k-images-idx3-ubyte;",
                 "expected the files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                 "t10k-labels-idx1-ubyte, each gzip-compressed (.gz) or not",
                 "apt-get install dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist"});
}

TEST_CASE("load_fashion_mnist: reads any folder with the four files, and checks their image shape") {
    const ScratchDir dir("fashion-small");
    std::vector<std::uint8_t> images(3 * 28 * 28);
    for (std::size_t i = 0; i < images.size(); ++i) images[i] = static_cast<std::uint8_t>(i % 256);
    xtnn::write_file_atomically(dir / "train-images-idx3-ubyte.gz", gzip(idx_file({3, 28, 28}, images)));
    xtnn::write_file_atomically(dir / "train-labels-idx1-ubyte", idx_file<std::uint8_t>({3}, {0, 9, 4}));
    xtnn::write_file_atomically(dir / "t10k-images-idx3-ubyte", idx_file({1, 28, 28}, std::vector<std::uint8_t>(784)));
    xtnn::write_file_atomically(dir / "t10k-labels-idx1-ubyte.gz", gzip(idx_file<std::uint8_t>({1}, {7})));
    const auto data = xtnn::load_fashion_mnist<float>(dir.path());
    CHECK(data.train.size() == 3);
    CHECK(data.test.size() == 1);
    CHECK(data.train.image == xtnn::fashion_mnist_image);
    CHECK(data.train.X(0, 255) == 1.0f);
    CHECK(xtnn::fashion_mnist_classes[static_cast<std::size_t>(data.test.y(0, 0))] == "Sneaker");

    xtnn::write_file_atomically(dir / "t10k-images-idx3-ubyte", idx_file({1, 14, 56}, std::vector<std::uint8_t>(784)));
    check_error([&] { xtnn::load_fashion_mnist<float>(dir.path()); },
                {"t10k-images-idx3-ubyte: Fashion-MNIST images are 1x28x28, found 1x14x56"});
    xtnn::write_file_atomically(dir / "t10k-images-idx3-ubyte", idx_file({1, 28, 28}, std::vector<std::uint8_t>(784)));
    xtnn::write_file_atomically(dir / "t10k-labels-idx1-ubyte.gz", gzip(idx_file<std::uint8_t>({1}, {10})));
    check_error([&] { xtnn::load_fashion_mnist<float>(dir.path()); },
                {"t10k-labels-idx1-ubyte.gz: label 10 at index 0 is not a class id (expected 0 to 9)"});
}

TEST_CASE("Fashion-MNIST from Debian's dataset-fashion-mnist: 60,000 + 10,000 images in 10 balanced classes") {
    const std::filesystem::path dir(xtnn::fashion_mnist_default_dir);
    if (!std::filesystem::exists(dir)) {
        MESSAGE("skipped: ", dir.string(), " does not exist (apt-get install dataset-fashion-mnist)");
        return;
    }
    const auto data = xtnn::load_fashion_mnist<float>();
    CHECK(data.train.size() == 60'000);
    CHECK(data.test.size() == 10'000);
    CHECK(data.train.image == xtnn::ImageShape{1, 28, 28});
    CHECK(data.test.features() == 784);
    CHECK(data.train.outputs() == 1);
    const auto per_class = [](const xtnn::Tensor<float>& y) {
        std::vector<std::size_t> counts(10);
        for (const float label : y) ++counts.at(static_cast<std::size_t>(label));
        return counts;
    };
    CHECK(per_class(data.train.y) == std::vector<std::size_t>(10, 6000));
    CHECK(per_class(data.test.y) == std::vector<std::size_t>(10, 1000));
    for (const auto* part : {&data.train, &data.test}) {
        const auto [low, high] = std::minmax_element(part->X.begin(), part->X.end());
        CHECK(*low == 0.0f);
        CHECK(*high == 1.0f);
    }
}
