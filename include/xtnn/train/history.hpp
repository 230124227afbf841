#pragma once
// What fit returns: one log line per epoch, and why training stopped.
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "../core/error.hpp"

namespace xtnn {

struct EpochLog {
    std::size_t epoch = 0;  // 1-based
    double loss = std::numeric_limits<double>::quiet_NaN();
    double val_loss = std::numeric_limits<double>::quiet_NaN();
    // "accuracy", "val_accuracy", "val_auc", ...: whatever fit measured.
    std::map<std::string, double, std::less<>> metrics;
    double learning_rate = 0;
    double seconds = 0;

    // Looks up "loss", "val_loss" or a metric name; throws naming the known ones.
    double get(std::string_view name) const {
        if (name == "loss") return loss;
        if (name == "val_loss") return val_loss;
        if (name == "learning_rate") return learning_rate;
        if (name == "seconds") return seconds;
        if (auto it = metrics.find(name); it != metrics.end()) return it->second;
        std::string known = "loss, val_loss, learning_rate, seconds";
        for (const auto& [key, value] : metrics) known += ", " + key;
        detail::fail("no quantity named '", name, "' in the epoch log; known: ", known);
    }
};

struct History {
    std::vector<EpochLog> epochs;
    std::string stop_reason;       // empty when the epoch budget ran out
    bool diverged = false;         // a training loss became NaN or infinite
    std::size_t best_epoch = 0;    // set by EarlyStopping (1-based; 0: not tracked)

    std::size_t size() const { return epochs.size(); }
    const EpochLog& back() const { return epochs.back(); }

    // One quantity across epochs, e.g. history.series("val_loss").
    std::vector<double> series(std::string_view name) const {
        std::vector<double> values;
        values.reserve(epochs.size());
        for (const auto& e : epochs) values.push_back(e.get(name));
        return values;
    }
};

}  // namespace xtnn
