// The image grid of the Fashion-MNIST example (image_grid.hpp): a valid PNG of
// the size it announces, in gray and in RGB, when gnuplot is installed.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtnn/io/atomic_file.hpp>

#include "data_test_support.hpp"
#include "image_grid.hpp"

using fashion::ImageGrid;
using fashion::PngSize;

namespace {

// Width and height from the IHDR chunk, which a PNG must start with; throws unless `bytes` starts like a PNG.
PngSize png_dimensions(const std::string& bytes) {
    const std::string signature = "\x89PNG\r\n\x1a\n";
    if (bytes.size() < 24 || bytes.compare(0, signature.size(), signature) != 0 || bytes.compare(12, 4, "IHDR") != 0) {
        throw std::runtime_error("not a PNG file");
    }
    const auto be32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
        return std::size_t{v};
    };
    return {be32(16), be32(20)};
}

std::vector<double> ramp(std::size_t n) {
    std::vector<double> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<double>(i) / static_cast<double>(n - 1);
    return values;
}

}  // namespace

TEST_CASE("image grid: the PNG size follows the images, columns and title") {
    ImageGrid grid({1, 28, 28}, {.columns = 3, .scale = 4, .caption_lines = 2, .title = ""});
    const std::vector<double> image = ramp(784);
    for (int i = 0; i < 4; ++i) grid.add(std::span<const double>(image), {{"Shirt", "red"}, {"true: Coat"}});
    CHECK(grid.size() == 4);
    // 3 columns of max(28*4, 128) + 8, two rows of 28*4 + 2*14 + 8, an 8-pixel border.
    CHECK(grid.png_size() == PngSize{8 + 3 * 136, 8 + 2 * 148});
    ImageGrid titled({1, 28, 28}, {.columns = 8, .scale = 4, .caption_lines = 2, .title = "errors"});
    titled.add(std::span<const double>(image), {});
    CHECK(titled.png_size() == PngSize{8 + 136, 28 + 8 + 148});
}

TEST_CASE("image grid: wrong shapes and pixel counts are refused") {
    CHECK_THROWS_AS((ImageGrid({2, 4, 4})), std::invalid_argument);
    CHECK_THROWS_AS((ImageGrid({1, 0, 4})), std::invalid_argument);
    ImageGrid grid({1, 2, 2});
    const std::vector<float> three(3);
    CHECK_THROWS_WITH_AS(grid.add(std::span<const float>(three), {}),
                         "ImageGrid: an image of 1x2x2 has 4 values, got 3", std::invalid_argument);
    CHECK_THROWS_AS(grid.write_png("nothing.png"), std::logic_error);
}

TEST_CASE("image grid: gnuplot draws a PNG of the announced size, gray or RGB") {
    if (!XTNN_HAVE_GNUPLOT) {
        MESSAGE("skipped: gnuplot not found (scripts/setup.sh installs gnuplot-nox)");
        return;
    }
    const xtnn_test::ScratchDir dir("image-grid");
    ImageGrid gray({1, 28, 28}, {.columns = 4, .scale = 3, .caption_lines = 2, .title = "it's a 'title'"});
    const std::vector<double> image = ramp(784);
    for (int i = 0; i < 6; ++i) {
        gray.add(std::span<const double>(image), {{"predicted: T-shirt/top", "#d62728"}, {"true: Ankle boot"}});
    }
    REQUIRE(gray.write_png(dir / "gray.png"));
    CHECK(png_dimensions(xtnn::read_file(dir / "gray.png")) == gray.png_size());
    CHECK(std::filesystem::exists(dir / "gray.gp"));
    CHECK(std::filesystem::file_size(dir / "gray.pixels") == 6 * 784 * sizeof(float));

    ImageGrid rgb({3, 5, 7}, {.columns = 2, .scale = 10, .caption_lines = 1, .title = ""});
    const std::vector<float> colours(3 * 5 * 7, 0.5f);
    rgb.add(std::span<const float>(colours), {{"grey"}});
    REQUIRE(rgb.write_png(dir / "rgb.png"));
    CHECK(png_dimensions(xtnn::read_file(dir / "rgb.png")) == rgb.png_size());
}
