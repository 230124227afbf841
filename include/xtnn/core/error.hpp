#pragma once
// The one exception type of xtnn: every failure the library detects is an
// xtnn::error (or derives from it), so callers can catch exactly our errors.
#include <initializer_list>
#include <ios>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace xtnn {

class error : public std::runtime_error {
public:
    explicit error(const std::string& what) : std::runtime_error("xtnn: " + what) {}
};

namespace detail {

// One piece of a message, streamed as `out << piece` would. Type-erased so that
// the hundreds of fail(...) call sites, each with its own list of argument types
// (every string literal length is a type of its own), share one formatting
// function per piece type instead of instantiating an ostringstream each: that
// code generation was a tenth of a typical program's compile time.
class MessagePart {
public:
    template <class T>
    explicit MessagePart(const T& value) : value_(&value), write_(&write<T>) {}
    explicit MessagePart(const char* text) : value_(text), write_(&write_text) {}
    explicit MessagePart(std::ios_base& (*manipulator)(std::ios_base&)) : manipulator_(manipulator) {}

    void write_to(std::ostream& out) const {
        if (manipulator_ != nullptr) out << manipulator_;
        else write_(out, value_);
    }

private:
    template <class T>
    static void write(std::ostream& out, const void* value) {
        out << *static_cast<const T*>(value);
    }
    static void write_text(std::ostream& out, const void* text) { out << static_cast<const char*>(text); }

    const void* value_ = nullptr;
    void (*write_)(std::ostream&, const void*) = nullptr;
    std::ios_base& (*manipulator_)(std::ios_base&) = nullptr;
};

[[nodiscard]] inline std::string concat_parts(std::initializer_list<MessagePart> parts) {
    std::ostringstream out;
    for (const MessagePart& part : parts) part.write_to(out);
    return out.str();
}

[[noreturn]] inline void throw_error(std::initializer_list<MessagePart> parts) {
    throw error(concat_parts(parts));
}

// Builds a message from any streamable pieces: fail("Dense: expected ", a, " got ", b).
template <class... Parts>
[[nodiscard]] std::string concat(const Parts&... parts) {
    return concat_parts({MessagePart(parts)...});
}

template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
    throw_error({MessagePart(parts)...});
}

}  // namespace detail
}  // namespace xtnn
