#pragma once
// results.csv: one row per run of the study (model × n × lr × seed), for
// anyone who wants to redo the tables or plots their own way.
#include <cstdio>
#include <filesystem>
#include <string>

#include <xtnn/io/atomic_file.hpp>

#include "study.hpp"

namespace paper {

// RFC 4180 quoting, for fields such as "generated, seed 42".
inline std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

inline void write_results_csv(const Study& study, const std::filesystem::path& path) {
    std::string text =
        "model,n,data,lr,seed,train_accuracy,val_accuracy,test_accuracy,epochs,best_epoch,stop,seconds\n";
    for (const auto& run : study.runs) {
        const RunConfig& c = run.config;
        const RunResult& r = run.result;
        char numbers[256];
        std::snprintf(numbers, sizeof numbers, "%g,%llu,%.6f,%.6f,%.6f,%zu,%zu,%s,%.2f", c.learning_rate,
                      static_cast<unsigned long long>(c.seed), r.train_accuracy, r.val_accuracy, r.test_accuracy,
                      r.epochs_run, r.best_epoch, r.stop.c_str(), r.seconds);
        text += c.model + "," + std::to_string(c.n) + "," + csv_field(study.set(c.n).origin) + "," + numbers + "\n";
    }
    xtnn::write_file_atomically(path, text);
}

}  // namespace paper
