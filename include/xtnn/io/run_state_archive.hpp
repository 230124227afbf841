#pragma once
// Run state (core/run_state.hpp) as arrays of an .npz archive: every field is
// one array named "<prefix><scope><name>". Integers are int64 arrays (64-bit
// words bit for bit), doubles and floats float64/float32 arrays, text uint8.
// RunStateWriter adds them to an NpzWriter; RunStateReader restores them from
// an NpzArchive, or only checks them first (`Mode::check`), collecting every
// problem, so that a restore can refuse a backup before it changes anything.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/run_state.hpp"
#include "npz.hpp"

namespace xtnn {

class RunStateWriter final : public RunStateVisitor {
public:
    using RunStateVisitor::field;

    RunStateWriter(NpzWriter& out, std::string prefix) : out_(out), prefix_(std::move(prefix)) {}

    void field(std::string_view name, std::span<std::uint64_t> words, std::uint64_t) override {
        std::vector<std::int64_t> bits(words.begin(), words.end());
        out_.add(path(name), bits.data(), {bits.size()});
    }
    void field(std::string_view name, double& value) override { out_.add(path(name), &value, {1}); }
    void field(std::string_view name, std::string& text) override {
        out_.add(path(name), reinterpret_cast<const std::uint8_t*>(text.data()), {text.size()});
    }
    void field(std::string_view name, std::vector<float>& values) override { add(name, values); }
    void field(std::string_view name, std::vector<double>& values) override { add(name, values); }
    bool restoring() const override { return false; }

private:
    std::string path(std::string_view name) const { return prefix_ + key(name); }
    template <class T>
    void add(std::string_view name, const std::vector<T>& values) {
        out_.add(path(name), values.data(), {values.size()});
    }

    NpzWriter& out_;
    std::string prefix_;
};

class RunStateReader final : public RunStateVisitor {
public:
    enum class Mode { check, restore };
    using RunStateVisitor::field;

    // In check mode nothing is written and problems() collects what is wrong;
    // in restore mode the first problem throws (after a clean check it cannot happen).
    RunStateReader(const NpzArchive& archive, std::string prefix, Mode mode)
        : archive_(archive), prefix_(std::move(prefix)), mode_(mode) {}

    void field(std::string_view name, std::span<std::uint64_t> words, std::uint64_t max) override {
        const NpyArray* array = find(name, DType::int64, words.size());
        if (array == nullptr) return;
        const auto bits = array->values<std::int64_t>();
        for (std::size_t i = 0; i < bits.size(); ++i) {
            if (static_cast<std::uint64_t>(bits[i]) > max) {
                return problem(detail::concat("'", path(name), "' holds ", static_cast<std::uint64_t>(bits[i]),
                                              " at index ", i, ", above its limit ", max));
            }
        }
        if (mode_ == Mode::restore) std::copy(bits.begin(), bits.end(), words.begin());
    }
    void field(std::string_view name, double& value) override {
        if (const NpyArray* array = find(name, DType::float64, 1); array && mode_ == Mode::restore) {
            array->copy_values(std::span(&value, 1));
        }
    }
    void field(std::string_view name, std::string& text) override {
        if (const NpyArray* array = find(name, DType::uint8); array && mode_ == Mode::restore) {
            const auto bytes = array->values<std::uint8_t>();
            text.assign(bytes.begin(), bytes.end());
        }
    }
    void field(std::string_view name, std::vector<float>& values) override { read(name, values); }
    void field(std::string_view name, std::vector<double>& values) override { read(name, values); }
    bool restoring() const override { return mode_ == Mode::restore; }

    const std::vector<std::string>& problems() const { return problems_; }
    /// Every array name asked for, found or not.
    const std::vector<std::string>& visited() const { return visited_; }

private:
    std::string path(std::string_view name) const { return prefix_ + key(name); }

    void problem(std::string text) {
        if (mode_ == Mode::restore) detail::fail(archive_.source(), ": ", text);
        problems_.push_back(std::move(text));
    }

    // The array for `name` if it is there with this dtype (and element count, when given).
    const NpyArray* find(std::string_view name, DType dtype, std::size_t count = SIZE_MAX) {
        const std::string full = path(name);
        visited_.push_back(full);
        if (!archive_.contains(full)) {
            problem(detail::concat("missing '", full, "'"));
            return nullptr;
        }
        const NpyArray& array = archive_.get(full);
        if (array.dtype != dtype || array.rank() != 1) {
            problem(detail::concat("'", full, "' is ", dtype_name(array.dtype), " of rank ", array.rank(),
                                   ", expected a vector of ", dtype_name(dtype)));
            return nullptr;
        }
        if (count != SIZE_MAX && array.size() != count) {
            problem(detail::concat("'", full, "' holds ", array.size(), " values, expected ", count));
            return nullptr;
        }
        return &array;
    }

    template <class T>
    void read(std::string_view name, std::vector<T>& values) {
        if (const NpyArray* array = find(name, dtype_of<T>); array && mode_ == Mode::restore) {
            values.resize(array->size());
            array->copy_values(std::span(values));
        }
    }

    const NpzArchive& archive_;
    std::string prefix_;
    Mode mode_;
    std::vector<std::string> problems_;
    std::vector<std::string> visited_;
};

}  // namespace xtnn
