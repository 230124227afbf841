#pragma once
// check_gradients: compares the analytic gradients of a module or a loss with
// central finite differences, element by element, and reports the worst one.
//
// A module is probed through the scalar L = Σ R ⊙ module(x), with R a fixed
// standard-normal tensor drawn from the seed: every output element then
// weighs differently, and dL/d output = R is what backward receives. The
// input and every trainable parameter are perturbed one value at a time.
//
// Randomness: the module is reseeded with the same seed before every forward
// pass, so Dropout in Mode::train draws the same mask each time and the check
// is deterministic (in Mode::eval Dropout is the identity anyway). BatchNorm
// is checked through its batch statistics in Mode::train and through its
// running statistics in Mode::eval. Parameter values and state arrays (running
// statistics) are restored afterwards; parameter gradients are left holding
// the analytic gradient of L. A difference that straddles a kink (ReLU at 0)
// gives a meaningless numeric value: if the worst element sits on one, move the
// input or the seed.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/module.hpp"
#include "../core/random.hpp"
#include "../core/tensor.hpp"
#include "../losses/loss.hpp"
#include "../params/model_parameters.hpp"
#include "../params/param.hpp"

namespace xtnn {

/// Step, pass threshold and error floor for each precision. The error of an
/// element is |analytic − numeric| / max(|analytic|, |numeric|, floor): relative
/// for gradients above the floor, absolute below it, where the rounding noise of
/// a difference quotient dominates. The steps balance truncation (~h²) against
/// rounding (~ε/h): over 40 random Dense/Tanh/BatchNorm/GELU/Softmax models the
/// worst error was 1.1e-7 in double and 1.3e-3 in float, so the tolerances keep
/// a margin of about 10. Float can catch a wrong formula, not a subtle loss of
/// precision: check those in double.
template <Real T>
struct GradientCheckDefaults {
    static constexpr double step = 1e-5;
    static constexpr double tolerance = 1e-6;
    static constexpr double floor = 1e-3;
};

template <>
struct GradientCheckDefaults<float> {
    static constexpr double step = 3e-3;
    static constexpr double tolerance = 1e-2;
    static constexpr double floor = 1e-1;
};

struct GradientCheckOptions {
    Mode mode = Mode::train;
    std::uint64_t seed = 0;            // the probe weights R and every reseed of the module
    std::optional<double> step{};      // default: GradientCheckDefaults<T>::step
    std::optional<double> tolerance{}; // default: GradientCheckDefaults<T>::tolerance
};

/// One compared value: where it is and how far the two gradients disagree.
struct GradientElement {
    std::string tensor{};  // "input", "predictions" or a parameter name such as "1.kernel"
    std::size_t row = 0;
    std::size_t col = 0;
    double analytic = 0.0;
    double numeric = 0.0;
    double error = 0.0;
};

struct GradientReport {
    bool passed = true;
    double max_error = 0.0;
    double tolerance = 0.0;
    std::size_t checked = 0;                 // values compared
    GradientElement worst{};                 // the element with max_error
    std::vector<GradientElement> per_tensor{}; // the worst element of each tensor, in check order
};

inline std::ostream& operator<<(std::ostream& out, const GradientElement& e) {
    return out << e.tensor << "[" << e.row << ", " << e.col << "]: analytic " << e.analytic
               << ", numeric " << e.numeric << " (error " << e.error << ")";
}

inline std::ostream& operator<<(std::ostream& out, const GradientReport& report) {
    out << "gradient check " << (report.passed ? "passed" : "FAILED") << ": max error "
        << report.max_error << (report.passed ? " <= " : " > ") << "tolerance " << report.tolerance
        << " over " << report.checked << " values\n  worst " << report.worst;
    for (const auto& e : report.per_tensor) out << "\n    " << e;
    return out;
}

namespace detail {

// A NaN error counts as worse than any number, so a NaN gradient fails the check.
inline bool worse(double error, double than) {
    return (std::isnan(error) && !std::isnan(than)) || error > than;
}

// Collects element comparisons into a report, tensor by tensor.
class GradientComparison {
public:
    GradientComparison(double tolerance, double floor) : tolerance_(tolerance), floor_(floor) {}

    void begin(const std::string& tensor) {
        per_tensor_.push_back(GradientElement{.tensor = tensor});
        first_in_tensor_ = true;
    }

    void add(std::size_t index, std::size_t cols, double analytic, double numeric) {
        const double scale = std::max({std::abs(analytic), std::abs(numeric), floor_});
        const double error = std::abs(analytic - numeric) / scale;
        ++checked_;
        GradientElement& worst = per_tensor_.back();
        if (first_in_tensor_ || worse(error, worst.error)) {
            worst = {worst.tensor, index / cols, index % cols, analytic, numeric, error};
        }
        first_in_tensor_ = false;
    }

    GradientReport finish() && {
        GradientReport report{.tolerance = tolerance_, .checked = checked_};
        if (!per_tensor_.empty()) report.worst = per_tensor_.front();
        for (const auto& e : per_tensor_) {
            if (worse(e.error, report.worst.error)) report.worst = e;
        }
        report.max_error = report.worst.error;
        report.passed = report.max_error <= tolerance_;
        report.per_tensor = std::move(per_tensor_);
        return report;
    }

private:
    double tolerance_;
    double floor_;
    std::size_t checked_ = 0;
    bool first_in_tensor_ = false;
    std::vector<GradientElement> per_tensor_;
};

// (f(v + h) − f(v − h)) / (actual 2h): dividing by the perturbation that the
// rounded values really make keeps float steps exact.
template <Real T, class Probe>
double central_difference(T& value, double step, Probe&& probe) {
    const T keep = value;
    const T up = static_cast<T>(static_cast<double>(keep) + step);
    const T down = static_cast<T>(static_cast<double>(keep) - step);
    value = up;
    const double at_up = probe();
    value = down;
    const double at_down = probe();
    value = keep;
    return (at_up - at_down) / (static_cast<double>(up) - static_cast<double>(down));
}

template <Real T>
void compare_tensor(GradientComparison& comparison, const std::string& name, std::span<T> point,
                    std::span<const T> analytic, std::size_t cols, double step, auto&& probe) {
    comparison.begin(name);
    for (std::size_t i = 0; i < point.size(); ++i) {
        comparison.add(i, cols, static_cast<double>(analytic[i]), central_difference(point[i], step, probe));
    }
}

template <class M, class T>
concept HasParameters = requires(M& m) { m.visit_parameters(ParameterVisitorProbe<T>{}); };

template <Real T, class M>
std::vector<Param<T>*> parameters_of(M& module) {
    std::vector<Param<T>*> params;
    if constexpr (HasParameters<M, T>) module.visit_parameters([&](Param<T>& p) { params.push_back(&p); });
    return params;
}

// The module under check, its probe weights R and what it must be restored to.
template <Real T, class M>
class ModuleProbe {
public:
    ModuleProbe(M& module, const GradientCheckOptions& options)
        : module_(module), options_(options), params_(parameters_of<T>(module)) {
        for (Param<T>* p : params_) saved_.emplace_back(p->values().begin(), p->values().end());
    }
    ModuleProbe(const ModuleProbe&) = delete;
    ModuleProbe& operator=(const ModuleProbe&) = delete;
    ~ModuleProbe() {
        for (std::size_t k = 0; k < params_.size(); ++k) std::ranges::copy(saved_[k], params_[k]->values().begin());
    }

    // L = Σ R ⊙ module(x), summed in double; R is drawn at the first call.
    double loss(const Tensor<T>& x) {
        const Tensor<T>& y = forward(x);
        if (weights_.size() != y.size()) weights_ = normal_tensor(y.shape(0), y.shape(1));
        double sum = 0.0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            sum += static_cast<double>(weights_.data()[i]) * static_cast<double>(y.data()[i]);
        }
        return sum;
    }

    // dL/dx, with dL/dθ accumulated into freshly zeroed parameter gradients.
    Tensor<T> analytic_input_gradient(const Tensor<T>& x) {
        for (Param<T>* p : params_) std::ranges::fill(p->grads(), T(0));
        loss(x);
        return module_.backward(weights_);
    }

    const std::vector<Param<T>*>& params() const { return params_; }

private:
    const Tensor<T>& forward(const Tensor<T>& x) {
        reseed_if_random(module_, options_.seed);
        return module_.forward(x, options_.mode);
    }

    Tensor<T> normal_tensor(std::size_t rows, std::size_t cols) const {
        Rng rng(options_.seed);
        Tensor<T> t = Tensor<T>::from_shape({rows, cols});
        for (T& v : t) v = static_cast<T>(rng.normal());
        return t;
    }

    M& module_;
    const GradientCheckOptions& options_;
    std::vector<Param<T>*> params_;
    std::vector<std::vector<T>> saved_;
    Tensor<T> weights_;
};

template <Real T>
GradientComparison start_comparison(const GradientCheckOptions& options) {
    const double tolerance = options.tolerance.value_or(GradientCheckDefaults<T>::tolerance);
    if (!(tolerance >= 0.0)) fail("check_gradients: tolerance must be >= 0, got ", tolerance);
    return {tolerance, GradientCheckDefaults<T>::floor};
}

template <Real T>
double checked_step(const GradientCheckOptions& options) {
    const double step = options.step.value_or(GradientCheckDefaults<T>::step);
    if (!(step > 0.0) || !std::isfinite(step)) fail("check_gradients: step must be finite and > 0, got ", step);
    return step;
}

}  // namespace detail

/// Checks d/dx and d/dθ of a module at `input` (see the top of this file).
template <Real T, class M>
    requires Module<M, T>
GradientReport check_gradients(M& module, Tensor<T> input, const GradientCheckOptions& options = {}) {
    const double step = detail::checked_step<T>(options);
    auto comparison = detail::start_comparison<T>(options);
    detail::ModuleProbe<T, M> probe(module, options);
    const Tensor<T> input_grad = probe.analytic_input_gradient(input);
    check_same_shape(input_grad, input, [&] { return module.describe() + ": input gradient vs input"; });
    auto loss_at_input = [&] { return probe.loss(input); };
    detail::compare_tensor<T>(comparison, "input", {input.data(), input.size()},
                              {input_grad.data(), input_grad.size()}, input.shape(1), step, loss_at_input);
    for (Param<T>* p : probe.params()) {
        // Only forward passes follow, so the analytic gradients stay in place.
        if (p->trainable()) {
            detail::compare_tensor<T>(comparison, p->name(), p->values(), std::span<const T>(p->grads()),
                                      p->cols(), step, loss_at_input);
        }
    }
    return std::move(comparison).finish();
}

/// Checks a loss's gradient with respect to its predictions.
template <Real T, class L>
    requires Loss<L, T>
GradientReport check_gradients(const L& loss, Tensor<T> predictions, const Tensor<T>& targets,
                               const GradientCheckOptions& options = {}) {
    const double step = detail::checked_step<T>(options);
    auto comparison = detail::start_comparison<T>(options);
    Tensor<T> analytic;
    loss.value_and_gradient(predictions, targets, analytic);
    check_same_shape(analytic, predictions, [&] { return std::string(loss.name()) + ": gradient vs predictions"; });
    detail::compare_tensor<T>(comparison, "predictions", {predictions.data(), predictions.size()},
                              {analytic.data(), analytic.size()}, predictions.shape(1), step,
                              [&] { return static_cast<double>(loss.value(predictions, targets)); });
    return std::move(comparison).finish();
}

}  // namespace xtnn
