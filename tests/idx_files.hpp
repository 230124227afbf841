#pragma once
// IDX files made in code, raw or gzip-compressed with zlib, for the IDX tests
// and the idx fuzz target's seeds. xtnn itself only reads IDX; this writer
// follows the format description (big-endian everywhere) independently.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <zlib.h>

namespace xtnn_test {

template <class S>
inline constexpr std::uint8_t idx_code = std::is_same_v<S, std::uint8_t>   ? 0x08
                                         : std::is_same_v<S, std::int8_t>  ? 0x09
                                         : std::is_same_v<S, std::int16_t> ? 0x0B
                                         : std::is_same_v<S, std::int32_t> ? 0x0C
                                         : std::is_same_v<S, float>        ? 0x0D
                                                                           : 0x0E;

inline void append_be32(std::string& out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift & 0xFF));
}

// Two zero bytes, the type code, the rank, the dimensions.
inline std::string idx_header(std::uint8_t type_code, const std::vector<std::uint32_t>& dims) {
    std::string out{'\0', '\0', static_cast<char>(type_code), static_cast<char>(dims.size())};
    for (const std::uint32_t d : dims) append_be32(out, d);
    return out;
}

// Elements of `item_size` bytes in native order, written big-endian.
inline std::string big_endian(std::span<const std::byte> native, std::size_t item_size) {
    std::string out(reinterpret_cast<const char*>(native.data()), native.size());
    if (std::endian::native == std::endian::little) {
        for (std::size_t i = 0; i + item_size <= out.size(); i += item_size) {
            for (std::size_t a = i, b = i + item_size - 1; a < b; ++a, --b) std::swap(out[a], out[b]);
        }
    }
    return out;
}

template <class S>
std::string idx_file(const std::vector<std::uint32_t>& dims, const std::vector<S>& values) {
    return idx_header(idx_code<S>, dims) + big_endian(std::as_bytes(std::span(values)), sizeof(S));
}

// A gzip file (one member) holding `bytes`.
inline std::string gzip(std::string_view bytes) {
    z_stream stream{};
    // 16 + 15: a gzip wrapper and the largest window, as gzip(1) writes.
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int status = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    if (status != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
    return out;
}

}  // namespace xtnn_test
