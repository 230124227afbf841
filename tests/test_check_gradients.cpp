#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <xtnn/compose/parallel.hpp>
#include <xtnn/compose/sequential.hpp>
#include <xtnn/layers/activations.hpp>
#include <xtnn/layers/batch_norm.hpp>
#include <xtnn/layers/dense.hpp>
#include <xtnn/layers/dropout.hpp>
#include <xtnn/layers/identity.hpp>
#include <xtnn/losses/mean_squared_error.hpp>
#include <xtnn/train/check_gradients.hpp>

#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_tensor;

namespace {

// y = x ⊙ scale (scale broadcast over rows), with a bug that can be switched on
// in one element of either gradient: that element comes out doubled.
template <Real T>
class Scale {
public:
    using value_type = T;

    struct Bug {
        bool in_input = false;
        bool in_scale = false;
        std::size_t row = 0;
        std::size_t col = 0;
    };

    Scale(std::size_t width, Bug bug) : bug_(bug), scale_(ParamSpec{.name = "scale", .rows = 1, .cols = width}) {
        for (std::size_t j = 0; j < width; ++j) scale_.values()[j] = T(0.5) + T(0.25) * static_cast<T>(j);
    }

    const Tensor<T>& forward(const Tensor<T>& x, Mode) {
        input_ = &x;
        output_ = x;
        for (std::size_t r = 0; r < x.shape(0); ++r) {
            for (std::size_t c = 0; c < x.shape(1); ++c) output_(r, c) *= scale_.values()[c];
        }
        return output_;
    }

    const Tensor<T>& backward(const Tensor<T>& g) {
        const Tensor<T>& x = *input_;
        grad_input_ = g;
        for (std::size_t r = 0; r < x.shape(0); ++r) {
            for (std::size_t c = 0; c < x.shape(1); ++c) {
                grad_input_(r, c) *= scale_.values()[c];
                const T factor = bug_.in_scale && c == bug_.col ? T(2) : T(1);
                scale_.grads()[c] += factor * g(r, c) * x(r, c);
            }
        }
        if (bug_.in_input) grad_input_(bug_.row, bug_.col) *= T(2);
        return grad_input_;
    }

    std::optional<std::size_t> input_width() const { return scale_.cols(); }
    std::optional<std::size_t> output_width(std::optional<std::size_t>) const { return scale_.cols(); }
    std::string describe() const { return "Scale"; }

    template <class F>
    void visit_parameters(F&& f) {
        f(scale_);
    }

private:
    Bug bug_;
    Param<T> scale_;
    const Tensor<T>* input_ = nullptr;
    Tensor<T> output_;
    Tensor<T> grad_input_;
};

// Mean squared error whose gradient forgets the factor 2.
struct HalfGradientMse : MeanSquaredError {
    template <Real T>
    T value_and_gradient(const Tensor<T>& pred, const Tensor<T>& target, Tensor<T>& grad) const {
        const T value = MeanSquaredError::value_and_gradient(pred, target, grad);
        grad *= T(0.5);
        return value;
    }
};

std::vector<double> all_values(auto& model) {
    const auto values = parameters(model).all_values;
    return {values.begin(), values.end()};
}

}  // namespace

TEST_CASE("a correct module passes, and the report names every tensor checked") {
    Scale<double> scale(4, {});
    const auto report = check_gradients(scale, random_tensor(3, 4, 1));
    INFO(report);
    CHECK(report.passed);
    CHECK(report.max_error < GradientCheckDefaults<double>::tolerance);
    CHECK(report.checked == 3 * 4 + 4);
    REQUIRE(report.per_tensor.size() == 2);
    CHECK(report.per_tensor[0].tensor == "input");
    CHECK(report.per_tensor[1].tensor == "scale");
}

TEST_CASE("a wrong parameter gradient fails and is named: parameter, index, analytic vs numeric") {
    Scale<double> scale(4, {.in_scale = true, .col = 2});
    const auto report = check_gradients(scale, random_tensor(3, 4, 1));
    CHECK_FALSE(report.passed);
    CHECK(report.worst.tensor == "scale");
    CHECK(report.worst.row == 0);
    CHECK(report.worst.col == 2);
    CHECK(report.worst.analytic == doctest::Approx(2 * report.worst.numeric));
    CHECK(report.max_error == report.worst.error);
    CHECK(report.per_tensor[0].error < GradientCheckDefaults<double>::tolerance);  // the input is right

    std::ostringstream text;
    text << report;
    CHECK(text.str().find("FAILED") != std::string::npos);
    CHECK(text.str().find("worst scale[0, 2]: analytic ") != std::string::npos);
}

TEST_CASE("a wrong input gradient fails and is named with its row and column, in float too") {
    Scale<float> scale(5, {.in_input = true, .row = 1, .col = 3});
    const auto x = random_tensor(4, 5, 2);
    const auto report = check_gradients(scale, Tensor<float>(xt::cast<float>(x)));
    CHECK_FALSE(report.passed);
    CHECK(report.worst.tensor == "input");
    CHECK(report.worst.row == 1);
    CHECK(report.worst.col == 3);
    CHECK(report.per_tensor[1].error < GradientCheckDefaults<float>::tolerance);
}

TEST_CASE("a NaN gradient fails the check") {
    struct NanGradient : Identity {
        Tensor<double> grad;
        const Tensor<double>& backward(const Tensor<double>& g) {
            grad = g;
            grad(0, 0) = std::numeric_limits<double>::quiet_NaN();
            return grad;
        }
    } module;
    const auto report = check_gradients(module, random_tensor(2, 2, 3));
    CHECK_FALSE(report.passed);
    CHECK(report.worst.row == 0);
    CHECK(report.worst.col == 0);
}

TEST_CASE("float models pass with the float defaults") {
    auto model = Sequential(Dense<float>(4, 6), Tanh(), Dense<float>(6, 3), Sigmoid());
    init_parameters(model, 3);
    const auto report = check_gradients(model, Tensor<float>(xt::cast<float>(random_tensor(5, 4, 4))));
    INFO(report);
    CHECK(report.passed);
}

TEST_CASE("Dropout and BatchNorm in training: deterministic for a seed, model restored afterwards") {
    auto model = Sequential(Parallel(Concat{}, Sequential(Dense<double>(3, 4), Dropout(0.5, 1)),
                                     Sequential(Dense<double>(3, 2), BatchNorm<double>(2))),
                            Dense<double>(6, 2));
    init_parameters(model, 8);
    const auto before = all_values(model);
    const auto x = random_tensor(6, 3, 5);
    const auto first = check_gradients(model, x, {.seed = 4});
    INFO(first);
    CHECK(first.passed);
    CHECK(all_values(model) == before);  // values and BatchNorm's running statistics
    const auto again = check_gradients(model, x, {.seed = 4});
    CHECK(again.max_error == first.max_error);
    CHECK(again.worst.analytic == first.worst.analytic);
}

TEST_CASE("losses: gradients with respect to the predictions, a wrong one is caught") {
    const auto pred = random_tensor(4, 3, 6);
    const auto target = random_tensor(4, 3, 7);
    const auto right = check_gradients(MeanSquaredError{}, pred, target);
    INFO(right);
    CHECK(right.passed);
    CHECK(check_gradients(MeanSquaredError{}, Tensor<float>(xt::cast<float>(pred)),
                          Tensor<float>(xt::cast<float>(target)))
              .passed);

    const auto wrong = check_gradients(HalfGradientMse{}, pred, target);
    CHECK_FALSE(wrong.passed);
    CHECK(wrong.worst.tensor == "predictions");
    CHECK(wrong.worst.analytic == doctest::Approx(0.5 * wrong.worst.numeric));
}

TEST_CASE("bad options and a gradient of the wrong shape are errors") {
    Scale<double> scale(3, {});
    const auto x = random_tensor(2, 3, 8);
    CHECK_THROWS_WITH_AS(check_gradients(scale, x, {.step = 0.0}),
                         doctest::Contains("step must be finite and > 0, got 0"), xtnn::error);
    CHECK_THROWS_WITH_AS(check_gradients(scale, x, {.tolerance = -1.0}),
                         doctest::Contains("tolerance must be >= 0"), xtnn::error);

    struct OneColumnGradient : Identity {
        Tensor<double> grad = Tensor<double>::from_shape({2, 1});
        const Tensor<double>& backward(const Tensor<double>&) { return grad; }
    } module;
    CHECK_THROWS_WITH_AS(check_gradients(module, x),
                         doctest::Contains("Identity: input gradient vs input: shape mismatch, 2 x 1 vs 2 x 3"),
                         xtnn::error);
}
