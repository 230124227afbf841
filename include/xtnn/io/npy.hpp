#pragma once
// NumPy's .npy format (versions 1.0, 2.0, 3.0): a magic string, a Python dict
// literal describing dtype, memory order and shape, then the raw elements.
// Parsing trusts nothing in the header: sizes are checked against the bytes
// actually present before anything is allocated, so a hostile or corrupt
// header cannot make us allocate terabytes.
#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "atomic_file.hpp"

namespace xtnn {

// Element types we read; the order matches detail::dtype_table.
enum class DType { float32, float64, int8, int32, int64, uint8, boolean };

// Element types we write, and convert to when reading.
template <class T>
concept NpyElement = std::is_same_v<T, float> || std::is_same_v<T, double> ||
    std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::int32_t> ||
    std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint8_t>;

namespace detail {

struct DTypeInfo {
    char kind;  // NumPy's type character: f, i, u or b
    std::size_t size;
    std::string_view name;
};

inline constexpr std::array<DTypeInfo, 7> dtype_table{{
    {'f', 4, "float32"},
    {'f', 8, "float64"},
    {'i', 1, "int8"},
    {'i', 4, "int32"},
    {'i', 8, "int64"},
    {'u', 1, "uint8"},
    {'b', 1, "bool"},
}};

constexpr const DTypeInfo& dtype_info(DType type) {
    return dtype_table[static_cast<std::size_t>(type)];
}

// Calls f(std::type_identity<S>{}) with the C++ type S stored for `type`.
template <class F>
decltype(auto) visit_element_type(DType type, F&& f) {
    switch (type) {
        case DType::float32: return f(std::type_identity<float>{});
        case DType::float64: return f(std::type_identity<double>{});
        case DType::int8: return f(std::type_identity<std::int8_t>{});
        case DType::int32: return f(std::type_identity<std::int32_t>{});
        case DType::int64: return f(std::type_identity<std::int64_t>{});
        case DType::uint8: return f(std::type_identity<std::uint8_t>{});
        case DType::boolean: return f(std::type_identity<bool>{});
    }
    fail("invalid DType value ", static_cast<int>(type));
}

template <std::unsigned_integral U>
void append_le(std::string& out, U value) {
    for (std::size_t i = 0; i < sizeof(U); ++i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xffU));
    }
}

// The caller has checked that sizeof(U) bytes exist at `offset`.
template <std::unsigned_integral U>
U read_le(std::string_view bytes, std::size_t offset) {
    U value = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) {
        value |= static_cast<U>(static_cast<U>(static_cast<unsigned char>(bytes[offset + i]))
                                << (8 * i));
    }
    return value;
}

// Product of the shape, or nothing when it does not fit in size_t.
inline std::optional<std::size_t> checked_product(std::span<const std::size_t> factors,
                                                  std::size_t initial = 1) {
    std::size_t product = initial;
    for (const std::size_t factor : factors) {
        if (factor != 0 && product > std::numeric_limits<std::size_t>::max() / factor) {
            return std::nullopt;
        }
        product *= factor;
    }
    return product;
}

inline std::string shape_text(std::span<const std::size_t> shape) {
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        text += concat(i == 0 ? "" : ", ", shape[i]);
    }
    return text + (shape.size() == 1 ? ",)" : ")");
}

struct NpyHeader {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::size_t> shape;
};

// Reads the dict literal NumPy writes, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2000, 9), }
// accepting exactly the Python syntax that can occur there.
class NpyHeaderParser {
public:
    NpyHeaderParser(std::string_view text, std::string_view source)
        : text_(text), source_(source) {}

    NpyHeader parse() {
        constexpr std::array<std::string_view, 3> keys{"descr", "fortran_order", "shape"};
        std::array<bool, 3> seen{};
        NpyHeader header;
        expect('{');
        while (!consume('}')) {
            const std::string key = parse_string();
            expect(':');
            const auto slot =
                static_cast<std::size_t>(std::find(keys.begin(), keys.end(), key) - keys.begin());
            if (slot == keys.size()) invalid("unknown key '" + key + "'");
            if (seen[slot]) invalid("duplicate key '" + key + "'");
            seen[slot] = true;
            if (slot == 0) header.descr = parse_descr();
            if (slot == 1) header.fortran_order = parse_bool();
            if (slot == 2) header.shape = parse_shape();
            if (!consume(',')) {
                expect('}');
                break;
            }
        }
        skip_space();
        if (pos_ != text_.size()) invalid("unexpected text after the closing '}'");
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (!seen[i]) invalid(concat("missing key '", keys[i], "'"));
        }
        return header;
    }

private:
    [[noreturn]] void invalid(const std::string& problem) const {
        constexpr std::size_t shown = 120;
        std::string_view text = text_.substr(0, text_.find_last_not_of(" \n") + 1);
        fail(source_, ": .npy header is not a valid dictionary (", problem, " at offset ", pos_,
             "): ", text.substr(0, shown), text.size() > shown ? "..." : "");
    }

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    bool consume(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void expect(char c) {
        if (!consume(c)) invalid(concat("expected '", c, "'"));
    }

    std::string parse_string() {
        skip_space();
        if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
            invalid("expected a quoted string");
        }
        const char quote = text_[pos_++];
        const std::size_t end = text_.find(quote, pos_);
        if (end == std::string_view::npos) invalid("unterminated string");
        std::string value(text_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return value;
    }

    std::string parse_descr() {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '[') {
            fail(source_, ": unsupported dtype: structured arrays (a list as 'descr') are not",
                 " supported");
        }
        return parse_string();
    }

    bool parse_bool() {
        skip_space();
        for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
            if (text_.substr(pos_).starts_with(word)) {
                pos_ += std::strlen(word);
                return value;
            }
        }
        invalid("'fortran_order' must be True or False");
    }

    std::vector<std::size_t> parse_shape() {
        expect('(');
        std::vector<std::size_t> shape;
        while (!consume(')')) {
            skip_space();
            const std::size_t end = text_.find_first_of(",) \t\n", pos_);
            const std::string_view entry = text_.substr(pos_, end - pos_);
            pos_ = end == std::string_view::npos ? text_.size() : end;
            shape.push_back(shape_entry(entry));
            if (!consume(',')) {
                expect(')');
                break;
            }
        }
        return shape;
    }

    std::size_t shape_entry(std::string_view entry) const {
        if (entry.starts_with('-') && entry.size() > 1 &&
            entry.find_first_not_of("0123456789", 1) == std::string_view::npos) {
            fail(source_, ": invalid shape: negative entry ", entry);
        }
        if (entry.empty() || entry.find_first_not_of("0123456789") != std::string_view::npos) {
            fail(source_, ": invalid shape: entry '", entry, "' is not a non-negative integer");
        }
        std::size_t value = 0;
        for (const char digit : entry) {
            const auto d = static_cast<std::size_t>(digit - '0');
            if (value > (std::numeric_limits<std::size_t>::max() - d) / 10) {
                fail(source_, ": invalid shape: entry ", entry, " is too large");
            }
            value = value * 10 + d;
        }
        return value;
    }

    std::string_view text_;
    std::string_view source_;
    std::size_t pos_ = 0;
};

struct ParsedDescr {
    DType type;
    bool big_endian;
};

inline ParsedDescr parse_descr(std::string_view descr, std::string_view source) {
    if (descr.find('O') != std::string_view::npos) {
        fail(source, ": unsupported dtype '", descr,
             "': object arrays hold Python objects, not numbers");
    }
    if (descr.size() == 3 && std::string_view("<>|=").find(descr[0]) != std::string_view::npos) {
        for (std::size_t i = 0; i < dtype_table.size(); ++i) {
            const DTypeInfo& info = dtype_table[i];
            // '|' means "byte order not applicable", which only single bytes can claim.
            if (descr[1] == info.kind && static_cast<std::size_t>(descr[2] - '0') == info.size &&
                (descr[0] != '|' || info.size == 1)) {
                const bool big =
                    descr[0] == '>' || (descr[0] == '=' && std::endian::native == std::endian::big);
                return {static_cast<DType>(i), big && info.size > 1};
            }
        }
    }
    fail(source, ": unsupported dtype '", descr, "' (supported: f4 f8 i1 i4 i8 u1 b1)");
}

// Copies `source` (file byte order and memory order) into `out` as native,
// C-order elements.
inline void normalize_elements(std::string_view source, std::span<std::byte> out,
                               std::span<const std::size_t> shape, std::size_t item_size,
                               bool fortran_order, bool swap_bytes) {
    if (out.empty()) return;  // an empty vector's data() may be null, which memcpy forbids
    if (!fortran_order || shape.size() <= 1) {
        std::memcpy(out.data(), source.data(), out.size());
    } else {
        // Walk the C-order output with an odometer over the multi-index while
        // tracking the matching Fortran-order offset.
        const std::size_t rank = shape.size();
        std::vector<std::size_t> index(rank, 0);
        std::vector<std::size_t> fortran_stride(rank, 1);
        for (std::size_t k = 1; k < rank; ++k) {
            fortran_stride[k] = fortran_stride[k - 1] * shape[k - 1];
        }
        std::size_t offset = 0;
        for (std::size_t o = 0; o < out.size(); o += item_size) {
            std::memcpy(out.data() + o, source.data() + offset * item_size, item_size);
            for (std::size_t k = rank; k-- > 0;) {
                offset += fortran_stride[k];
                if (++index[k] < shape[k]) break;
                offset -= shape[k] * fortran_stride[k];
                index[k] = 0;
            }
        }
    }
    if (swap_bytes) {
        for (std::size_t o = 0; o < out.size(); o += item_size) {
            std::reverse(out.begin() + static_cast<std::ptrdiff_t>(o),
                         out.begin() + static_cast<std::ptrdiff_t>(o + item_size));
        }
    }
}

template <class S>
S load_native(const std::byte* p) {
    if constexpr (std::is_same_v<S, bool>) {
        return std::to_integer<unsigned char>(*p) != 0;
    } else {
        S value;
        std::memcpy(&value, p, sizeof(S));
        return value;
    }
}

}  // namespace detail

template <NpyElement T>
inline constexpr DType dtype_of = std::is_same_v<T, float>          ? DType::float32
                                  : std::is_same_v<T, double>       ? DType::float64
                                  : std::is_same_v<T, std::int8_t>  ? DType::int8
                                  : std::is_same_v<T, std::int32_t> ? DType::int32
                                  : std::is_same_v<T, std::int64_t> ? DType::int64
                                                                    : DType::uint8;

constexpr std::string_view dtype_name(DType type) { return detail::dtype_info(type).name; }
constexpr std::size_t dtype_size(DType type) { return detail::dtype_info(type).size; }

// A parsed array, already in native byte order and C (row-major) order.
struct NpyArray {
    std::vector<std::size_t> shape;
    DType dtype = DType::float64;
    std::vector<std::byte> data;
    std::string source;  // file or archive member it came from, for messages

    std::size_t rank() const { return shape.size(); }
    std::size_t size() const { return data.size() / dtype_size(dtype); }

    // Converts every element to T, in C order. Integer targets accept only
    // integer or bool data whose values fit; any data converts to float/double.
    template <NpyElement T>
    void copy_values(std::span<T> out) const {
        if (out.size() != size()) {
            detail::fail(source, ": copy_values: the array has ", size(),
                         " elements, the destination ", out.size());
        }
        detail::visit_element_type(dtype, [&]<class S>(std::type_identity<S>) {
            if constexpr (std::is_integral_v<T> && std::is_floating_point_v<S>) {
                detail::fail(source, ": cannot convert ", dtype_name(dtype), " data to ",
                             dtype_name(dtype_of<T>),
                             " (only integer or bool data converts to an integer type)");
            } else {
                const std::byte* p = data.data();
                for (std::size_t i = 0; i < out.size(); ++i, p += sizeof(S)) {
                    const S value = detail::load_native<S>(p);
                    if constexpr (std::is_integral_v<T> && !std::is_same_v<S, bool>) {
                        if (!std::in_range<T>(value)) {
                            detail::fail(source, ": value ", +value, " at flat index ", i,
                                         " does not fit in ", dtype_name(dtype_of<T>));
                        }
                    }
                    out[i] = static_cast<T>(value);
                }
            }
        });
    }

    template <NpyElement T>
    std::vector<T> values() const {
        std::vector<T> out(size());
        copy_values(std::span<T>(out));
        return out;
    }
};

// `source` names the bytes' origin (a path, an archive member) in every message.
inline NpyArray parse_npy(std::string_view bytes, std::string_view source) {
    using detail::fail;
    constexpr std::string_view magic = "\x93NUMPY";
    if (!bytes.starts_with(magic)) {
        if (bytes.size() < magic.size() && magic.starts_with(bytes)) {
            fail(source, ": truncated header: only ", bytes.size(), " bytes");
        }
        fail(source, ": not a .npy file (bad magic string; expected \\x93NUMPY)");
    }
    if (bytes.size() < 8) fail(source, ": truncated header: only ", bytes.size(), " bytes");
    const int major = static_cast<unsigned char>(bytes[6]);
    const int minor = static_cast<unsigned char>(bytes[7]);
    if (major < 1 || major > 3 || minor != 0) {
        fail(source, ": unsupported .npy format version ", major, ".", minor,
             " (supported: 1.0, 2.0, 3.0)");
    }
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    if (bytes.size() < 8 + length_bytes) {
        fail(source, ": truncated header: only ", bytes.size(), " bytes");
    }
    const std::size_t header_length = major == 1 ? detail::read_le<std::uint16_t>(bytes, 8)
                                                 : detail::read_le<std::uint32_t>(bytes, 8);
    const std::size_t header_start = 8 + length_bytes;
    if (bytes.size() - header_start < header_length) {
        fail(source, ": truncated header: expected ", header_length, " header bytes, got ",
             bytes.size() - header_start);
    }
    const detail::NpyHeader header =
        detail::NpyHeaderParser(bytes.substr(header_start, header_length), source).parse();
    const detail::ParsedDescr descr = detail::parse_descr(header.descr, source);
    const std::size_t item_size = dtype_size(descr.type);

    const std::string_view payload = bytes.substr(header_start + header_length);
    const auto expected = detail::checked_product(header.shape, item_size);
    if (!expected) {
        fail(source, ": invalid shape ", detail::shape_text(header.shape),
             ": its byte size overflows");
    }
    if (payload.size() < *expected) {
        fail(source, ": truncated data: shape ", detail::shape_text(header.shape), " of ",
             dtype_name(descr.type), " needs ", *expected, " bytes, got ", payload.size());
    }
    if (payload.size() > *expected) {
        fail(source, ": ", payload.size() - *expected,
             " unexpected bytes after the array data (shape ", detail::shape_text(header.shape),
             " of ", dtype_name(descr.type), " needs ", *expected, ")");
    }
    NpyArray array{header.shape, descr.type, std::vector<std::byte>(*expected),
                   std::string(source)};
    detail::normalize_elements(payload, array.data, array.shape, item_size, header.fortran_order,
                               descr.big_endian != (std::endian::native == std::endian::big));
    return array;
}

inline NpyArray read_npy(const std::filesystem::path& path) {
    return parse_npy(read_file(path), path.string());
}

// Serializes in native byte order and C order, padded so the data starts on
// a 64-byte boundary as NumPy does.
template <NpyElement T>
std::string to_npy_bytes(const T* data, std::span<const std::size_t> shape) {
    const auto count = detail::checked_product(shape, sizeof(T));
    if (!count) detail::fail("to_npy_bytes: shape ", detail::shape_text(shape), " overflows");
    const detail::DTypeInfo& info = detail::dtype_info(dtype_of<T>);
    const char order = sizeof(T) == 1 ? '|' : std::endian::native == std::endian::big ? '>' : '<';
    std::string dict =
        detail::concat("{'descr': '", order, info.kind, info.size,
                       "', 'fortran_order': False, 'shape': ", detail::shape_text(shape), ", }");
    const bool version1 = dict.size() + 64 <= std::numeric_limits<std::uint16_t>::max();
    const std::size_t preamble = version1 ? 10 : 12;
    dict.append(63 - (preamble + dict.size()) % 64, ' ');
    dict.push_back('\n');

    std::string out = "\x93NUMPY";
    out.push_back(static_cast<char>(version1 ? 1 : 2));
    out.push_back('\0');
    if (version1) {
        detail::append_le(out, static_cast<std::uint16_t>(dict.size()));
    } else {
        detail::append_le(out, static_cast<std::uint32_t>(dict.size()));
    }
    out += dict;
    out.append(reinterpret_cast<const char*>(data), *count);
    return out;
}

template <NpyElement T, std::size_t Rank>
std::string to_npy_bytes(const xt::xtensor<T, Rank>& array) {
    return to_npy_bytes(array.data(), std::span<const std::size_t>(array.shape()));
}

// Written atomically: an existing file is replaced only by a complete one.
template <NpyElement T, std::size_t Rank>
void save_npy(const std::filesystem::path& path, const xt::xtensor<T, Rank>& array) {
    write_file_atomically(path, to_npy_bytes(array));
}

template <NpyElement T, std::size_t Rank>
xt::xtensor<T, Rank> as_xtensor(const NpyArray& array) {
    if (array.rank() != Rank) {
        detail::fail(array.source, ": expected an array of rank ", Rank, ", found rank ",
                     array.rank(), " with shape ", detail::shape_text(array.shape));
    }
    typename xt::xtensor<T, Rank>::shape_type shape{};
    for (std::size_t k = 0; k < Rank; ++k) shape[k] = array.shape[k];
    xt::xtensor<T, Rank> result(shape);
    array.copy_values(std::span<T>(result.data(), result.size()));
    return result;
}

// A rank-1 array becomes one column, as a single feature or target would.
template <Real T>
Tensor<T> as_matrix(const NpyArray& array) {
    if (array.rank() == 1) {
        Tensor<T> result({array.shape[0], 1});
        array.copy_values(std::span<T>(result.data(), result.size()));
        return result;
    }
    if (array.rank() != 2) {
        detail::fail(array.source, ": expected a matrix (rank 1 or 2), found rank ", array.rank(),
                     " with shape ", detail::shape_text(array.shape));
    }
    return as_xtensor<T, 2>(array);
}

template <NpyElement T, std::size_t Rank>
xt::xtensor<T, Rank> load_npy(const std::filesystem::path& path) {
    return as_xtensor<T, Rank>(read_npy(path));
}

template <Real T>
Tensor<T> load_npy_matrix(const std::filesystem::path& path) {
    return as_matrix<T>(read_npy(path));
}

}  // namespace xtnn
