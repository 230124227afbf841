#pragma once
// A run's result as bytes and back, so that reproduce_paper_mpi can send what a
// rank computed to rank 0. Fields are written in a fixed order at their native
// width and byte order: every rank of a job runs the same binary on machines of
// one kind, and nothing outlives the job.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "experiment.hpp"
#include "fail.hpp"

namespace paper {

class ByteWriter {
public:
    template <class T>
        requires std::is_arithmetic_v<T>
    void put(T value) {
        append(&value, sizeof value);
    }

    void put(const std::string& text) {
        put<std::uint64_t>(text.size());
        append(text.data(), text.size());
    }

    const std::string& bytes() const { return bytes_; }

private:
    void append(const void* data, std::size_t size) { bytes_.append(static_cast<const char*>(data), size); }

    std::string bytes_;
};

class ByteReader {
public:
    explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

    template <class T>
        requires std::is_arithmetic_v<T>
    T get() {
        T value;
        std::memcpy(&value, take(sizeof value), sizeof value);
        return value;
    }

    std::string get_string() {
        const auto size = get<std::uint64_t>();
        return std::string(take(size), size);
    }

    bool done() const { return bytes_.empty(); }

private:
    const char* take(std::size_t size) {
        if (size > bytes_.size()) fail("result bytes: ", size, " wanted, ", bytes_.size(), " left");
        const char* data = bytes_.data();
        bytes_.remove_prefix(size);
        return data;
    }

    std::string_view bytes_;
};

// `index`: the run's place in Study::runs, the same on every rank.
inline void write_result(ByteWriter& out, std::size_t index, const RunResult& r) {
    out.put<std::uint64_t>(index);
    out.put(r.train_accuracy);
    out.put(r.val_accuracy);
    out.put(r.test_accuracy);
    out.put<std::uint64_t>(r.epochs_run);
    out.put<std::uint64_t>(r.best_epoch);
    out.put(r.seconds);
    out.put(r.stop);
    out.put<std::uint64_t>(r.hidden_labels.size());
    for (std::int64_t label : r.hidden_labels) out.put(label);
}

inline std::pair<std::size_t, RunResult> read_result(ByteReader& in) {
    const auto index = static_cast<std::size_t>(in.get<std::uint64_t>());
    RunResult r;
    r.train_accuracy = in.get<double>();
    r.val_accuracy = in.get<double>();
    r.test_accuracy = in.get<double>();
    r.epochs_run = static_cast<std::size_t>(in.get<std::uint64_t>());
    r.best_epoch = static_cast<std::size_t>(in.get<std::uint64_t>());
    r.seconds = in.get<double>();
    r.stop = in.get_string();
    r.hidden_labels.resize({static_cast<std::size_t>(in.get<std::uint64_t>())});
    for (std::int64_t& label : r.hidden_labels) label = in.get<std::int64_t>();
    return {index, std::move(r)};
}

}  // namespace paper
