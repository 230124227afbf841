#include "image_grid.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <xtnn/io/atomic_file.hpp>

extern char** environ;

namespace fashion {

namespace {

// Layout in PNG pixels: a caption line at the terminal's 9-point font, room
// for a caption wider than a small image, the gaps between cells.
constexpr std::size_t line_height = 14;
constexpr std::size_t min_caption_width = 128;
constexpr std::size_t gap = 8;
constexpr std::size_t title_room = 28;

// A gnuplot string literal: in single quotes a quote is doubled and nothing else is special.
std::string quoted(const std::string& text) {
    std::string out = "'";
    for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

// Runs `gnuplot -e "cd '<dir>'" <script>`; false, saying why on stderr, unless it succeeds.
bool run_gnuplot(const std::filesystem::path& dir, const std::filesystem::path& script) {
    std::string cd = "cd " + quoted(dir.string());
    std::string script_path = script.string();
    char program[] = "gnuplot";
    char option[] = "-e";
    char* argv[] = {program, option, cd.data(), script_path.data(), nullptr};
    pid_t pid = 0;
    if (const int error = posix_spawnp(&pid, program, nullptr, nullptr, argv, environ); error != 0) {
        std::fprintf(stderr, "image grid: cannot run gnuplot: %s (scripts/setup.sh installs gnuplot-nox)\n",
                     std::strerror(error));
        return false;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "image grid: gnuplot failed on %s (status %d)\n", script_path.c_str(), status);
        return false;
    }
    return true;
}

}  // namespace

ImageGrid::ImageGrid(xtnn::ImageShape shape, ImageGridOptions options) : shape_(shape), options_(std::move(options)) {
    if (shape_.channels != 1 && shape_.channels != 3) {
        throw std::invalid_argument("ImageGrid: images need 1 channel (gray) or 3 (RGB), not " +
                                    xtnn::to_string(shape_));
    }
    if (shape_.size() == 0) throw std::invalid_argument("ImageGrid: empty image shape " + xtnn::to_string(shape_));
    if (options_.columns == 0 || options_.scale == 0) {
        throw std::invalid_argument("ImageGrid: columns and scale must be at least 1");
    }
}

void ImageGrid::add_pixels(std::vector<float> pixels, std::vector<CaptionLine> caption) {
    if (pixels.size() != shape_.size()) {
        throw std::invalid_argument("ImageGrid: an image of " + xtnn::to_string(shape_) + " has " +
                                    std::to_string(shape_.size()) + " values, got " + std::to_string(pixels.size()));
    }
    images_.push_back({std::move(pixels), std::move(caption)});
}

std::size_t ImageGrid::cell_width() const { return std::max(shape_.width * options_.scale, min_caption_width) + gap; }

std::size_t ImageGrid::cell_height() const {
    return shape_.height * options_.scale + options_.caption_lines * line_height + gap;
}

std::size_t ImageGrid::title_height() const { return options_.title.empty() ? 0 : title_room; }

PngSize ImageGrid::png_size() const {
    const std::size_t columns = std::clamp<std::size_t>(images_.size(), 1, options_.columns);
    const std::size_t rows = std::max<std::size_t>(1, (images_.size() + options_.columns - 1) / options_.columns);
    return {gap + columns * cell_width(), title_height() + gap + rows * cell_height()};
}

// float32 values, image after image, each row by row from the top; the
// channels of a pixel side by side, as gnuplot's rgbimage reads them.
std::string ImageGrid::pixel_bytes() const {
    const std::size_t plane = shape_.height * shape_.width;
    std::string bytes;
    bytes.reserve(images_.size() * shape_.size() * sizeof(float));
    for (const Image& image : images_) {
        for (std::size_t p = 0; p < plane; ++p) {
            for (std::size_t c = 0; c < shape_.channels; ++c) {
                const float v = image.pixels[c * plane + p];
                const float shown = std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f);
                bytes.append(reinterpret_cast<const char*>(&shown), sizeof shown);
            }
        }
    }
    return bytes;
}

std::string ImageGrid::script(const std::string& stem, const std::string& png_name) const {
    const PngSize size = png_size();
    const std::size_t s = options_.scale, w = shape_.width * s, h = shape_.height * s;
    const bool rgb = shape_.channels == 3;
    std::string text = "# " + std::to_string(images_.size()) + " images of " + xtnn::to_string(shape_) + " from " +
                       stem + ".pixels (float32). Redraw: gnuplot " + stem + ".gp\n" +
                       "set terminal pngcairo size " + std::to_string(size.width) + "," +
                       std::to_string(size.height) + " font ',9' background rgb 'white'\n" +
                       "set output " + quoted(png_name) + "\n" +
                       "set lmargin at screen 0\nset rmargin at screen 1\n"
                       "set bmargin at screen 0\nset tmargin at screen 1\n"
                       "unset border\nunset tics\nunset key\nunset colorbox\n"
                       "set xrange [0:" + std::to_string(size.width) + "]\nset yrange [0:" +
                       std::to_string(size.height) + "]\n" +
                       "set palette gray\nset cbrange [0:1]\nset rgbmax 1.0\n";
    if (!options_.title.empty()) {
        text += "set label " + quoted(options_.title) + " at " + number(size.width / 2.0) + "," +
                number(static_cast<double>(size.height) - title_room / 2.0) + " center font ',11' noenhanced\n";
    }
    std::string plot = "plot ";
    const std::string format = rgb ? "%float%float%float" : "%float";
    for (std::size_t i = 0; i < images_.size(); ++i) {
        const std::size_t column = i % options_.columns, row = i / options_.columns;
        const double left = static_cast<double>(gap + column * cell_width() + (cell_width() - gap - w) / 2);
        const double top = static_cast<double>(size.height - title_height() - gap - row * cell_height());
        const double bottom = top - static_cast<double>(h);
        for (std::size_t k = 0; k < images_[i].caption.size(); ++k) {
            const CaptionLine& line = images_[i].caption[k];
            text += "set label " + quoted(line.text) + " at " + number(left + w / 2.0) + "," +
                    number(bottom - line_height * (k + 0.5) - 2) + " center noenhanced textcolor rgb " +
                    quoted(line.color) + "\n";
        }
        // origin: the centre of the image's lower-left pixel.
        plot += std::string(i == 0 ? "" : ", \\\n     ") + quoted(stem + ".pixels") + " binary array=(" +
                std::to_string(shape_.width) + "," + std::to_string(shape_.height) + ") format='" + format +
                "' skip=" + std::to_string(i * shape_.size() * sizeof(float)) + " dx=" + std::to_string(s) +
                " dy=" + std::to_string(s) + " origin=(" + number(left + s / 2.0) + "," + number(bottom + s / 2.0) +
                ") flipy with " + (rgb ? "rgbimage" : "image");
    }
    return text + plot + "\n";
}

bool ImageGrid::write_png(const std::filesystem::path& png) const {
    if (images_.empty()) throw std::logic_error("ImageGrid: no images to draw into " + png.string());
    const std::filesystem::path dir = std::filesystem::absolute(png).parent_path();
    const std::string stem = png.stem().string();
    xtnn::write_file_atomically(dir / (stem + ".pixels"), pixel_bytes());
    xtnn::write_file_atomically(dir / (stem + ".gp"), script(stem, png.filename().string()));
    std::filesystem::remove(dir / png.filename());
    return run_gnuplot(dir, dir / (stem + ".gp")) && std::filesystem::exists(dir / png.filename());
}

}  // namespace fashion
