#pragma once
// Helpers for the data and io tests: a scratch directory and checks on the
// text of xtnn::error messages.
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

#include <unistd.h>

#include <doctest/doctest.h>

#include <xtnn/core/error.hpp>

namespace xtnn_test {

// A fresh directory, removed with its contents when the object goes.
class ScratchDir {
public:
    explicit ScratchDir(std::string_view name)
        : path_(std::filesystem::temp_directory_path() /
                (std::string("xtnn-") + std::string(name) + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    std::filesystem::path operator/(std::string_view file) const { return path_ / file; }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// The message of the xtnn::error that `action` throws, or "(no xtnn::error)".
template <class Action>
std::string error_message(Action&& action) {
    try {
        action();
    } catch (const xtnn::error& e) {
        return e.what();
    }
    return "(no xtnn::error)";
}

// Checks that `action` throws an xtnn::error mentioning every one of `parts`.
template <class Action>
void check_error(Action&& action, std::initializer_list<std::string_view> parts) {
    const std::string message = error_message(action);
    for (const std::string_view part : parts) {
        CHECK_MESSAGE(message.find(part) != std::string::npos,
                      "expected \"" << std::string(part) << "\" in: " << message);
    }
}

}  // namespace xtnn_test
