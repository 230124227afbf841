#pragma once
// One sampled configuration of a search: named values (real, integer or text)
// with typed getters that say clearly what went wrong (an unknown name, or a
// value read as the wrong kind).
#include <charconv>
#include <concepts>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "../core/error.hpp"

namespace xtnn::tune {

// tune's own helpers live in tune::detail; the library's message helpers are
// reachable there under their usual names.
namespace detail {
using xtnn::detail::concat;
using xtnn::detail::fail;
}  // namespace detail

enum class ValueKind { real, integer, text };

inline const char* kind_name(ValueKind kind) {
    switch (kind) {
        case ValueKind::real: return "a real number";
        case ValueKind::integer: return "an integer";
        case ValueKind::text: return "a string";
    }
    return "?";
}

/// A hyperparameter value: any integer type becomes an integer, any floating
/// type a real, a string a string (so `choice("batch", {32, 64})` holds integers).
class Value {
public:
    template <std::integral I>
        requires(!std::same_as<I, bool>)
    Value(I v) : v_(static_cast<std::int64_t>(v)) {}  // NOLINT: implicit on purpose
    template <std::floating_point F>
    Value(F v) : v_(static_cast<double>(v)) {}    // NOLINT
    Value(std::string v) : v_(std::move(v)) {}    // NOLINT
    Value(const char* v) : v_(std::string(v)) {}  // NOLINT

    ValueKind kind() const { return static_cast<ValueKind>(v_.index()); }
    double real() const { return std::get<double>(v_); }
    std::int64_t integer() const { return std::get<std::int64_t>(v_); }
    const std::string& text() const { return std::get<std::string>(v_); }

    /// The value as written in results files: numbers in their shortest
    /// form that reads back to the same value.
    std::string to_string() const {
        if (kind() == ValueKind::text) return text();
        char buffer[32];
        const auto [end, ec] = kind() == ValueKind::real ? std::to_chars(buffer, buffer + sizeof buffer, real())
                                                         : std::to_chars(buffer, buffer + sizeof buffer, integer());
        return std::string(buffer, end);
    }

    friend bool operator==(const Value&, const Value&) = default;

private:
    std::variant<double, std::int64_t, std::string> v_;  // index order = ValueKind
};

/// Reads the whole of `text` as a number; false when it is not one.
template <class N>
bool parse_number(std::string_view text, N& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

class Config {
public:
    /// Adds a value (the search space does this, in its own order).
    void set(std::string name, Value value) {
        for (auto& [known, v] : values_) {
            if (known == name) {
                v = std::move(value);
                return;
            }
        }
        values_.emplace_back(std::move(name), std::move(value));
    }

    /// The value of `name` as T: a floating type reads a real, an integral type
    /// an integer (checked against T's range), std::string a string.
    template <class T>
    T get(std::string_view name) const {
        const Value& v = find(name);
        if constexpr (std::same_as<T, std::string>) {
            expect(name, v, ValueKind::text, "a string");
            return v.text();
        } else if constexpr (std::floating_point<T>) {
            expect(name, v, ValueKind::real, "a floating-point number");
            return static_cast<T>(v.real());
        } else {
            static_assert(std::integral<T> && !std::same_as<T, bool>,
                          "Config::get<T>: T is a floating type, an integer type or std::string");
            expect(name, v, ValueKind::integer, "an integer");
            if (!std::in_range<T>(v.integer())) {
                detail::fail("Config: '", name, "' = ", v.integer(), " does not fit the requested integer type");
            }
            return static_cast<T>(v.integer());
        }
    }

    bool contains(std::string_view name) const {
        for (const auto& [known, v] : values_) {
            if (known == name) return true;
        }
        return false;
    }

    const std::vector<std::pair<std::string, Value>>& values() const { return values_; }

    /// "lr=0.001 width=64 activation=relu"
    std::string describe() const {
        std::string text;
        for (const auto& [name, v] : values_) text += (text.empty() ? "" : " ") + name + "=" + v.to_string();
        return text;
    }

    friend bool operator==(const Config&, const Config&) = default;

private:
    const Value& find(std::string_view name) const {
        for (const auto& [known, v] : values_) {
            if (known == name) return v;
        }
        std::string names;
        for (const auto& [known, v] : values_) names += (names.empty() ? "" : ", ") + known;
        detail::fail("Config: no hyperparameter named '", name,
                     "'; the space has: ", names.empty() ? std::string("(none)") : names);
    }

    static void expect(std::string_view name, const Value& v, ValueKind wanted, const char* reader) {
        if (v.kind() == wanted) return;
        const char* right = v.kind() == ValueKind::real      ? "get<double>"
                            : v.kind() == ValueKind::integer ? "get<std::int64_t> (or another integer type)"
                                                             : "get<std::string>";
        detail::fail("Config: '", name, "' is ", kind_name(v.kind()), " (", v.to_string(), "); read it with ", right,
                     ", not as ", reader);
    }

    std::vector<std::pair<std::string, Value>> values_;
};

}  // namespace xtnn::tune
