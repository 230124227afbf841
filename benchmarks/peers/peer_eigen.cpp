// A plain MLP written directly on Eigen, as a user without a framework would
// (Eigen is also the kernel MiniDNN is built on): 9→128→64→1, ReLU, sigmoid +
// binary cross-entropy from the logits, Adam (1e-3, 0.9, 0.999, 1e-8), every
// buffer kept from step to step. Built twice (benchmarks/peers/CMakeLists.txt):
// on Eigen's own gemm, compiled for the program's -march, and with
// EIGEN_USE_BLAS on OpenBLAS.
#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "peer_common.hpp"

namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f, learning_rate = 1e-3f;

// One parameter array with its gradient and Adam moments.
struct Param {
    Param(Eigen::Index rows, Eigen::Index cols)
        : value(Matrix::Zero(rows, cols)), grad(Matrix::Zero(rows, cols)), m(Matrix::Zero(rows, cols)),
          v(Matrix::Zero(rows, cols)) {}

    // step_size: the learning rate with Adam's bias corrections folded in.
    void update(float step_size) {
        m.array() = beta1 * m.array() + (1 - beta1) * grad.array();
        v.array() = beta2 * v.array() + (1 - beta2) * grad.array().square();
        value.array() -= step_size * m.array() / (v.array().sqrt() + epsilon);
    }

    Matrix value, grad, m, v;
};

// y = x·W + b; the activation, if any, is applied by the caller in place.
struct Dense {
    Dense(Eigen::Index in, Eigen::Index out, std::mt19937& rng) : kernel(in, out), bias(1, out) {
        const float limit = std::sqrt(6.0f / static_cast<float>(in + out));  // Glorot uniform
        std::uniform_real_distribution<float> draw(-limit, limit);
        for (Eigen::Index i = 0; i < kernel.value.size(); ++i) kernel.value.data()[i] = draw(rng);
    }

    Matrix& forward(const Matrix& x) {
        out.noalias() = x * kernel.value;
        out.rowwise() += bias.value.row(0);
        return out;
    }

    // dz: the gradient at this layer's output before its activation.
    void backward(const Matrix& x, const Matrix& dz, bool want_input_grad) {
        kernel.grad.noalias() = x.transpose() * dz;
        bias.grad = dz.colwise().sum();
        if (want_input_grad) dx.noalias() = dz * kernel.value.transpose();
    }

    void update(float step_size) {
        kernel.update(step_size);
        bias.update(step_size);
    }

    Param kernel, bias;
    Matrix out, dx;
};

class Mlp {
public:
    explicit Mlp(std::mt19937 rng) : first_(peers::features, 128, rng), second_(128, 64, rng), last_(64, 1, rng) {}

    void step(const Matrix& x, const Matrix& y) {
        Matrix& h1 = first_.forward(x);
        h1 = h1.cwiseMax(0.0f);
        Matrix& h2 = second_.forward(h1);
        h2 = h2.cwiseMax(0.0f);
        const Matrix& logits = last_.forward(h2);
        // d(mean BCE(sigmoid(z), y))/dz = (sigmoid(z) − y) / batch
        dlogits_.array() = ((1.0f + (-logits.array()).exp()).inverse() - y.array()) / static_cast<float>(x.rows());

        last_.backward(h2, dlogits_, true);
        last_.dx.array() = (h2.array() > 0.0f).select(last_.dx.array(), 0.0f);
        second_.backward(h1, last_.dx, true);
        second_.dx.array() = (h1.array() > 0.0f).select(second_.dx.array(), 0.0f);
        first_.backward(x, second_.dx, false);

        ++t_;
        const float step_size = learning_rate * std::sqrt(1.0f - std::pow(beta2, static_cast<float>(t_))) /
                                (1.0f - std::pow(beta1, static_cast<float>(t_)));
        first_.update(step_size);
        second_.update(step_size);
        last_.update(step_size);
    }

private:
    Dense first_, second_, last_;
    Matrix dlogits_;
    long t_ = 0;
};

struct Run {
    Run() : mlp(std::mt19937(1)) {
        const auto& d = peers::data();
        for (const auto& b : d.batches) {
            const auto rows = static_cast<Eigen::Index>(b.size);
            xs.emplace_back(Eigen::Map<const Matrix>(d.x.data() + b.begin * peers::features, rows,
                                                     static_cast<Eigen::Index>(peers::features)));
            ys.emplace_back(Eigen::Map<const Matrix>(d.y.data() + b.begin, rows, 1));
        }
    }

    void epoch() {
        for (std::size_t i = 0; i < xs.size(); ++i) mlp.step(xs[i], ys[i]);
    }

    Mlp mlp;
    std::vector<Matrix> xs, ys;
};

[[maybe_unused]] const bool registered = [] {
#ifdef EIGEN_USE_BLAS
    const std::string peer = "Eigen (hand-written MLP) on OpenBLAS";
#else
    const std::string peer = "Eigen (hand-written MLP)";
#endif
    peers::register_peer(peer + " " + std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) +
                             "." + std::to_string(EIGEN_MINOR_VERSION),
                         {{"MLP", [] {
                               auto run = std::make_shared<Run>();
                               return peers::Epoch([run] { run->epoch(); });
                           }}});
    return true;
}();

}  // namespace
