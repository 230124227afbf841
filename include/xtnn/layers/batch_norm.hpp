#pragma once
// BatchNorm<T>(features, momentum, epsilon): normalizes each feature with the
// batch's statistics in training and the running statistics in evaluation.
// Keras conventions, as the paper used Keras: momentum is the weight kept by the
// old running value (0.99; PyTorch's momentum=0.1 is 0.9 here), the running
// variance tracks the biased batch variance, epsilon defaults to 1e-3.
// Statistics are accumulated row by row into feature-sized buffers, so every
// inner loop is contiguous, and every loop is an xsimd kernel (elementwise.hpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../kernels/elementwise.hpp"
#include "../core/error.hpp"
#include "../core/module.hpp"
#include "../params/packing.hpp"
#include "../core/tensor.hpp"
#include "statistics_reducer.hpp"

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
          running_var_(ParamSpec{.name = "running_var", .cols = features, .kind = ParamKind::state,
                                 .init = Constant(1.0), .nonnegative = true}),
          mean_(features),
          inv_std_(features),
          scale_(features),
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
        input_ = &x;
        ensure_shape(output_, rows, f);
        if (training_) batch_statistics(x);
        else running_statistics();

        // y = (x − mean)·scale + β with scale = γ/σ per feature: one multiply-add per element.
        detail::elementwise(
            f, [](auto g, auto inv_std, auto& scale) { scale = g * inv_std; }, std::as_const(gamma_).data(),
            std::as_const(inv_std_).data(), scale_.data());
        const T* mean = mean_.data();
        const T* scale = scale_.data();
        const T* beta = beta_.data();
        for (std::size_t r = 0; r < rows; ++r) {
            detail::elementwise(
                f, [](auto in, auto mean, auto scale, auto b, auto& out) { out = (in - mean) * scale + b; },
                x.data() + r * f, mean, scale, beta, output_.data() + r * f);
        }
        return output_;
    }

    // dγ = Σ dy·x̂, dβ = Σ dy; dx = γ/σ·dy in evaluation, and in training
    // dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), as the batch statistics depend on x.
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        if (input_ == nullptr) detail::fail(describe(), ": backward called before forward");
        check_same_shape(grad_out, output_, [this] { return describe(); });
        ensure_shape(grad_input_, grad_out.shape(0), features_);
        sum_gradients(grad_out);
        if (!training_) {
            scale_gradient(grad_out);
            return grad_input_;
        }
        if (reducer_) share_gradient_sums(grad_out.shape(0));
        normalization_gradient(grad_out);
        return grad_input_;
    }

    std::optional<std::size_t> input_width() const { return features_; }
    std::optional<std::size_t> output_width(std::optional<std::size_t>) const { return features_; }
    std::string describe() const {
        std::string s = detail::concat("BatchNorm(", features_, ")");
        if (!gamma_.path().empty()) s += " '" + gamma_.path() + "'";
        return s;
    }

    template <class F>
    void visit_parameters(F&& f) {
        f(gamma_);
        f(beta_);
        f(running_mean_);
        f(running_var_);
    }

    // Synchronized statistics for data-parallel training: every process
    // normalizes with the global batch's mean and variance, summed by
    // `reducer`. Unset (the default, as PyTorch DDP): each process uses its own
    // batch. One reducer may serve every BatchNorm of a model.
    void synchronize_statistics(std::shared_ptr<const StatisticsReducer<T>> reducer) {
        reducer_ = std::move(reducer);
    }

    Param<T>& gamma() { return gamma_; }
    Param<T>& beta() { return beta_; }
    Param<T>& running_mean() { return running_mean_; }
    Param<T>& running_var() { return running_var_; }

private:
    // sum_dy_ = Σ dy and sum_dy_xhat_ = Σ dy·x̂ over the rows, added to dβ and dγ.
    // x̂ = (x − mean)·inv_std is recomputed from the kept input rather than
    // stored in forward: one buffer less to write and read back.
    void sum_gradients(const Tensor<T>& grad_out) {
        const std::size_t rows = grad_out.shape(0), f = features_;
        std::fill(sum_dy_.begin(), sum_dy_.end(), T(0));
        std::fill(sum_dy_xhat_.begin(), sum_dy_xhat_.end(), T(0));
        const T* x = input_->data();
        const T* mean = mean_.data();
        const T* inv_std = inv_std_.data();
        for (std::size_t r = 0; r < rows; ++r) {
            detail::elementwise(
                f,
                [](auto dy, auto x, auto mean, auto inv_std, auto& sum_dy, auto& sum_dy_xhat) {
                    sum_dy += dy;
                    sum_dy_xhat += dy * ((x - mean) * inv_std);
                },
                grad_out.data() + r * f, x + r * f, mean, inv_std, sum_dy_.data(), sum_dy_xhat_.data());
        }
        detail::elementwise(
            f,
            [](auto sum_dy, auto sum_dy_xhat, auto& dgamma, auto& dbeta) {
                dgamma += sum_dy_xhat;
                dbeta += sum_dy;
            },
            std::as_const(sum_dy_).data(), std::as_const(sum_dy_xhat_).data(), gamma_.grad_data(),
            beta_.grad_data());
    }

    // The statistics came from every process's rows: so must the sums. Each
    // process's gradient is later weighted by its share of the global batch,
    // so its sums enter with that weight.
    void share_gradient_sums(std::size_t rows) {
        const T share = static_cast<T>(rows) / global_rows_;
        detail::elementwise(features_, [share](auto& a, auto& b) { a *= share; b *= share; }, sum_dy_.data(),
                            sum_dy_xhat_.data());
        reducer_->sum(std::span<T>(sum_dy_));
        reducer_->sum(std::span<T>(sum_dy_xhat_));
    }

    // Evaluation: the running statistics do not depend on x, so dx = γ/σ·dy.
    // scale_ = γ/σ still holds from forward: γ changes only after backward.
    void scale_gradient(const Tensor<T>& grad_out) {
        const std::size_t rows = grad_out.shape(0), f = features_;
        const T* scale = scale_.data();
        for (std::size_t r = 0; r < rows; ++r) {
            detail::elementwise(
                f, [](auto dy, auto scale, auto& dx) { dx = scale * dy; }, grad_out.data() + r * f, scale,
                grad_input_.data() + r * f);
        }
    }

    // Training: per feature dx = scale·dy + slope·(x − mean) + offset. The
    // slope and offset overwrite the sums they are made of (sum_dy_xhat_ and
    // sum_dy_): no further buffers.
    void normalization_gradient(const Tensor<T>& grad_out) {
        const std::size_t rows = grad_out.shape(0), f = features_;
        const T inv_rows = T(1) / static_cast<T>(rows);
        const T* scale = scale_.data();
        detail::elementwise(
            f,
            [inv_rows](auto scale, auto inv_std, auto& sum_dy, auto& sum_dy_xhat) {
                sum_dy_xhat = -inv_rows * scale * inv_std * sum_dy_xhat;  // the slope
                sum_dy = -inv_rows * scale * sum_dy;                      // the offset
            },
            scale, std::as_const(inv_std_).data(), sum_dy_.data(), sum_dy_xhat_.data());
        const T* x = input_->data();
        const T* mean = mean_.data();
        const T* slope = sum_dy_xhat_.data();
        const T* offset = sum_dy_.data();
        for (std::size_t r = 0; r < rows; ++r) {
            detail::elementwise(
                f,
                [](auto dy, auto x, auto mean, auto scale, auto slope, auto offset, auto& dx) {
                    dx = scale * dy + slope * (x - mean) + offset;
                },
                grad_out.data() + r * f, x + r * f, mean, scale, slope, offset, grad_input_.data() + r * f);
        }
    }

    void batch_statistics(const Tensor<T>& x) {
        const std::size_t rows = x.shape(0), f = features_;
        std::fill(mean_.begin(), mean_.end(), T(0));
        std::fill(inv_std_.begin(), inv_std_.end(), T(0));  // holds the variance until the end
        for (std::size_t r = 0; r < rows; ++r) {
            detail::elementwise(f, [](auto in, auto& mean) { mean += in; }, x.data() + r * f, mean_.data());
        }
        global_rows_ = static_cast<T>(rows);
        if (reducer_) {
            reducer_->sum(std::span<T>(mean_));
            reducer_->sum(std::span<T>(&global_rows_, 1));
        }
        const T inv_rows = T(1) / global_rows_;
        detail::elementwise(f, [inv_rows](auto& mean) { mean *= inv_rows; }, mean_.data());
        const T* mean = mean_.data();
        for (std::size_t r = 0; r < rows; ++r) {
            detail::elementwise(
                f,
                [](auto in, auto mean, auto& var) {
                    const auto d = in - mean;
                    var += d * d;
                },
                x.data() + r * f, mean, inv_std_.data());
        }
        if (reducer_) reducer_->sum(std::span<T>(inv_std_));
        const auto keep = static_cast<T>(momentum_);
        const auto eps = static_cast<T>(epsilon_);
        detail::elementwise(
            f,
            [=](auto mean, auto& rm, auto& rv, auto& inv_std) {
                using std::sqrt;
                using V = decltype(mean);
                const auto var = inv_std * inv_rows;
                rm = keep * rm + (T(1) - keep) * mean;
                rv = keep * rv + (T(1) - keep) * var;
                inv_std = V(1) / sqrt(var + eps);
            },
            mean, running_mean_.data(), running_var_.data(), inv_std_.data());
    }

    void running_statistics() {
        const auto eps = static_cast<T>(epsilon_);
        detail::elementwise(
            features_,
            [eps](auto rm, auto rv, auto& mean, auto& inv_std) {
                using std::sqrt;
                using V = decltype(rm);
                mean = rm;
                inv_std = V(1) / sqrt(rv + eps);
            },
            std::as_const(running_mean_).data(), std::as_const(running_var_).data(), mean_.data(),
            inv_std_.data());
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
    std::vector<T> scale_;  // γ/σ
    std::vector<T> sum_dy_;
    std::vector<T> sum_dy_xhat_;
    std::shared_ptr<const StatisticsReducer<T>> reducer_;
    T global_rows_ = 0;  // rows behind the last batch statistics, over all processes
    const Tensor<T>* input_ = nullptr;
    Tensor<T> output_;
    Tensor<T> grad_input_;
    bool training_ = true;
};

}  // namespace xtnn
