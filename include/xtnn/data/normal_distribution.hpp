#pragma once
// The standard normal distribution's CDF and quantile function (scipy's
// norm.cdf and norm.ppf), for QuantileTransformer's normal output.
#include <cmath>
#include <limits>
#include <numbers>

namespace xtnn::detail {

inline double standard_normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

// Lower tail only (0 < p <= 0.5): P. J. Acklam's rational approximation
// (relative error below 1.2e-9), then one Halley step on the CDF, which
// brings it to double precision. erfc keeps the tail's CDF accurate where
// 1 - p would cancel.
inline double lower_normal_quantile(double p) {
    constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                            1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                            6.680131188771972e+01,  -1.328068155288572e+01};
    constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                            -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                            3.754408661907416e+00};
    double x;
    if (p < 0.02425) {
        const double q = std::sqrt(-2.0 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else {
        const double q = p - 0.5;
        const double r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    }
    const double error = standard_normal_cdf(x) - p;
    const double u = error * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
    return x - u / (1.0 + 0.5 * x * u);
}

// Phi^-1(p): -inf at 0, +inf at 1 (as scipy), NaN outside [0, 1]. The upper
// half uses the symmetry Phi^-1(p) = -Phi^-1(1 - p); 1 - p is exact there.
inline double standard_normal_quantile(double p) {
    if (!(p >= 0.0 && p <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
    if (p == 0.0) return -std::numeric_limits<double>::infinity();
    if (p == 1.0) return std::numeric_limits<double>::infinity();
    return p <= 0.5 ? lower_normal_quantile(p) : -lower_normal_quantile(1.0 - p);
}

}  // namespace xtnn::detail
