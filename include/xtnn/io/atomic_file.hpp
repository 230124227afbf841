#pragma once
// Whole-file reads and crash-safe whole-file writes. A save either leaves the
// complete new file or the untouched old one, never a torn mix: the bytes go
// to a temporary file in the same directory (rename is only atomic within one
// file system), are fsync'ed, and the temporary is then renamed over the target.
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.hpp"

namespace xtnn {
namespace detail {

inline std::string os_reason(int errnum) {
    return std::error_code(errnum, std::generic_category()).message();
}

// Closes a POSIX descriptor on every path out of a scope.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() { close(); }

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }

    // Returns 0 or the errno of a failed close (which can report a lost write).
    int close() noexcept {
        if (fd_ < 0) return 0;
        const int result = ::close(fd_);
        fd_ = -1;
        return result == 0 ? 0 : errno;
    }

private:
    int fd_;
};

// Returns 0 or errno; retries short writes and interrupted calls.
inline int write_all(int fd, std::string_view bytes) noexcept {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return 0;
}

// Opens a fresh temporary next to `target`. Mode 0666 lets the umask decide
// the permissions, as for any newly created file (mkstemp would force 0600).
inline std::filesystem::path create_temporary_beside(const std::filesystem::path& target, int& fd) {
    static std::atomic<unsigned long> counter{0};
    for (;;) {
        std::filesystem::path temporary = target;
        temporary += concat(".tmp.", ::getpid(), ".", counter++);
        fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return temporary;
    }
}

// A writer killed mid-save leaves its temporary behind. The next save of the
// same file removes those whose writer, the pid in the name, no longer runs on
// this host; a live process's temporary (another writer's, or one of this
// process's threads') is never touched. Best effort: the save has already
// succeeded, so nothing here may fail it.
inline void remove_stale_temporaries(const std::filesystem::path& target) noexcept {
    try {
        const std::string prefix = target.filename().string() + ".tmp.";
        std::filesystem::path directory = target.parent_path();
        if (directory.empty()) directory = ".";
        std::error_code ec;
        for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (!name.starts_with(prefix)) continue;
            const std::string_view rest = std::string_view(name).substr(prefix.size());  // "<pid>.<counter>"
            const std::size_t dot = rest.find('.');
            const auto digits = [](std::string_view text) {
                return !text.empty() && text.size() < 10 &&
                       text.find_first_not_of("0123456789") == std::string_view::npos;
            };
            if (dot == std::string_view::npos || !digits(rest.substr(0, dot)) || !digits(rest.substr(dot + 1))) {
                continue;
            }
            const auto pid = static_cast<pid_t>(std::stol(std::string(rest.substr(0, dot))));
            if (pid <= 0 || pid == ::getpid()) continue;
            if (::kill(pid, 0) != 0 && errno == ESRCH) ::unlink(it->path().c_str());
        }
    } catch (...) {
    }
}

}  // namespace detail

inline void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
    // The rename would replace a device or pipe by a regular file (for root
    // even /dev/null); a directory in the way makes the rename itself fail.
    struct stat existing {};
    if (::stat(path.c_str(), &existing) == 0 && !S_ISREG(existing.st_mode) &&
        !S_ISDIR(existing.st_mode)) {
        detail::fail("cannot write '", path.string(),
                     "': it is a device, pipe or socket, not a regular file (it is never replaced)");
    }
    int raw_fd = -1;
    const std::filesystem::path temporary = detail::create_temporary_beside(path, raw_fd);
    detail::FileDescriptor file(raw_fd);
    if (!file.valid()) {
        detail::fail("cannot write '", path.string(), "': cannot create temporary file '",
                     temporary.string(), "': ", detail::os_reason(errno));
    }
    const auto give_up = [&](std::string_view step, int errnum) {
        file.close();
        ::unlink(temporary.c_str());
        detail::fail("cannot write '", path.string(), "': ", step, ": ", detail::os_reason(errnum));
    };
    if (const int err = detail::write_all(file.get(), bytes)) give_up("write failed", err);
    if (::fsync(file.get()) != 0) give_up("fsync failed", errno);
    if (const int err = file.close()) give_up("close failed", err);
    if (::rename(temporary.c_str(), path.c_str()) != 0) give_up("rename failed", errno);

    // Makes the new directory entry itself durable. The file is already in
    // place, so a failure here is not worth reporting as a failed save.
    std::filesystem::path directory = path.parent_path();
    if (directory.empty()) directory = ".";
    detail::FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.valid()) ::fsync(dir.get());
    detail::remove_stale_temporaries(path);
}

inline std::string read_file(const std::filesystem::path& path) {
    detail::FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) {
        detail::fail("cannot read '", path.string(), "': ", detail::os_reason(errno));
    }
    struct stat info {};
    if (::fstat(file.get(), &info) != 0) {
        detail::fail("cannot read '", path.string(), "': ", detail::os_reason(errno));
    }
    if (S_ISDIR(info.st_mode)) {
        detail::fail("cannot read '", path.string(), "': it is a directory, not a file");
    }
    std::string bytes;
    if (info.st_size > 0) bytes.reserve(static_cast<std::size_t>(info.st_size));
    char buffer[1 << 16];
    for (;;) {
        const ssize_t got = ::read(file.get(), buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR) continue;
            detail::fail("cannot read '", path.string(), "': ", detail::os_reason(errno));
        }
        if (got == 0) return bytes;
        bytes.append(buffer, static_cast<std::size_t>(got));
    }
}

}  // namespace xtnn
