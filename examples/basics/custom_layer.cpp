// A layer of your own: Swish, y = x·sigmoid(x). Anything with the Module members
// (forward, backward, input_width, output_width, describe; see core/module.hpp)
// goes into Sequential and trains with fit. Its backward is checked against
// central finite differences first, in double precision, as every layer should be.
#include <cmath>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

template <Real T>
class Swish {
public:
    // Returns its own buffer, resized only when the batch size changes (no allocation per step).
    const Tensor<T>& forward(const Tensor<T>& x, Mode /*mode*/) {
        input_ = &x;  // the contract: x stays alive and unchanged until backward
        ensure_shape(output_, x.shape(0), x.shape(1));
        for (std::size_t i = 0; i < x.size(); ++i) output_.data()[i] = x.data()[i] * sigmoid(x.data()[i]);
        return output_;
    }

    // dy/dx = s + x·s·(1 − s), with s = sigmoid(x).
    const Tensor<T>& backward(const Tensor<T>& grad_output) {
        const Tensor<T>& x = *input_;
        ensure_shape(grad_input_, x.shape(0), x.shape(1));
        for (std::size_t i = 0; i < x.size(); ++i) {
            const T s = sigmoid(x.data()[i]);
            grad_input_.data()[i] = grad_output.data()[i] * (s + x.data()[i] * s * (1 - s));
        }
        return grad_input_;
    }

    std::optional<std::size_t> input_width() const { return std::nullopt; }  // any width
    std::optional<std::size_t> output_width(std::optional<std::size_t> in) const { return in; }
    std::string describe() const { return "Swish"; }

private:
    static T sigmoid(T v) { return T(1) / (T(1) + std::exp(-v)); }

    const Tensor<T>* input_ = nullptr;
    Tensor<T> output_, grad_input_;
};
static_assert(Module<Swish<float>, float> && Module<Swish<double>, double>);

// Largest |analytic − numeric| gradient of L(x) = Σ forward(x)·w over a random x.
double worst_gradient_error() {
    Rng rng(1);
    Tensor<double> x({4, 5}), w({4, 5});
    for (double& v : x) v = rng.normal() * 2;
    for (double& v : w) v = rng.normal();
    Swish<double> swish;
    auto loss = [&](const Tensor<double>& at) {
        const Tensor<double>& y = swish.forward(at, Mode::train);
        double sum = 0;
        for (std::size_t i = 0; i < y.size(); ++i) sum += y.data()[i] * w.data()[i];
        return sum;
    };
    loss(x);
    const Tensor<double> analytic = swish.backward(w);
    double worst = 0;
    const double h = 1e-6;
    for (std::size_t i = 0; i < x.size(); ++i) {
        Tensor<double> plus = x, minus = x;
        plus.data()[i] += h;
        minus.data()[i] -= h;
        const double numeric = (loss(plus) - loss(minus)) / (2 * h);
        worst = std::max(worst, std::abs(numeric - analytic.data()[i]));
    }
    return worst;
}

int main() try {
    const double worst = worst_gradient_error();
    std::printf("Swish gradient: worst difference from finite differences %.2e\n", worst);
    if (worst > 1e-7) return 1;

    auto [train, test] = train_test_split(make_xor<float>(3, 1500, 0.1, 9), 0.2, 42);
    auto model = Sequential(Dense<float>(3, 16), Swish<float>(), Dense<float>(16, 1), Sigmoid());
    Adam<float> optimizer(0.01);
    FitOptions options;
    options.epochs = 40;
    options.batch_size = 32;
    options.seed = 42;
    fit(model, optimizer, BinaryCrossEntropy{}, train, options);
    const double accuracy = evaluate(model, test, Accuracy{});
    std::printf("Dense → Swish → Dense → Sigmoid: test accuracy %.3f\n", accuracy);
    return accuracy >= 0.9 ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "custom_layer: %s\n", e.what());
    return 1;
}
