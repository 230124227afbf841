#pragma once
// The IDX format of MNIST and Fashion-MNIST (LeCun's "-idx3-ubyte" files): two
// zero bytes, a type code, the rank, one big-endian uint32 per dimension, then
// the elements, big-endian, in C order. The files usually travel gzip-compressed;
// both forms are read, told apart by their first bytes.
//
// Nothing a header claims is trusted. Before anything is allocated, the byte
// size its shape implies is checked for overflow, against IdxLimits::max_bytes
// and against what the file can hold: the bytes present for a raw file, 1032
// per compressed byte for gzip (deflate's largest ratio). A gzip stream is then
// inflated into a buffer that grows only as decompressed bytes actually
// arrive, so a header promising gigabytes over a few bytes of data costs
// nothing before it is caught.
#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <zlib.h>

#include "../core/error.hpp"
#include "atomic_file.hpp"
#include "npy.hpp"

namespace xtnn {

// The element types of IDX; the values are the format's type codes.
enum class IdxType : std::uint8_t {
    ubyte = 0x08,
    byte = 0x09,
    int16 = 0x0B,
    int32 = 0x0C,
    float32 = 0x0D,
    float64 = 0x0E,
};

struct IdxLimits {
    // Largest element data accepted, in bytes (the Fashion-MNIST training
    // images are 47 MB). A larger file needs a larger limit, not a code change.
    std::size_t max_bytes = std::size_t{1} << 31;
};

namespace detail {

struct IdxTypeInfo {
    IdxType type;
    std::size_t size;
    std::string_view name;
};

inline constexpr std::array<IdxTypeInfo, 6> idx_type_table{{
    {IdxType::ubyte, 1, "unsigned byte (0x08)"},
    {IdxType::byte, 1, "signed byte (0x09)"},
    {IdxType::int16, 2, "int16 (0x0B)"},
    {IdxType::int32, 4, "int32 (0x0C)"},
    {IdxType::float32, 4, "float32 (0x0D)"},
    {IdxType::float64, 8, "float64 (0x0E)"},
}};

inline std::optional<IdxTypeInfo> idx_type_info(std::uint8_t code) {
    for (const IdxTypeInfo& info : idx_type_table) {
        if (static_cast<std::uint8_t>(info.type) == code) return info;
    }
    return std::nullopt;
}

inline const IdxTypeInfo& idx_type_info(IdxType type) {
    for (const IdxTypeInfo& info : idx_type_table) {
        if (info.type == type) return info;
    }
    fail("invalid IdxType value ", static_cast<int>(type));
}

// Calls f(std::type_identity<S>{}) with the C++ type S stored for `type`.
template <class F>
decltype(auto) visit_idx_type(IdxType type, F&& f) {
    switch (type) {
        case IdxType::ubyte: return f(std::type_identity<std::uint8_t>{});
        case IdxType::byte: return f(std::type_identity<std::int8_t>{});
        case IdxType::int16: return f(std::type_identity<std::int16_t>{});
        case IdxType::int32: return f(std::type_identity<std::int32_t>{});
        case IdxType::float32: return f(std::type_identity<float>{});
        case IdxType::float64: return f(std::type_identity<double>{});
    }
    fail("invalid IdxType value ", static_cast<int>(type));
}

inline std::uint32_t read_be32(const std::array<std::byte, 4>& bytes) {
    std::uint32_t value = 0;
    for (const std::byte b : bytes) value = value << 8 | std::to_integer<std::uint32_t>(b);
    return value;
}

// deflate encodes a 258-byte match in 2 bits at best, so no gzip stream
// inflates to more than 1032 bytes per compressed byte.
inline constexpr std::size_t max_inflate_ratio = 1032;

// The bytes of a raw IDX file, handed out in order.
class RawIdxInput {
public:
    RawIdxInput(std::string_view bytes, std::string_view source) : bytes_(bytes), source_(source) {}

    // Copies up to out.size() bytes; fewer only at the end of the file.
    std::size_t read(std::span<std::byte> out) {
        const std::size_t n = std::min(out.size(), bytes_.size() - position_);
        if (n > 0) std::memcpy(out.data(), bytes_.data() + position_, n);
        position_ += n;
        return n;
    }

    // How many more bytes read() could give at most.
    std::size_t capacity() const { return bytes_.size() - position_; }

    // Why the input ended early, for a message about missing bytes.
    std::string_view truncation_note() const { return ""; }
    std::string_view content_name() const { return "content"; }

    void expect_end() const {
        if (position_ < bytes_.size()) {
            fail(source_, ": ", bytes_.size() - position_, " unexpected bytes after the array data");
        }
    }

private:
    std::string_view bytes_;
    std::string_view source_;
    std::size_t position_ = 0;
};

// A gzip stream inflated on demand with zlib.
class GzipIdxInput {
public:
    GzipIdxInput(std::string_view bytes, std::string_view source) : bytes_(bytes), source_(source) {
        // 16 + 15: a gzip wrapper (not zlib's) and the largest window.
        if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
            fail(source_, ": cannot start zlib's inflate: ", stream_.msg ? stream_.msg : "out of memory");
        }
    }
    GzipIdxInput(const GzipIdxInput&) = delete;
    GzipIdxInput& operator=(const GzipIdxInput&) = delete;
    ~GzipIdxInput() { inflateEnd(&stream_); }

    // Inflates up to out.size() bytes; fewer only when the stream ends or is cut off.
    std::size_t read(std::span<std::byte> out) {
        std::size_t produced = 0;
        while (produced < out.size() && !ended_) {
            refill_input();
            if (stream_.avail_in == 0) break;  // cut off: the file ends inside the stream
            const std::size_t wanted = std::min<std::size_t>(out.size() - produced, UINT_MAX);
            stream_.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
            stream_.avail_out = static_cast<uInt>(wanted);
            const int status = inflate(&stream_, Z_NO_FLUSH);
            produced += wanted - stream_.avail_out;
            if (status == Z_STREAM_END) {
                ended_ = true;
            } else if (status == Z_BUF_ERROR) {
                break;  // no progress possible: the input is used up
            } else if (status != Z_OK) {
                fail(source_, ": corrupt gzip stream (zlib: ",
                     stream_.msg ? stream_.msg : zError(status), ")");
            }
        }
        return produced;
    }

    // Bytes the rest of the stream could inflate to at most; the whole file's
    // bound, since inflate may hold consumed input it has not yet written out.
    std::size_t capacity() const {
        const std::size_t bound = bytes_.size() > SIZE_MAX / max_inflate_ratio
                                      ? SIZE_MAX
                                      : bytes_.size() * max_inflate_ratio;
        return bound - std::min<std::size_t>(bound, stream_.total_out);
    }

    std::string_view truncation_note() const {
        return ended_ ? "" : " (the gzip stream is cut off: the file is truncated)";
    }
    std::string_view content_name() const { return "decompressed content"; }

    void expect_end() {
        std::array<std::byte, 1> extra{};
        if (read(extra) > 0) {
            fail(source_, ": the gzip stream holds more data than the header's shape");
        }
        if (!ended_) fail(source_, ": truncated gzip stream (the gzip trailer is missing)");
        const std::size_t rest = bytes_.size() - consumed_ + stream_.avail_in;
        if (rest > 0) fail(source_, ": ", rest, " unexpected bytes after the end of the gzip stream");
    }

private:
    void refill_input() {
        if (stream_.avail_in > 0 || consumed_ == bytes_.size()) return;
        const std::size_t n = std::min<std::size_t>(bytes_.size() - consumed_, UINT_MAX);
        // zlib's interface is not const-correct; inflate only reads next_in.
        stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes_.data() + consumed_));
        stream_.avail_in = static_cast<uInt>(n);
        consumed_ += n;
    }

    std::string_view bytes_;
    std::string_view source_;
    z_stream stream_{};
    std::size_t consumed_ = 0;  // bytes handed to zlib so far
    bool ended_ = false;
};

struct IdxHeader {
    IdxTypeInfo type;
    std::vector<std::size_t> shape;
};

inline std::string hex_bytes(std::span<const std::byte> bytes) {
    constexpr std::string_view digits = "0123456789abcdef";
    std::string text;
    for (const std::byte b : bytes) {
        const auto v = std::to_integer<std::size_t>(b);
        if (!text.empty()) text += ' ';
        text += digits[v >> 4];
        text += digits[v & 15];
    }
    return text;
}

template <class Input>
IdxHeader read_idx_header(Input& in, std::string_view source) {
    std::array<std::byte, 4> magic{};
    const std::size_t got = in.read(magic);
    const std::optional<IdxTypeInfo> type =
        got > 2 ? idx_type_info(std::to_integer<std::uint8_t>(magic[2])) : std::nullopt;
    const auto leading = static_cast<std::ptrdiff_t>(std::min<std::size_t>(got, 2));
    const bool zeros =
        std::all_of(magic.begin(), magic.begin() + leading, [](std::byte b) { return b == std::byte{0}; });
    if (!zeros || (got > 2 && !type)) {
        fail(source, ": not an IDX file: its ", in.content_name(), " starts with bytes ",
             hex_bytes(std::span(magic).first(got)),
             " (IDX: 00 00, a type code 08, 09, 0b, 0c, 0d or 0e, the rank; gzip: 1f 8b)");
    }
    if (got < magic.size()) {
        fail(source, ": truncated header: expected 4 bytes, got ", got, in.truncation_note());
    }
    IdxHeader header{*type, std::vector<std::size_t>(std::to_integer<std::size_t>(magic[3]))};
    for (std::size_t& extent : header.shape) {
        std::array<std::byte, 4> dimension{};
        if (const std::size_t n = in.read(dimension); n < dimension.size()) {
            fail(source, ": truncated header: rank ", header.shape.size(), " needs ",
                 4 * header.shape.size(), " bytes of dimensions; the file ends first",
                 in.truncation_note());
        }
        extent = read_be32(dimension);
    }
    return header;
}

// The element bytes the header promises, after every check that needs no allocation.
template <class Input>
std::size_t checked_data_size(const Input& in, const IdxHeader& header, std::string_view source,
                              const IdxLimits& limits) {
    const std::optional<std::size_t> bytes = checked_product(header.shape, header.type.size);
    const auto describe = [&] { return concat("shape ", shape_text(header.shape), " of ", header.type.name); };
    if (!bytes) fail(source, ": invalid header: ", describe(), " overflows the address space");
    if (*bytes > limits.max_bytes) {
        fail(source, ": ", describe(), " needs ", *bytes, " bytes, more than the limit of ",
             limits.max_bytes, " (IdxLimits::max_bytes)");
    }
    if (*bytes > in.capacity()) {
        fail(source, ": truncated or corrupt: ", describe(), " needs ", *bytes,
             " bytes, but the file can hold at most ", in.capacity());
    }
    return *bytes;
}

// Fills `data` from `in`, growing it only as bytes arrive (at most doubling
// what was read), so the promised size is never allocated on trust alone.
template <class Input>
void read_idx_data(Input& in, std::vector<std::byte>& data, std::size_t expected,
                   std::string_view describe_shape, std::string_view source) {
    constexpr std::size_t first_chunk = std::size_t{1} << 20;
    std::size_t filled = 0;
    while (filled < expected) {
        const std::size_t size = std::min(expected, std::max(first_chunk, 2 * filled));
        data.resize(size);
        const std::size_t got = in.read(std::span(data).subspan(filled));
        filled += got;
        if (filled < size) {
            fail(source, ": truncated data: ", describe_shape, " needs ", expected, " bytes, got ",
                 filled, in.truncation_note());
        }
    }
}

inline void big_endian_to_native(std::span<std::byte> data, std::size_t item_size) {
    if (item_size == 1 || std::endian::native == std::endian::big) return;
    for (std::size_t offset = 0; offset < data.size(); offset += item_size) {
        std::reverse(data.begin() + static_cast<std::ptrdiff_t>(offset),
                     data.begin() + static_cast<std::ptrdiff_t>(offset + item_size));
    }
}

}  // namespace detail

// "unsigned byte (0x08)", ...
inline std::string_view idx_type_name(IdxType type) { return detail::idx_type_info(type).name; }
inline std::size_t idx_type_size(IdxType type) { return detail::idx_type_info(type).size; }

// A parsed IDX array, in native byte order and C (row-major) order.
struct IdxArray {
    std::vector<std::size_t> shape;
    IdxType type = IdxType::ubyte;
    std::vector<std::byte> data;
    std::string source;  // the file it came from, for messages

    std::size_t rank() const { return shape.size(); }
    std::size_t size() const { return data.size() / idx_type_size(type); }

    // Converts every element to U, in C order. Integer targets accept only
    // integer data whose values fit; any data converts to float or double.
    template <class U>
        requires std::is_arithmetic_v<U> && (!std::is_same_v<U, bool>)
    void copy_values(std::span<U> out) const {
        if (out.size() != size()) {
            detail::fail(source, ": copy_values: the array has ", size(), " elements, the destination ",
                         out.size());
        }
        detail::visit_idx_type(type, [&]<class S>(std::type_identity<S>) {
            if constexpr (std::is_integral_v<U> && std::is_floating_point_v<S>) {
                detail::fail(source, ": cannot convert ", idx_type_name(type),
                             " data to an integer type");
            } else {
                const std::byte* p = data.data();
                for (std::size_t i = 0; i < out.size(); ++i, p += sizeof(S)) {
                    S value;
                    std::memcpy(&value, p, sizeof(S));
                    if constexpr (std::is_integral_v<U>) {
                        if (!std::in_range<U>(value)) {
                            detail::fail(source, ": value ", +value, " at flat index ", i,
                                         " does not fit the requested integer type");
                        }
                    }
                    out[i] = static_cast<U>(value);
                }
            }
        });
    }

    template <class U>
    std::vector<U> values() const {
        std::vector<U> out(size());
        copy_values(std::span<U>(out));
        return out;
    }
};

// Parses raw or gzip-compressed IDX bytes; `source` names them in every message.
inline IdxArray parse_idx(std::string_view bytes, std::string_view source, const IdxLimits& limits = {}) {
    const auto parse = [&](auto& in) {
        const detail::IdxHeader header = detail::read_idx_header(in, source);
        const std::size_t expected = detail::checked_data_size(in, header, source, limits);
        IdxArray array{header.shape, header.type.type, {}, std::string(source)};
        const std::string shape =
            detail::concat("shape ", detail::shape_text(header.shape), " of ", header.type.name);
        detail::read_idx_data(in, array.data, expected, shape, source);
        in.expect_end();
        detail::big_endian_to_native(array.data, header.type.size);
        return array;
    };
    if (bytes.starts_with("\x1f\x8b")) {
        detail::GzipIdxInput in(bytes, source);
        return parse(in);
    }
    detail::RawIdxInput in(bytes, source);
    return parse(in);
}

inline IdxArray read_idx(const std::filesystem::path& path, const IdxLimits& limits = {}) {
    return parse_idx(read_file(path), path.string(), limits);
}

}  // namespace xtnn
