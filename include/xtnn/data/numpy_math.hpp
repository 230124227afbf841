#pragma once
// NumPy's linspace, percentile (default "linear" method) and interp: the
// arithmetic scikit-learn's KBinsDiscretizer and QuantileTransformer are built
// on. Each follows NumPy's order of operations, so fitted edges, quantiles and
// transformed values agree with scikit-learn's to the last bit where the
// arithmetic allows.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "../core/tensor.hpp"

namespace xtnn::detail {

// One column of X, in double and sorted ascending.
template <Real T>
std::vector<double> sorted_column(const Tensor<T>& X, std::size_t column) {
    const std::size_t rows = X.shape(0);
    const std::size_t stride = X.shape(1);
    std::vector<double> values(rows);
    for (std::size_t r = 0; r < rows; ++r) values[r] = static_cast<double>(X.data()[r * stride + column]);
    std::sort(values.begin(), values.end());
    return values;
}

// numpy.linspace(start, stop, count) with count >= 2: start + k * step, and
// exactly `stop` last.
inline std::vector<double> linspace(double start, double stop, std::size_t count) {
    const double step = (stop - start) / static_cast<double>(count - 1);
    std::vector<double> values(count);
    for (std::size_t k = 0; k < count; ++k) values[k] = static_cast<double>(k) * step + start;
    values.back() = stop;
    return values;
}

// numpy.percentile(sorted, percent) for a non-empty sorted column: linear
// interpolation at the virtual index (n - 1) * percent / 100, computed from the
// nearer end point as NumPy's _lerp does.
inline double percentile_of_sorted(const std::vector<double>& sorted, double percent) {
    const std::size_t last = sorted.size() - 1;
    const double virtual_index = static_cast<double>(last) * (percent / 100.0);
    const double below = std::floor(virtual_index);
    const std::size_t previous = std::min(static_cast<std::size_t>(std::max(below, 0.0)), last);
    const std::size_t next = std::min(previous + 1, last);
    const double t = virtual_index - below;
    const double difference = sorted[next] - sorted[previous];
    return t >= 0.5 ? sorted[next] - difference * (1.0 - t) : sorted[previous] + difference * t;
}

// numpy.interp(x, xs, ys) for n >= 2 points with nondecreasing xs, given as
// accessors k -> value: the end values beyond the range, else the line from the
// last point with xs(j) <= x to the next one (exactly ys(j) on a point).
template <class Xs, class Ys>
double interp(double x, std::size_t n, const Xs& xs, const Ys& ys) {
    if (x < xs(0)) return ys(0);
    if (x >= xs(n - 1)) return ys(n - 1);
    std::size_t j = 0;  // xs(j) <= x < xs(above) throughout
    std::size_t above = n - 1;
    while (above - j > 1) {
        const std::size_t middle = j + (above - j) / 2;
        if (xs(middle) <= x) j = middle;
        else above = middle;
    }
    if (xs(j) == x) return ys(j);
    const double slope = (ys(j + 1) - ys(j)) / (xs(j + 1) - xs(j));
    return slope * (x - xs(j)) + ys(j);
}

}  // namespace xtnn::detail
