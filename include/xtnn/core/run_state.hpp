#pragma once
// Run state: what a training run needs, beyond its weights and optimizer, to
// continue after a restart exactly as if it had never stopped (BackupAndRestore).
//
// Anything with such state (a callback's counters, a random stream, a module
// holding one) offers one hook,
//     void visit_run_state(RunStateVisitor& v);
// that calls v.field(name, member) for every member its future depends on and
// v.nested(name, part) for every part that has the hook itself. The same
// function serves saving (the visitor reads each member) and restoring (it
// writes them), so the two cannot drift apart. The set of names a hook visits
// must not depend on the values it restores; a part whose layout does (History)
// asks restoring() and rebuilds itself after its fields are read.
#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xtnn {

class RunStateVisitor {
public:
    virtual ~RunStateVisitor() = default;

    /// Integer words, each at most `max` (a restored value above it is refused).
    virtual void field(std::string_view name, std::span<std::uint64_t> words,
                       std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) = 0;
    virtual void field(std::string_view name, double& value) = 0;
    virtual void field(std::string_view name, std::string& text) = 0;
    /// Vectors of any length: a restore resizes them.
    virtual void field(std::string_view name, std::vector<float>& values) = 0;
    virtual void field(std::string_view name, std::vector<double>& values) = 0;
    /// True while writing members (restoring), false while reading them (saving).
    virtual bool restoring() const = 0;

    /// A count or a flag.
    template <std::unsigned_integral U>
    void field(std::string_view name, U& value) {
        std::uint64_t word = value;
        field(name, std::span(&word, 1), std::numeric_limits<U>::max());
        value = static_cast<U>(word);
    }

    /// Fixed-length 32-bit words (a random engine's state), as 64-bit ones.
    template <std::size_t N>
    void field(std::string_view name, std::span<std::uint32_t, N> words) {
        std::array<std::uint64_t, N> wide{};
        std::copy(words.begin(), words.end(), wide.begin());
        field(name, std::span<std::uint64_t>(wide), std::numeric_limits<std::uint32_t>::max());
        std::copy(wide.begin(), wide.end(), words.begin());
    }

    /// `part`'s fields, named "<name>.<field>"; `part` has visit_run_state or
    /// is a callable taking the visitor.
    template <class Part>
    void nested(std::string_view name, Part&& part) {
        const std::size_t outer = scope_.size();
        scope_.append(name).push_back('.');
        if constexpr (requires { part.visit_run_state(*this); }) part.visit_run_state(*this);
        else part(*this);
        scope_.resize(outer);
    }

    /// The full name of field `name` in the current scope.
    std::string key(std::string_view name) const { return scope_ + std::string(name); }

private:
    std::string scope_;
};

/// A type with run state (see above).
template <class X>
concept HasRunState = requires(X& x, RunStateVisitor& v) { x.visit_run_state(v); };

}  // namespace xtnn
