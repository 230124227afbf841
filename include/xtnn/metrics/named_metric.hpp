#pragma once
// The metrics fit can measure by name (FitOptions::metrics, "val_<name>" in the
// epoch log). The list is the tuple below: a metric's name is its name().
// Every one of them is a score, higher is better; Monitor's auto mode
// (callbacks/monitor.hpp) relies on that.
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "accuracy.hpp"
#include "auc.hpp"
#include "binary_scores.hpp"

namespace xtnn {

namespace detail {

using NamedMetrics = std::tuple<Accuracy, AUC, Precision, Recall, F1>;

// Calls `f` with a default-constructed instance of each named metric, in order.
template <class F>
void for_each_named_metric(F&& f) {
    std::apply([&](const auto&... metric) { (f(metric), ...); }, NamedMetrics{});
}

}  // namespace detail

/// Whether `name` is one of the metrics fit measures by name ("accuracy", "auc", ...).
inline bool is_named_metric(std::string_view name) {
    bool found = false;
    detail::for_each_named_metric([&](const auto& metric) { found = found || metric.name() == name; });
    return found;
}

/// "accuracy, auc, precision, recall, f1": the known names, for error messages and docs.
inline std::string named_metric_list() {
    std::string list;
    detail::for_each_named_metric([&](const auto& metric) {
        if (!list.empty()) list += ", ";
        list += metric.name();
    });
    return list;
}

/// Throws unless `name` is a named metric; `who` starts the message ("fit: ").
inline void check_metric_name(std::string_view name, std::string_view who) {
    if (!is_named_metric(name)) detail::fail(who, "unknown metric '", name, "'; known: ", named_metric_list());
}

/// The metric called `name`, with its default settings, of `pred` against `target`.
template <Real T>
double named_metric(std::string_view name, const Tensor<T>& pred, const Tensor<T>& target) {
    check_metric_name(name, "");
    double value = 0;
    detail::for_each_named_metric([&](const auto& metric) {
        if (metric.name() == name) value = metric(pred, target);
    });
    return value;
}

}  // namespace xtnn
