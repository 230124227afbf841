#pragma once
// .npz: a zip archive whose members are .npy files named "<key>.npy", the
// format of numpy.savez. We write and read only STORED (uncompressed) members:
// that is all np.savez produces, and it keeps us free of a deflate codec.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ios>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "../core/error.hpp"
#include "atomic_file.hpp"
#include "npy.hpp"

namespace xtnn {
namespace detail {

// CRC-32 as zip defines it (IEEE 802.3, reflected polynomial 0xEDB88320).
inline constexpr std::array<std::uint32_t, 256> crc32_table = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}();

inline std::uint32_t crc32(std::string_view bytes) {
    std::uint32_t c = 0xFFFFFFFFU;
    for (const char byte : bytes) {
        c = crc32_table[(c ^ static_cast<unsigned char>(byte)) & 0xFFU] ^ (c >> 8);
    }
    return c ^ 0xFFFFFFFFU;
}

namespace zip {
inline constexpr std::uint32_t local_header_signature = 0x04034b50;
inline constexpr std::uint32_t central_header_signature = 0x02014b50;
inline constexpr std::uint32_t end_record_signature = 0x06054b50;
inline constexpr std::size_t local_header_size = 30;
inline constexpr std::size_t central_header_size = 46;
inline constexpr std::size_t end_record_size = 22;
inline constexpr std::uint16_t version_needed = 20;
inline constexpr std::uint16_t method_stored = 0;
inline constexpr std::uint16_t method_deflate = 8;
inline constexpr std::uint16_t flag_encrypted = 1;
inline constexpr std::uint16_t dos_date_1980_01_01 = (1 << 5) | 1;  // fixed: same bytes every save
inline constexpr std::uint32_t max32 = 0xFFFFFFFFU;
inline constexpr std::uint16_t max16 = 0xFFFFU;
}  // namespace zip

}  // namespace detail

class NpzWriter {
public:
    // Adds `data` (C order, `shape`) as member "<name>.npy".
    template <NpyElement T>
    void add(std::string name, const T* data, std::vector<std::size_t> shape) {
        if (name.empty()) detail::fail("NpzWriter: array name must not be empty");
        std::string file_name = name + ".npy";
        if (std::any_of(members_.begin(), members_.end(),
                        [&](const Member& m) { return m.file_name == file_name; })) {
            detail::fail("NpzWriter: duplicate array name '", name, "'");
        }
        members_.push_back(
            {std::move(file_name), to_npy_bytes(data, std::span<const std::size_t>(shape))});
    }

    template <NpyElement T, std::size_t Rank>
    void add(std::string name, const xt::xtensor<T, Rank>& array) {
        add(std::move(name), array.data(),
            std::vector<std::size_t>(array.shape().begin(), array.shape().end()));
    }

    std::string bytes() const {
        namespace zip = detail::zip;
        using detail::append_le;
        std::string out;
        std::string central;
        for (const Member& m : members_) {
            const std::size_t offset = out.size();
            if (m.npy.size() >= zip::max32 || offset >= zip::max32 ||
                m.file_name.size() > zip::max16 || members_.size() >= zip::max16) {
                detail::fail("NpzWriter: archive too large for plain zip (zip64 is not supported)");
            }
            const std::uint32_t crc = detail::crc32(m.npy);
            append_le(out, zip::local_header_signature);
            append_common_fields(out, m, crc);
            out += m.file_name;
            out += m.npy;

            append_le(central, zip::central_header_signature);
            append_le(central, zip::version_needed);  // "version made by"
            append_common_fields(central, m, crc);
            append_le(central, std::uint16_t{0});  // comment length
            append_le(central, std::uint16_t{0});  // disk number
            append_le(central, std::uint16_t{0});  // internal attributes
            append_le(central, std::uint32_t{0});  // external attributes
            append_le(central, static_cast<std::uint32_t>(offset));
            central += m.file_name;
        }
        const std::size_t central_offset = out.size();
        if (central_offset + central.size() >= zip::max32) {
            detail::fail("NpzWriter: archive too large for plain zip (zip64 is not supported)");
        }
        out += central;
        append_le(out, zip::end_record_signature);
        append_le(out, std::uint16_t{0});  // this disk
        append_le(out, std::uint16_t{0});  // disk holding the central directory
        append_le(out, static_cast<std::uint16_t>(members_.size()));
        append_le(out, static_cast<std::uint16_t>(members_.size()));
        append_le(out, static_cast<std::uint32_t>(central.size()));
        append_le(out, static_cast<std::uint32_t>(central_offset));
        append_le(out, std::uint16_t{0});  // comment length
        return out;
    }

    // Written atomically: an existing file is replaced only by a complete one.
    void save(const std::filesystem::path& path) const { write_file_atomically(path, bytes()); }

private:
    struct Member {
        std::string file_name;
        std::string npy;
    };

    // The fields local and central headers share, from "version needed" to
    // "extra field length".
    static void append_common_fields(std::string& out, const Member& m, std::uint32_t crc) {
        namespace zip = detail::zip;
        using detail::append_le;
        append_le(out, zip::version_needed);
        append_le(out, std::uint16_t{0});  // flags
        append_le(out, zip::method_stored);
        append_le(out, std::uint16_t{0});  // time 00:00:00
        append_le(out, zip::dos_date_1980_01_01);
        append_le(out, crc);
        append_le(out, static_cast<std::uint32_t>(m.npy.size()));  // compressed size
        append_le(out, static_cast<std::uint32_t>(m.npy.size()));  // uncompressed size
        append_le(out, static_cast<std::uint16_t>(m.file_name.size()));
        append_le(out, std::uint16_t{0});  // extra field length
    }

    std::vector<Member> members_;
};

// The arrays of an archive by name ("<key>" for member "<key>.npy"), in archive order.
class NpzArchive {
public:
    NpzArchive(std::string source, std::vector<std::pair<std::string, NpyArray>> arrays)
        : source_(std::move(source)), arrays_(std::move(arrays)) {}

    // The file or buffer the arrays came from, as named in messages.
    const std::string& source() const { return source_; }

    bool contains(std::string_view name) const { return find(name) != arrays_.end(); }

    const NpyArray& get(std::string_view name) const {
        const auto it = find(name);
        if (it == arrays_.end()) {
            std::string available;
            for (const auto& entry : arrays_)
                available += (available.empty() ? "" : ", ") + entry.first;
            detail::fail(source_, ": no array named '", name,
                         "' (the archive has: ", available.empty() ? "nothing" : available, ")");
        }
        return it->second;
    }

    std::vector<std::string> names() const {
        std::vector<std::string> result;
        for (const auto& entry : arrays_) result.push_back(entry.first);
        return result;
    }

private:
    using Entries = std::vector<std::pair<std::string, NpyArray>>;

    Entries::const_iterator find(std::string_view name) const {
        return std::find_if(arrays_.begin(), arrays_.end(),
                            [&](const auto& entry) { return entry.first == name; });
    }

    std::string source_;
    Entries arrays_;
};

namespace detail {

inline std::size_t find_end_record(std::string_view bytes, std::string_view source) {
    namespace zip = detail::zip;
    if (bytes.size() >= zip::end_record_size) {
        // The record sits at the very end unless followed by an archive comment.
        const std::size_t last = bytes.size() - zip::end_record_size;
        const std::size_t first = last > zip::max16 ? last - zip::max16 : 0;
        for (std::size_t pos = last + 1; pos-- > first;) {
            if (read_le<std::uint32_t>(bytes, pos) == zip::end_record_signature) return pos;
        }
    }
    if (bytes.starts_with("PK\x03\x04")) {
        fail(source, ": truncated zip archive (no end-of-central-directory record)");
    }
    fail(source, ": not a zip archive (.npz); no end-of-central-directory record found");
}

// Where the central directory lies, checked against the end record holding it.
// Members are stored before `offset`, the directory ends at `end()`.
struct CentralDirectory {
    std::size_t entries;
    std::size_t offset;
    std::size_t size;
    std::size_t end() const { return offset + size; }
};

inline CentralDirectory read_central_directory(std::string_view bytes, std::string_view source) {
    const std::size_t end = find_end_record(bytes, source);
    const CentralDirectory dir{.entries = read_le<std::uint16_t>(bytes, end + 10),
                               .offset = read_le<std::uint32_t>(bytes, end + 16),
                               .size = read_le<std::uint32_t>(bytes, end + 12)};
    if (dir.entries == zip::max16 || dir.size == zip::max32 || dir.offset == zip::max32) {
        fail(source, ": zip64 archives are not supported");
    }
    if (read_le<std::uint16_t>(bytes, end + 4) != 0 ||
        read_le<std::uint16_t>(bytes, end + 6) != 0 ||
        read_le<std::uint16_t>(bytes, end + 8) != dir.entries) {
        fail(source, ": multi-disk (split) zip archives are not supported");
    }
    if (dir.offset > end || end - dir.offset < dir.size) {
        fail(source, ": corrupt zip archive (central directory at ", dir.offset, " + ", dir.size,
             " bytes overlaps the end record at ", end, ")");
    }
    return dir;
}

// One member as the central directory describes it.
struct CentralEntry {
    std::string name;
    std::uint16_t flags;
    std::uint16_t method;
    std::uint32_t crc;
    std::size_t compressed;
    std::size_t size;
    std::size_t local;   // offset of its local header
    std::size_t length;  // of this directory entry, name and extra fields included
};

// Entry `index`, starting at `pos` inside the directory.
inline CentralEntry read_central_entry(std::string_view bytes, std::string_view source,
                                       const CentralDirectory& dir, std::size_t pos,
                                       std::size_t index) {
    if (dir.end() - pos < zip::central_header_size ||
        read_le<std::uint32_t>(bytes, pos) != zip::central_header_signature) {
        fail(source, ": corrupt zip archive (bad central directory entry ", index, ")");
    }
    const std::size_t name_length = read_le<std::uint16_t>(bytes, pos + 28);
    const std::size_t length = zip::central_header_size + name_length +
                               read_le<std::uint16_t>(bytes, pos + 30) +
                               read_le<std::uint16_t>(bytes, pos + 32);
    if (dir.end() - pos < length) {
        fail(source, ": corrupt zip archive (central directory entry ", index, " is truncated)");
    }
    return {.name = std::string(bytes.substr(pos + zip::central_header_size, name_length)),
            .flags = read_le<std::uint16_t>(bytes, pos + 8),
            .method = read_le<std::uint16_t>(bytes, pos + 10),
            .crc = read_le<std::uint32_t>(bytes, pos + 16),
            .compressed = read_le<std::uint32_t>(bytes, pos + 20),
            .size = read_le<std::uint32_t>(bytes, pos + 24),
            .local = read_le<std::uint32_t>(bytes, pos + 42),
            .length = length};
}

// Only what np.savez writes: plain, unencrypted, STORED members.
inline void check_stored(const CentralEntry& entry, const std::string& member) {
    if (entry.compressed == zip::max32 || entry.size == zip::max32 || entry.local == zip::max32) {
        fail(member, ": zip64 entries are not supported");
    }
    if (entry.flags & zip::flag_encrypted) fail(member, ": encrypted members are not supported");
    if (entry.method == zip::method_deflate) {
        fail(member,
             " is compressed (deflate); xtnn reads only np.savez archives, "
             "not np.savez_compressed ones");
    }
    if (entry.method != zip::method_stored) {
        fail(member, ": unsupported zip compression method ", entry.method);
    }
    if (entry.compressed != entry.size) {
        fail(member, ": corrupt (stored member with compressed size ", entry.compressed,
             " != size ", entry.size, ")");
    }
}

// The member's bytes, found through its local header and checked against its
// CRC. Members must follow each other without overlap, as every zip writer
// stores them: otherwise a small crafted archive could make many entries point
// at one large array and have it decoded (and allocated) once per entry.
// `previous_end` is where the previous member ended; it moves past this one.
inline std::string_view member_data(std::string_view bytes, const CentralDirectory& dir,
                                    const CentralEntry& entry, const std::string& member,
                                    std::size_t& previous_end) {
    const std::size_t local = entry.local;
    // Sizes come from the central directory: the local header may hold
    // placeholders (NumPy writes zip64 extra fields there).
    if (local > dir.offset || dir.offset - local < zip::local_header_size ||
        read_le<std::uint32_t>(bytes, local) != zip::local_header_signature) {
        fail(member, ": corrupt (no local header at offset ", local, ")");
    }
    const std::size_t local_name_length = read_le<std::uint16_t>(bytes, local + 26);
    const std::size_t data_start = local + zip::local_header_size + local_name_length +
                                   read_le<std::uint16_t>(bytes, local + 28);
    if (data_start > dir.offset || dir.offset - data_start < entry.size) {
        fail(member, ": truncated data (needs ", entry.size, " bytes at offset ", data_start,
             ", the member area ends at ", dir.offset, ")");
    }
    if (local < previous_end) {
        fail(member, ": corrupt (its local header at offset ", local,
             " overlaps the previous member, which ends at ", previous_end, ")");
    }
    previous_end = data_start + entry.size;
    const std::string_view local_name = bytes.substr(local + zip::local_header_size, local_name_length);
    if (local_name != entry.name) {
        fail(member, ": corrupt (local header names '", local_name, "')");
    }
    const std::string_view data = bytes.substr(data_start, entry.size);
    const std::uint32_t actual_crc = crc32(data);
    if (actual_crc != entry.crc) {
        fail(member, ": CRC-32 mismatch (stored 0x", std::hex, entry.crc, ", computed 0x", actual_crc,
             "); the archive is corrupt");
    }
    return data;
}

// "<key>" of member "<key>.npy", new in the archive.
inline std::string array_key(const std::string& name, const std::string& member,
                             const std::vector<std::pair<std::string, NpyArray>>& arrays) {
    if (!name.ends_with(".npy")) fail(member, ": not a .npy array");
    std::string key = name.substr(0, name.size() - 4);
    if (std::any_of(arrays.begin(), arrays.end(), [&](const auto& a) { return a.first == key; })) {
        fail(member, ": duplicate array name '", key, "'");
    }
    return key;
}

}  // namespace detail

// `source` names the bytes' origin in every message.
inline NpzArchive parse_npz(std::string_view bytes, std::string_view source) {
    const detail::CentralDirectory dir = detail::read_central_directory(bytes, source);
    std::vector<std::pair<std::string, NpyArray>> arrays;
    std::size_t pos = dir.offset;
    std::size_t previous_end = 0;
    for (std::size_t i = 0; i < dir.entries; ++i) {
        const detail::CentralEntry entry = detail::read_central_entry(bytes, source, dir, pos, i);
        pos += entry.length;
        const std::string member = detail::concat(source, " member '", entry.name, "'");
        detail::check_stored(entry, member);
        const std::string_view data = detail::member_data(bytes, dir, entry, member, previous_end);
        std::string key = detail::array_key(entry.name, member, arrays);
        arrays.emplace_back(std::move(key), parse_npy(data, member));
    }
    return NpzArchive(std::string(source), std::move(arrays));
}

inline NpzArchive read_npz(const std::filesystem::path& path) {
    return parse_npz(read_file(path), path.string());
}

}  // namespace xtnn
