#pragma once
// BatchNorm<T>(features, momentum, epsilon): normalizes each feature with the
// batch's statistics in training and the running statistics in evaluation.
// Keras conventions, as the paper used Keras: momentum is the weight kept by the
// old running value (0.99; PyTorch's momentum=0.1 is 0.9 here), the running
// variance tracks the biased batch variance, epsilon defaults to 1e-3.
// Statistics are accumulated row by row into feature-sized buffers, so every
// inner loop is contiguous.
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../module.hpp"
#include "../param.hpp"
#include "../tensor.hpp"

namespace xtnn {

template <Real T>
class BatchNorm {
public:
    using value_type = T;

    explicit BatchNorm(std::size_t features, double momentum = 0.99, double epsilon = 1e-3)
        : features_(features),
          momentum_(momentum),
          epsilon_(epsilon),
          gamma_(ParamSpec{"gamma", 1, features, ParamKind::trainable, Constant(1.0)}),
          beta_(ParamSpec{"beta", 1, features, ParamKind::trainable, zeros}),
          running_mean_(ParamSpec{"running_mean", 1, features, ParamKind::state, zeros}),
          running_var_(ParamSpec{"running_var", 1, features, ParamKind::state, Constant(1.0)}),
          mean_(features),
          inv_std_(features),
          sum_dy_(features),
          sum_dy_xhat_(features) {
        if (features == 0) detail::fail("BatchNorm: feature count must be positive");
        if (!(momentum >= 0.0 && momentum <= 1.0)) {
            detail::fail("BatchNorm(", features, "): momentum must be in [0, 1], got ", momentum);
        }
        if (!(epsilon > 0.0)) {
            detail::fail("BatchNorm(", features, "): epsilon must be positive, got ", epsilon);
        }
        detail::pack_parameters<T>(*this);
    }

    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        if (x.shape(1) != features_) {
            detail::fail(describe(), ": expected input with ", features_, " features, got ",
                         x.shape(0), " x ", x.shape(1));
        }
        const std::size_t rows = x.shape(0), f = features_;
        training_ = mode == Mode::train;
        if (training_ && rows == 0) detail::fail(describe(), ": empty batch in training");
        ensure_shape(x_hat_, rows, f);
        ensure_shape(output_, rows, f);
        if (training_) batch_statistics(x);
        else running_statistics();

        const T* gamma = gamma_.data();
        const T* beta = beta_.data();
        for (std::size_t r = 0; r < rows; ++r) {
            const T* in = x.data() + r * f;
            T* xh = x_hat_.data() + r * f;
            T* out = output_.data() + r * f;
            for (std::size_t j = 0; j < f; ++j) {
                xh[j] = (in[j] - mean_[j]) * inv_std_[j];
                out[j] = gamma[j] * xh[j] + beta[j];
            }
        }
        return output_;
    }

    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        check_same_shape(grad_out, output_, [this] { return describe(); });
        const std::size_t rows = grad_out.shape(0), f = features_;
        ensure_shape(grad_input_, rows, f);
        std::fill(sum_dy_.begin(), sum_dy_.end(), T(0));
        std::fill(sum_dy_xhat_.begin(), sum_dy_xhat_.end(), T(0));
        for (std::size_t r = 0; r < rows; ++r) {
            const T* dy = grad_out.data() + r * f;
            const T* xh = x_hat_.data() + r * f;
            for (std::size_t j = 0; j < f; ++j) {
                sum_dy_[j] += dy[j];
                sum_dy_xhat_[j] += dy[j] * xh[j];
            }
        }
        T* dgamma = gamma_.grad_data();
        T* dbeta = beta_.grad_data();
        for (std::size_t j = 0; j < f; ++j) {
            dgamma[j] += sum_dy_xhat_[j];
            dbeta[j] += sum_dy_[j];
        }
        const T* gamma = gamma_.data();
        if (training_) {
            // dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)): the batch statistics depend on x.
            const T inv_rows = T(1) / static_cast<T>(rows);
            for (std::size_t r = 0; r < rows; ++r) {
                const T* dy = grad_out.data() + r * f;
                const T* xh = x_hat_.data() + r * f;
                T* dx = grad_input_.data() + r * f;
                for (std::size_t j = 0; j < f; ++j) {
                    dx[j] = gamma[j] * inv_std_[j] *
                            (dy[j] - inv_rows * (sum_dy_[j] + xh[j] * sum_dy_xhat_[j]));
                }
            }
        } else {
            for (std::size_t r = 0; r < rows; ++r) {
                const T* dy = grad_out.data() + r * f;
                T* dx = grad_input_.data() + r * f;
                for (std::size_t j = 0; j < f; ++j) dx[j] = gamma[j] * inv_std_[j] * dy[j];
            }
        }
        return grad_input_;
    }

    std::optional<std::size_t> input_width() const { return features_; }
    std::optional<std::size_t> output_width(std::optional<std::size_t>) const { return features_; }
    std::string describe() const {
        std::string s = detail::concat("BatchNorm(", features_, ")");
        const std::string& name = gamma_.name();
        if (name != "gamma") s += " '" + name.substr(0, name.size() - 6) + "'";
        return s;
    }

    template <class F>
    void visit_parameters(F&& f) {
        f(gamma_);
        f(beta_);
        f(running_mean_);
        f(running_var_);
    }

    Param<T>& gamma() { return gamma_; }
    Param<T>& beta() { return beta_; }
    Param<T>& running_mean() { return running_mean_; }
    Param<T>& running_var() { return running_var_; }

private:
    void batch_statistics(const Tensor<T>& x) {
        const std::size_t rows = x.shape(0), f = features_;
        std::fill(mean_.begin(), mean_.end(), T(0));
        std::fill(inv_std_.begin(), inv_std_.end(), T(0));  // holds the variance until the end
        for (std::size_t r = 0; r < rows; ++r) {
            const T* in = x.data() + r * f;
            for (std::size_t j = 0; j < f; ++j) mean_[j] += in[j];
        }
        const T inv_rows = T(1) / static_cast<T>(rows);
        for (std::size_t j = 0; j < f; ++j) mean_[j] *= inv_rows;
        for (std::size_t r = 0; r < rows; ++r) {
            const T* in = x.data() + r * f;
            for (std::size_t j = 0; j < f; ++j) {
                const T d = in[j] - mean_[j];
                inv_std_[j] += d * d;
            }
        }
        T* rm = running_mean_.data();
        T* rv = running_var_.data();
        const auto keep = static_cast<T>(momentum_);
        const auto eps = static_cast<T>(epsilon_);
        for (std::size_t j = 0; j < f; ++j) {
            const T var = inv_std_[j] * inv_rows;
            rm[j] = keep * rm[j] + (T(1) - keep) * mean_[j];
            rv[j] = keep * rv[j] + (T(1) - keep) * var;
            inv_std_[j] = T(1) / std::sqrt(var + eps);
        }
    }

    void running_statistics() {
        const T* rm = running_mean_.data();
        const T* rv = running_var_.data();
        const auto eps = static_cast<T>(epsilon_);
        for (std::size_t j = 0; j < features_; ++j) {
            mean_[j] = rm[j];
            inv_std_[j] = T(1) / std::sqrt(rv[j] + eps);
        }
    }

    std::size_t features_;
    double momentum_;
    double epsilon_;
    Param<T> gamma_;
    Param<T> beta_;
    Param<T> running_mean_;
    Param<T> running_var_;
    std::vector<T> mean_;
    std::vector<T> inv_std_;
    std::vector<T> sum_dy_;
    std::vector<T> sum_dy_xhat_;
    Tensor<T> x_hat_;
    Tensor<T> output_;
    Tensor<T> grad_input_;
    bool training_ = true;
};

}  // namespace xtnn
