#pragma once
// A small command-line parser for the example programs: --name value pairs and
// --flag switches, with a usage text and clear errors for unknown options.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fail.hpp"

namespace cli {

// Thrown for -h/--help, so main can print the usage once (on one MPI rank) and
// return normally, running destructors, instead of exiting mid-parse. Not a
// std::exception: a handler for errors does not catch it.
struct HelpRequested {
    std::string usage;
};

class Args {
public:
    Args(int argc, char** argv, std::string usage) : usage_(std::move(usage)) {
        for (int i = 1; i < argc; ++i) {
            std::string arg = argv[i];
            if (arg == "-h" || arg == "--help") throw HelpRequested{usage_};
            if (!arg.starts_with("--")) paper::fail("unexpected argument '", arg, "'\n", usage_);
            if (i + 1 < argc && !std::string(argv[i + 1]).starts_with("--")) {
                values_[arg] = argv[++i];
            } else {
                values_[arg] = "";
            }
        }
    }

    template <class T>
    T get(const std::string& name, T fallback) {
        known_.push_back(name);
        auto it = values_.find(name);
        if (it == values_.end()) return fallback;
        std::istringstream in(it->second);
        T value{};
        if (!(in >> value) || !in.eof()) {
            paper::fail("option ", name, ": cannot read '", it->second, "'\n", usage_);
        }
        return value;
    }

    std::string get(const std::string& name, const std::string& fallback) {
        known_.push_back(name);
        auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second;
    }

    bool flag(const std::string& name) {
        known_.push_back(name);
        auto it = values_.find(name);
        if (it != values_.end() && !it->second.empty()) {
            paper::fail("option ", name, " takes no value\n", usage_);
        }
        return it != values_.end();
    }

    // Call after every get/flag: rejects options nobody asked for.
    void finish() const {
        for (const auto& [name, value] : values_) {
            if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
                paper::fail("unknown option ", name, "\n", usage_);
            }
        }
    }

private:
    std::string usage_;
    std::map<std::string, std::string> values_;
    std::vector<std::string> known_;
};

// main's handlers for the example programs: --help prints the usage (ending in a
// newline); an error is one line on stderr, "<program>: <message>", and exit status 1.
template <class Body>
int run_main(const char* program, Body&& body) {
    try {
        body();
        return 0;
    } catch (const HelpRequested& help) {
        std::fputs(help.usage.c_str(), stdout);
        if (!help.usage.ends_with('\n')) std::fputc('\n', stdout);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return 1;
    }
}

}  // namespace cli
