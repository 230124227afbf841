#pragma once
// A PNG of images in a grid, each with a caption of a few coloured lines: for
// instance misclassified test images with their predicted and true classes.
// gnuplot draws it (pngcairo terminal; scripts/setup.sh installs gnuplot-nox);
// the pixels (<stem>.pixels, float32) and the script (<stem>.gp) stay beside
// the PNG, so it can be restyled and redrawn with `gnuplot <stem>.gp` there.
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <xtnn/core/image_shape.hpp>
#include <xtnn/core/tensor.hpp>

namespace fashion {

struct CaptionLine {
    std::string text;
    std::string color = "black";  // a gnuplot colour: a name or "#rrggbb"
};

struct ImageGridOptions {
    std::size_t columns = 8;        // images per row
    std::size_t scale = 4;          // PNG pixels per image pixel
    std::size_t caption_lines = 2;  // room under every image
    std::string title;              // above the grid; empty: none
};

struct PngSize {
    std::size_t width, height;
    friend bool operator==(const PngSize&, const PngSize&) = default;
};

class ImageGrid {
public:
    // Images of `shape`: one channel (gray) or three (RGB), channels-first.
    explicit ImageGrid(xtnn::ImageShape shape, ImageGridOptions options = {});

    // One image: shape.size() values in [0, 1] (0 black, 1 white), channels-first.
    template <xtnn::Real T>
    void add(std::span<const T> pixels, std::vector<CaptionLine> caption) {
        add_pixels(std::vector<float>(pixels.begin(), pixels.end()), std::move(caption));
    }

    std::size_t size() const { return images_.size(); }

    // The PNG's pixels for the images added so far.
    PngSize png_size() const;

    // Draws the grid into `png`. Returns false, saying why on
    // stderr, when gnuplot is missing or fails; throws when there is nothing to draw.
    bool write_png(const std::filesystem::path& png) const;

private:
    struct Image {
        std::vector<float> pixels;
        std::vector<CaptionLine> caption;
    };

    void add_pixels(std::vector<float> pixels, std::vector<CaptionLine> caption);
    std::string pixel_bytes() const;
    std::string script(const std::string& stem, const std::string& png_name) const;
    std::size_t cell_width() const;
    std::size_t cell_height() const;
    std::size_t title_height() const;

    xtnn::ImageShape shape_;
    ImageGridOptions options_;
    std::vector<Image> images_;
};

}  // namespace fashion
