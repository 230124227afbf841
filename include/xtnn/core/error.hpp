#pragma once
// The one exception type of xtnn: every failure the library detects is an
// xtnn::error (or derives from it), so callers can catch exactly our errors.
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace xtnn {

class error : public std::runtime_error {
public:
    explicit error(const std::string& what) : std::runtime_error("xtnn: " + what) {}
};

namespace detail {

// Builds a message from any streamable pieces: fail("Dense: expected ", a, " got ", b).
template <class... Parts>
[[nodiscard]] std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
    throw error(concat(parts...));
}

}  // namespace detail
}  // namespace xtnn
