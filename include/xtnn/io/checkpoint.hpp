#pragma once
// save / load: every parameter and state array of a model, by its stable
// name, in an .npz archive numpy.load opens; optionally an optimizer's state
// ("optimizer.<name>") and a fitted scaler's ("scaler.<name>") alongside.
// Writes are atomic; a load that does not match the model (or holds a bad
// value for it or an extra) changes nothing and lists every mismatch.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../params/model_parameters.hpp"
#include "../params/optimizer_state.hpp"
#include "npz.hpp"

namespace xtnn {

namespace detail {

template <class X>
concept CheckpointScaler = requires(const X& x) { x.fitted(); };

}  // namespace detail

/// What save/load accept besides the model: an optimizer's state or a fitted
/// scaler (anything with visit_state and fitted(), as data/scaler.hpp's).
template <class X>
concept CheckpointExtra = OptimizerState<X> || detail::CheckpointScaler<X>;

namespace detail {

template <CheckpointExtra X>
std::string_view checkpoint_prefix() {
    if constexpr (OptimizerState<X>) return "optimizer.";
    else return "scaler.";
}

template <class X>
void add_extra(NpzWriter& writer, X& extra) {
    const std::string prefix(checkpoint_prefix<X>());
    extra.visit_state([&](std::string_view name, const auto& values) {
        writer.add(prefix + std::string(name), values.data(), {values.size()});
    });
    if constexpr (OptimizerState<X>) {
        const auto iterations = static_cast<std::int64_t>(extra.iterations());
        writer.add(prefix + "iterations", &iterations, {1});
    }
}

inline void require_float_dtype(const NpyArray& array, std::string_view name, std::string_view source) {
    if (array.dtype != DType::float32 && array.dtype != DType::float64) {
        fail(source, ": '", name, "' has dtype ", dtype_name(array.dtype),
             "; checkpoints hold float32 or float64");
    }
}

// Values read from a checkpoint must be finite and, where they are a mean of
// squares (a variance, Adam's v), not negative: that would turn into NaN at the
// first square root. Either is a corrupted or hand-edited file.
template <class T>
void check_loaded_values(std::span<const T> values, std::string_view key, std::string_view source,
                         bool nonnegative) {
    const auto bad = std::find_if(values.begin(), values.end(), [](T v) { return !std::isfinite(v); });
    if (bad != values.end()) {
        fail(source, ": '", key, "' holds a non-finite value at index ", bad - values.begin());
    }
    if (!nonnegative) return;
    const auto negative = std::find_if(values.begin(), values.end(), [](T v) { return v < T(0); });
    if (negative != values.end()) {
        fail(source, ": '", key, "' holds a negative value (", *negative, ") at index ", negative - values.begin(),
             "; it is a mean of squares and must be >= 0");
    }
}

template <class X>
void load_extra(const NpzArchive& archive, X& extra) {
    const std::string_view source = archive.source();
    const std::string prefix(checkpoint_prefix<X>());
    extra.visit_state([&](std::string_view name, auto& values) {
        const std::string key = prefix + std::string(name);
        if (!archive.contains(key)) fail(source, ": no '", key, "' in the checkpoint");
        const NpyArray& array = archive.get(key);
        require_float_dtype(array, key, source);
        values.resize(array.size());
        array.copy_values(std::span(values));
        bool nonnegative = false;
        if constexpr (requires { X::nonnegative_state; }) nonnegative = name == X::nonnegative_state;
        check_loaded_values(std::span(std::as_const(values)), key, source, nonnegative);
    });
    if constexpr (OptimizerState<X>) {
        const std::string key = prefix + "iterations";
        if (!archive.contains(key)) fail(source, ": no '", key, "' in the checkpoint");
        std::vector<std::int64_t> iterations(archive.get(key).size());
        if (iterations.size() != 1) fail(source, ": '", key, "' must hold one value");
        archive.get(key).copy_values(std::span(iterations));
        if (iterations[0] < 0) fail(source, ": '", key, "' is negative");
        extra.set_iterations(static_cast<std::uint64_t>(iterations[0]));
    }
}

}  // namespace detail

/// Adds what `save` writes to `writer`, for a file that holds more (a run's backup).
template <Model M, CheckpointExtra... Extras>
void add_checkpoint(NpzWriter& writer, M& model, Extras&... extras) {
    using T = value_type_t<M>;
    require_initialized(model, "save");
    model.visit_parameters([&](Param<T>& p) { writer.add(p.name(), p.data(), {p.rows(), p.cols()}); });
    (detail::add_extra(writer, extras), ...);
}

template <Model M, CheckpointExtra... Extras>
void save(M& model, const std::filesystem::path& path, Extras&... extras) {
    NpzWriter writer;
    add_checkpoint(writer, model, extras...);
    writer.save(path);
}

namespace detail {

// What keeps `archive` from loading into `model`: a missing, misshapen or
// non-float parameter, or an array that is neither a parameter nor an extra's.
template <Model M>
std::vector<std::string> checkpoint_problems(M& model, const NpzArchive& archive) {
    using T = value_type_t<M>;
    std::vector<std::string> problems;
    std::vector<std::string> expected;
    model.visit_parameters([&](Param<T>& p) {
        expected.push_back(p.name());
        if (!archive.contains(p.name())) {
            problems.push_back(concat("missing '", p.name(), "' (", p.rows(), " x ", p.cols(), ")"));
            return;
        }
        const NpyArray& a = archive.get(p.name());
        const bool shape_ok = (a.rank() == 2 && a.shape[0] == p.rows() && a.shape[1] == p.cols()) ||
                              (a.rank() == 1 && p.rows() == 1 && a.shape[0] == p.cols());
        if (!shape_ok) {
            problems.push_back(concat("'", p.name(), "' has shape ", shape_text(a.shape),
                                      " in the file, the model needs (", p.rows(), ", ", p.cols(), ")"));
        } else if (a.dtype != DType::float32 && a.dtype != DType::float64) {
            problems.push_back(concat("'", p.name(), "' has dtype ", dtype_name(a.dtype)));
        }
    });
    for (const std::string& name : archive.names()) {
        const bool known = std::find(expected.begin(), expected.end(), name) != expected.end();
        const bool extra = name.starts_with("optimizer.") || name.starts_with("scaler.");
        if (!known && !extra) problems.push_back(concat("unexpected '", name, "'"));
    }
    return problems;
}

// Throws "<source>: <what> (N problems):" and one line per problem, if there are any.
inline void fail_on_problems(std::string_view source, std::string_view what,
                             const std::vector<std::string>& problems) {
    if (problems.empty()) return;
    std::string message =
        concat(source, ": ", what, " (", problems.size(), " problem", problems.size() == 1 ? "" : "s", "):");
    for (const auto& p : problems) message += "\n  " + p;
    fail(message);
}

}  // namespace detail

// Loads what `save` wrote, from an archive already read (`read_npz`,
// `parse_npz`). Every parameter of the model must be in it with its shape
// (float32 and float64 both load into either type), and it must hold nothing
// else but the extras' state; otherwise nothing changes, the model and the
// extras included, and the error lists every mismatch.
template <Model M, CheckpointExtra... Extras>
void load(M& model, const NpzArchive& archive, Extras&... extras) {
    using T = value_type_t<M>;
    const std::string_view source = archive.source();
    detail::fail_on_problems(source, "the checkpoint does not match the model",
                             detail::checkpoint_problems(model, archive));
    // Convert everything into copies first, so a bad value leaves the model
    // and the extras untouched.
    std::size_t total = 0;
    model.visit_parameters([&](Param<T>& p) { total += p.size(); });
    std::vector<T> staged(total);
    std::size_t next = 0;
    model.visit_parameters([&](Param<T>& p) {
        const auto slot = std::span(staged).subspan(next, p.size());
        archive.get(p.name()).copy_values(slot);
        detail::check_loaded_values(std::span<const T>(slot), p.name(), source, p.nonnegative());
        next += p.size();
    });
    std::tuple<Extras...> staged_extras(extras...);
    std::apply([&](auto&... staged_extra) { (detail::load_extra(archive, staged_extra), ...); }, staged_extras);
    std::size_t at = 0;
    model.visit_parameters([&](Param<T>& p) {
        std::copy_n(staged.begin() + static_cast<std::ptrdiff_t>(at), p.size(), p.data());
        at += p.size();
        p.mark_initialized();
    });
    std::apply([&](auto&... staged_extra) { ((extras = std::move(staged_extra)), ...); }, staged_extras);
}

template <Model M, CheckpointExtra... Extras>
void load(M& model, const std::filesystem::path& path, Extras&... extras) {
    load(model, read_npz(path), extras...);
}

}  // namespace xtnn
