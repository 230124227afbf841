#pragma once
// A parameter as a constant of an exported graph (core/graph_sink.hpp), named
// by its dotted name ("0.1.kernel") so the file reads like the checkpoint.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../core/graph_sink.hpp"
#include "param.hpp"

namespace xtnn {

// `dims` reshapes the parameter's rows x cols values (same count) for the graph.
template <Real T>
std::string graph_parameter(GraphSink& graph, const Param<T>& param, std::vector<std::int64_t> dims) {
    return graph.constant(param.name(), std::move(dims), param.values());
}

}  // namespace xtnn
