#pragma once
// The example programs' own errors (bad options, missing files): a
// std::runtime_error whose message is built from any streamable pieces.
#include <sstream>
#include <stdexcept>

namespace paper {

template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
    std::ostringstream message;
    (message << ... << parts);
    throw std::runtime_error(message.str());
}

}  // namespace paper
