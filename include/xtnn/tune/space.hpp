#pragma once
// SearchSpace: the hyperparameters of a search, written in C++, and the
// seeded sampling of one configuration per trial.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/random.hpp"
#include "config.hpp"

namespace xtnn::tune {

enum class Scale { linear, log };

/// One hyperparameter: a real range, an integer range or a list of choices.
struct Dimension {
    enum class Kind { uniform, log_uniform, integer, log_integer, choice };
    std::string name;
    Kind kind = Kind::uniform;
    double low = 0, high = 0;  // ranges (integers too: exactly representable)
    std::vector<Value> choices;

    Value sample(Rng& rng) const {
        switch (kind) {
            case Kind::uniform: return rng.uniform(low, high);
            case Kind::log_uniform: return std::exp(rng.uniform(std::log(low), std::log(high)));
            case Kind::integer:
                return static_cast<std::int64_t>(low) +
                       static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(high - low) + 1));
            case Kind::log_integer: {
                // Log-uniform over [low, high + 1), floored: every integer gets the
                // share of the log axis its unit interval covers.
                const double x = std::exp(rng.uniform(std::log(low), std::log(high + 1)));
                return static_cast<std::int64_t>(std::clamp(std::floor(x), low, high));
            }
            case Kind::choice: return choices[rng.below(choices.size())];
        }
        return 0.0;
    }

    /// "log_uniform(0.0001, 0.01)": how results files recognise their study.
    std::string describe() const {
        const auto range = [&](const char* what) {
            return concat_text(what, "(", Value(low).to_string(), ", ", Value(high).to_string(), ")");
        };
        switch (kind) {
            case Kind::uniform: return range("uniform");
            case Kind::log_uniform: return range("log_uniform");
            case Kind::integer:
                return concat_text("integer(", Value(static_cast<std::int64_t>(low)).to_string(), ", ",
                                   Value(static_cast<std::int64_t>(high)).to_string(), ")");
            case Kind::log_integer:
                return concat_text("log_integer(", Value(static_cast<std::int64_t>(low)).to_string(), ", ",
                                   Value(static_cast<std::int64_t>(high)).to_string(), ")");
            case Kind::choice: break;
        }
        std::string text = "choice(";
        for (std::size_t i = 0; i < choices.size(); ++i) text += (i ? " | " : "") + choices[i].to_string();
        return text + ")";
    }

private:
    template <class... Parts>
    static std::string concat_text(const Parts&... parts) {
        return (std::string{} + ... + std::string(parts));
    }
};

class SearchSpace {
public:
    /// Uniform over [low, high).
    SearchSpace& uniform(std::string name, double low, double high) {
        return add_range(std::move(name), Dimension::Kind::uniform, low, high);
    }
    /// Log-uniform over [low, high): as likely in [1e-4, 1e-3) as in [1e-3, 1e-2).
    SearchSpace& log_uniform(std::string name, double low, double high) {
        if (!(low > 0)) detail::fail("SearchSpace: '", name, "': a log_uniform range needs low > 0, got ", low);
        return add_range(std::move(name), Dimension::Kind::log_uniform, low, high);
    }
    /// An integer in [low, high], both included; Scale::log draws it log-uniformly (low >= 1).
    SearchSpace& integer(std::string name, std::int64_t low, std::int64_t high, Scale scale = Scale::linear) {
        constexpr std::int64_t limit = std::int64_t{1} << 52;  // exact as a double
        if (low > high) detail::fail("SearchSpace: '", name, "': integer range [", low, ", ", high, "] is empty");
        if (low < -limit || high > limit) detail::fail("SearchSpace: '", name, "': integer bounds beyond ±2^52");
        if (scale == Scale::log && low < 1) {
            detail::fail("SearchSpace: '", name, "': a log-scaled integer range needs low >= 1, got ", low);
        }
        Dimension d{.name = std::move(name),
                    .kind = scale == Scale::log ? Dimension::Kind::log_integer : Dimension::Kind::integer,
                    .low = static_cast<double>(low),
                    .high = static_cast<double>(high),
                    .choices = {}};
        return add(std::move(d));
    }
    /// One of `options`, each equally likely; all of one kind (numbers or strings).
    SearchSpace& choice(std::string name, std::vector<Value> options) {
        if (options.empty()) detail::fail("SearchSpace: '", name, "': a choice needs at least one option");
        for (const Value& v : options) {
            if (v.kind() != options.front().kind()) {
                detail::fail("SearchSpace: '", name, "': the options mix ", kind_name(options.front().kind()), " (",
                             options.front().to_string(), ") and ", kind_name(v.kind()), " (", v.to_string(), ")");
            }
            if (v.kind() == ValueKind::real && !std::isfinite(v.real())) {
                detail::fail("SearchSpace: '", name, "': option ", v.real(), " is not finite");
            }
            if (v.kind() == ValueKind::text) check_text(detail::concat("'", name, "': option"), v.text());
        }
        Dimension d{.name = std::move(name),
                    .kind = Dimension::Kind::choice,
                    .low = 0,
                    .high = 0,
                    .choices = std::move(options)};
        return add(std::move(d));
    }

    bool empty() const { return dimensions_.empty(); }
    std::size_t size() const { return dimensions_.size(); }
    const std::vector<Dimension>& dimensions() const { return dimensions_; }

    /// The configuration of trial `trial` of a study seeded with `seed`: it
    /// depends on nothing else (not on the order trials run in, nor on threads).
    Config sample(std::uint64_t seed, std::size_t trial) const {
        if (empty()) detail::fail("SearchSpace: the space is empty; add at least one hyperparameter");
        Rng rng(derive_seed(derive_seed(seed, 0), trial));
        Config config;
        for (const Dimension& d : dimensions_) config.set(d.name, d.sample(rng));
        return config;
    }

    /// "lr: log_uniform(0.0001, 0.01); width: integer(16, 256)"
    std::string describe() const {
        std::string text;
        for (const Dimension& d : dimensions_) text += (text.empty() ? "" : "; ") + d.name + ": " + d.describe();
        return text;
    }

private:
    SearchSpace& add_range(std::string name, Dimension::Kind kind, double low, double high) {
        if (!(std::isfinite(low) && std::isfinite(high) && low < high)) {
            detail::fail("SearchSpace: '", name, "': range [", low, ", ", high, ") must be finite with low < high");
        }
        return add(Dimension{.name = std::move(name), .kind = kind, .low = low, .high = high, .choices = {}});
    }

    SearchSpace& add(Dimension d) {
        check_text("a hyperparameter name", d.name);
        if (d.name.empty()) detail::fail("SearchSpace: a hyperparameter name is empty");
        for (const Dimension& known : dimensions_) {
            if (known.name == d.name) detail::fail("SearchSpace: hyperparameter '", d.name, "' is defined twice");
        }
        dimensions_.push_back(std::move(d));
        return *this;
    }

    // Names and strings end up in CSV cells and Markdown tables: control
    // characters, quotes, commas and bars would need escaping everywhere.
    static void check_text(std::string_view what, std::string_view text) {
        for (const char c : text) {
            if (static_cast<unsigned char>(c) < 0x20 || c == ',' || c == '"' || c == '|' || c == ';') {
                detail::fail("SearchSpace: ", what, " '", text,
                             "' contains a control character, comma, quote, bar or semicolon");
            }
        }
    }

    std::vector<Dimension> dimensions_;
};

}  // namespace xtnn::tune
