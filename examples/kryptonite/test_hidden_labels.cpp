// The challenge's hidden-set format (hidden_labels.hpp): the labels a
// submission holds, the file numpy reads back, and the checks on the features.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include <doctest/doctest.h>
#include <xtnn/xtnn.hpp>

#include "hidden_labels.hpp"

namespace {

std::filesystem::path temp_path(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / "xtnn_kryptonite_hidden_labels";
    std::filesystem::create_directories(dir);
    return dir / name;
}

}  // namespace

TEST_CASE("a sigmoid output of 0.5 or more is label 1, and the labels survive an int64 .npy round trip") {
    const xtnn::Tensor<float> outputs = {{0.5F}, {0.49999F}, {0.9F}, {0.0F}, {1.0F}};
    const paper::Labels labels = paper::labels_from_outputs(outputs);
    CHECK(labels == paper::Labels{1, 0, 1, 0, 1});

    const auto path = temp_path(paper::hidden_labels_name(9));
    xtnn::save_npy(path, labels);
    CHECK(xtnn::load_npy<std::int64_t, 1>(path) == labels);
}

TEST_CASE("labels need one output column") {
    const xtnn::Tensor<float> two_columns = {{0.2F, 0.8F}};
    CHECK_THROWS_WITH(paper::labels_from_outputs(two_columns), doctest::Contains("expected one output column, got 2"));
}

TEST_CASE("hidden features are read with their width and finiteness checked") {
    const auto path = temp_path(paper::hidden_features_name(3));
    xtnn::Tensor<float> x = {{0.1F, 0.9F, 0.4F}, {0.7F, 0.2F, 0.6F}};
    xtnn::save_npy(path, x);
    CHECK(paper::read_hidden_features(path, 3) == x);
    CHECK_THROWS_WITH(paper::read_hidden_features(path, 9), doctest::Contains("has 3 columns, expected 9"));

    x(1, 2) = std::numeric_limits<float>::quiet_NaN();
    xtnn::save_npy(path, x);
    CHECK_THROWS_WITH(paper::read_hidden_features(path, 3), doctest::Contains("hidden-kryptonite-3-X.npy"));
}
