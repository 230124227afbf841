#pragma once
// detail::Normalization<T>: batch normalization per channel, shared by
// BatchNorm (a channel per feature) and BatchNorm2D (a channel per block of
// H·W positions in a channels-first row), and by the fused dense block
// (dense_block_fusion.hpp). It owns the parameters, the statistics and the
// per-element formulas; its callers own the loops over the rows that feed
// them, so a fused pass can feed several of them at once.
//
// Every per-element pass runs over a row of `width = channels·positions`
// values against per-position arrays (xsimd lanes along the row). With one
// position per channel those are the per-channel arrays themselves; with
// more, per-channel values are expanded to positions before a pass and
// per-position sums reduced to channels after one.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../kernels/elementwise.hpp"
#include "../params/graph_parameter.hpp"
#include "../params/param.hpp"
#include "../core/tensor.hpp"
#include "statistics_reducer.hpp"

namespace xtnn::detail {

// A per-channel array and, when a channel spans several positions, its
// per-position image; the passes read and accumulate through at().
template <Real T>
class ChannelArray {
public:
    ChannelArray(std::size_t channels, std::size_t positions) : channel_(channels) { resize_positions(positions); }

    void resize_positions(std::size_t positions) {
        positions_ = positions;
        position_.resize(positions > 1 ? channel_.size() * positions : 0);
    }

    T* channels() { return channel_.data(); }
    const T* channels() const { return channel_.data(); }
    T* at() { return positions_ > 1 ? position_.data() : channel_.data(); }
    const T* at() const { return positions_ > 1 ? position_.data() : channel_.data(); }

    void zero() {
        std::fill(channel_.begin(), channel_.end(), T(0));
        std::fill(position_.begin(), position_.end(), T(0));
    }
    // Per-position sums into their channels.
    void reduce() {
        if (positions_ == 1) return;
        for (std::size_t c = 0; c < channel_.size(); ++c) {
            const T* p = position_.data() + c * positions_;
            T sum = 0;
            for (std::size_t i = 0; i < positions_; ++i) sum += p[i];
            channel_[c] = sum;
        }
    }
    // Each channel's value to its positions.
    void expand() { expand_from(channel_.data()); }
    void expand_from(const T* per_channel) {
        if (positions_ == 1) {
            if (per_channel != channel_.data()) std::copy_n(per_channel, channel_.size(), channel_.data());
            return;
        }
        for (std::size_t c = 0; c < channel_.size(); ++c) {
            std::fill_n(position_.data() + c * positions_, positions_, per_channel[c]);
        }
    }

private:
    std::size_t positions_ = 1;
    std::vector<T> channel_;
    std::vector<T> position_;
};

// The per-element formulas, on xsimd batches and scalars alike. Callers that
// fuse passes must use these, so fused and unfused results agree bit for bit.
struct NormalizationFormulas {
    template <class V> static void add_to_sum(V x, V& sum) { sum += x; }
    template <class V> static void add_squared_deviation(V x, V mean, V& m2) {
        const auto d = x - mean;
        m2 += d * d;
    }
    // y = (x − mean)·scale + β with scale = γ/σ: one multiply-add per element.
    template <class V> static V normalized(V x, V mean, V scale, V beta) { return (x - mean) * scale + beta; }
    // Σ dy and Σ dy·x̂, x̂ = (x − mean)·inv_std recomputed from the kept input.
    template <class V> static void add_gradient_sums(V dy, V x, V mean, V inv_std, V& sum_dy, V& sum_dy_xhat) {
        sum_dy += dy;
        sum_dy_xhat += dy * ((x - mean) * inv_std);
    }
    // Training: dx = scale·dy + slope·(x − mean) + offset (slope and offset from the sums).
    template <class V> static V input_gradient(V dy, V x, V mean, V scale, V slope, V offset) {
        return scale * dy + slope * (x - mean) + offset;
    }
};

template <Real T>
class Normalization {
public:
    // `layer` names the owner in messages ("BatchNorm", "BatchNorm2D").
    Normalization(const char* layer, std::size_t channels, std::size_t positions, double momentum, double epsilon)
        : channels_(channels),
          positions_(positions),
          momentum_(momentum),
          epsilon_(epsilon),
          gamma_(ParamSpec{"gamma", 1, channels, ParamKind::trainable, Constant(1.0)}),
          beta_(ParamSpec{"beta", 1, channels, ParamKind::trainable, zeros}),
          running_mean_(ParamSpec{"running_mean", 1, channels, ParamKind::state, zeros}),
          running_var_(ParamSpec{.name = "running_var", .cols = channels, .kind = ParamKind::state,
                                 .init = Constant(1.0), .nonnegative = true}),
          mean_(channels, positions),
          inv_std_(channels, positions),
          scale_(channels, positions),
          beta_at_(channels, positions),
          sum_dy_(channels, positions),
          sum_dy_xhat_(channels, positions) {
        if (!(momentum >= 0.0 && momentum <= 1.0)) {
            fail(layer, "(", channels, "): momentum must be in [0, 1], got ", momentum);
        }
        if (!(epsilon > 0.0)) fail(layer, "(", channels, "): epsilon must be positive, got ", epsilon);
    }

    std::size_t channels() const { return channels_; }
    std::size_t width() const { return channels_ * positions_; }

    // Positions per channel (H·W for images); resizing allocates, so only when the shape changes.
    void set_positions(std::size_t positions) {
        if (positions == positions_) return;
        positions_ = positions;
        for (auto* a : {&mean_, &inv_std_, &scale_, &beta_at_, &sum_dy_, &sum_dy_xhat_}) a->resize_positions(positions);
    }

    // The whole forward over `rows` rows of width(): batch statistics in training.
    void forward(const T* x, std::size_t rows, bool training, T* y) {
        if (training) {
            start_statistics();
            add_to_sums(x, rows);
            finish_mean(rows);
            add_squared_deviations(x, rows);
            finish_statistics();
        } else {
            use_running_statistics();
        }
        normalize(x, rows, y);
    }

    // The whole backward, for the rows `x` of the last forward.
    void backward(const T* dy, const T* x, std::size_t rows, bool training, T* dx) {
        start_gradient_sums();
        add_gradient_sums(dy, x, rows);
        finish_gradient_sums(rows, training);
        if (training) input_gradient(dy, x, rows, dx);
        else scale_gradient(dy, rows, dx);
    }

    template <class F>
    void visit_parameters(F&& f) {
        f(gamma_);
        f(beta_);
        f(running_mean_);
        f(running_var_);
    }
    // Evaluation form, for `x` laid out with channels on axis 1 (rows or an
    // image): ONNX's BatchNormalization over the running statistics.
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        const std::vector<std::int64_t> dims{static_cast<std::int64_t>(channels_)};
        return elementwise_node(graph, x,
                                {"BatchNormalization",
                                 {graph_parameter(graph, gamma_, dims), graph_parameter(graph, beta_, dims),
                                  graph_parameter(graph, running_mean_, dims), graph_parameter(graph, running_var_, dims)},
                                 {{"epsilon", static_cast<float>(epsilon_)}}});
    }

    Param<T>& gamma() { return gamma_; }
    const Param<T>& gamma() const { return gamma_; }
    Param<T>& beta() { return beta_; }
    Param<T>& running_mean() { return running_mean_; }
    Param<T>& running_var() { return running_var_; }
    void synchronize_statistics(std::shared_ptr<const StatisticsReducer<T>> reducer) {
        reducer_ = std::move(reducer);
    }

    // Per-position arrays the passes read (after the step that fills them).
    const T* mean() const { return mean_.at(); }
    const T* inv_std() const { return inv_std_.at(); }
    const T* scale() const { return scale_.at(); }
    const T* beta_at() const { return beta_at_.at(); }
    const T* slope() const { return sum_dy_xhat_.at(); }
    const T* offset() const { return sum_dy_.at(); }

    // --- Forward, training: statistics over `rows` rows (of every process). ---
    // Zeroes the accumulators a first pass adds each row to (add_to_sum).
    T* start_statistics() {
        mean_.zero();
        inv_std_.zero();  // holds M2, then the variance, until finish_statistics
        return mean_.at();
    }
    void add_to_sums(const T* x, std::size_t rows) {
        for (std::size_t r = 0; r < rows; ++r) {
            elementwise(width(), [](auto in, auto& sum) { NormalizationFormulas::add_to_sum(in, sum); },
                        x + r * width(), mean_.at());
        }
    }
    // After the first pass: the mean, and the accumulator of the second pass.
    T* finish_mean(std::size_t rows) {
        mean_.reduce();
        count_ = static_cast<T>(rows * positions_);
        if (reducer_) {
            reducer_->sum(std::span<T>(mean_.channels(), channels_));
            reducer_->sum(std::span<T>(&count_, 1));
        }
        const T inv_count = T(1) / count_;
        elementwise(channels_, [inv_count](auto& mean) { mean *= inv_count; }, mean_.channels());
        mean_.expand();
        return inv_std_.at();
    }
    void add_squared_deviations(const T* x, std::size_t rows) {
        for (std::size_t r = 0; r < rows; ++r) {
            elementwise(
                width(), [](auto in, auto mean, auto& m2) { NormalizationFormulas::add_squared_deviation(in, mean, m2); },
                x + r * width(), std::as_const(mean_).at(), inv_std_.at());
        }
    }
    // After the second pass: running statistics, 1/σ and γ/σ.
    void finish_statistics() {
        inv_std_.reduce();
        if (reducer_) reducer_->sum(std::span<T>(inv_std_.channels(), channels_));
        const T inv_count = T(1) / count_;
        const auto keep = static_cast<T>(momentum_);
        const auto eps = static_cast<T>(epsilon_);
        elementwise(
            channels_,
            [=](auto mean, auto& rm, auto& rv, auto& inv_std) {
                using std::sqrt;
                using V = decltype(mean);
                const auto var = inv_std * inv_count;
                rm = keep * rm + (T(1) - keep) * mean;
                rv = keep * rv + (T(1) - keep) * var;
                inv_std = V(1) / sqrt(var + eps);
            },
            std::as_const(mean_).channels(), running_mean_.data(), running_var_.data(), inv_std_.channels());
        fold_scale();
    }

    // --- Forward, evaluation: the running statistics. ---
    void use_running_statistics() {
        const auto eps = static_cast<T>(epsilon_);
        elementwise(
            channels_,
            [eps](auto rm, auto rv, auto& mean, auto& inv_std) {
                using std::sqrt;
                using V = decltype(rm);
                mean = rm;
                inv_std = V(1) / sqrt(rv + eps);
            },
            std::as_const(running_mean_).data(), std::as_const(running_var_).data(), mean_.channels(),
            inv_std_.channels());
        mean_.expand();
        fold_scale();
    }

    void normalize(const T* x, std::size_t rows, T* y) const {
        for (std::size_t r = 0; r < rows; ++r) {
            elementwise(
                width(),
                [](auto in, auto mean, auto scale, auto b, auto& out) {
                    out = NormalizationFormulas::normalized(in, mean, scale, b);
                },
                x + r * width(), mean(), scale(), beta_at(), y + r * width());
        }
    }

    // --- Backward: dγ = Σ dy·x̂, dβ = Σ dy; dx = γ/σ·dy in evaluation, and in
    // training dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)), as the batch
    // statistics depend on x. ---
    // Zeroes the accumulators of add_gradient_sums: returns {Σ dy, Σ dy·x̂}.
    std::pair<T*, T*> start_gradient_sums() {
        sum_dy_.zero();
        sum_dy_xhat_.zero();
        return {sum_dy_.at(), sum_dy_xhat_.at()};
    }
    void add_gradient_sums(const T* dy, const T* x, std::size_t rows) {
        for (std::size_t r = 0; r < rows; ++r) {
            elementwise(
                width(),
                [](auto g, auto in, auto mean, auto inv_std, auto& sum_dy, auto& sum_dy_xhat) {
                    NormalizationFormulas::add_gradient_sums(g, in, mean, inv_std, sum_dy, sum_dy_xhat);
                },
                dy + r * width(), x + r * width(), mean(), inv_std(), sum_dy_.at(), sum_dy_xhat_.at());
        }
    }
    // After the sums: dγ and dβ; in training also the slope and offset of
    // input_gradient, which overwrite the sums they are made of.
    void finish_gradient_sums(std::size_t rows, bool training) {
        sum_dy_.reduce();
        sum_dy_xhat_.reduce();
        elementwise(
            channels_,
            [](auto sum_dy, auto sum_dy_xhat, auto& dgamma, auto& dbeta) {
                dgamma += sum_dy_xhat;
                dbeta += sum_dy;
            },
            std::as_const(sum_dy_).channels(), std::as_const(sum_dy_xhat_).channels(), gamma_.grad_data(),
            beta_.grad_data());
        if (!training) return;
        if (reducer_) share_gradient_sums(rows);
        // This process's count: its gradient is weighted by its share of the global batch.
        const T inv_count = T(1) / static_cast<T>(rows * positions_);
        elementwise(
            channels_,
            [inv_count](auto scale, auto inv_std, auto& sum_dy, auto& sum_dy_xhat) {
                sum_dy_xhat = -inv_count * scale * inv_std * sum_dy_xhat;  // the slope
                sum_dy = -inv_count * scale * sum_dy;                      // the offset
            },
            std::as_const(scale_).channels(), std::as_const(inv_std_).channels(), sum_dy_.channels(),
            sum_dy_xhat_.channels());
        sum_dy_.expand();
        sum_dy_xhat_.expand();
    }
    void scale_gradient(const T* dy, std::size_t rows, T* dx) const {
        for (std::size_t r = 0; r < rows; ++r) {
            elementwise(
                width(), [](auto g, auto scale, auto& out) { out = scale * g; }, dy + r * width(), scale(),
                dx + r * width());
        }
    }
    void input_gradient(const T* dy, const T* x, std::size_t rows, T* dx) const {
        for (std::size_t r = 0; r < rows; ++r) {
            elementwise(
                width(),
                [](auto g, auto in, auto mean, auto scale, auto slope, auto offset, auto& out) {
                    out = NormalizationFormulas::input_gradient(g, in, mean, scale, slope, offset);
                },
                dy + r * width(), x + r * width(), mean(), scale(), slope(), offset(), dx + r * width());
        }
    }

private:
    // scale = γ/σ per channel, and γ/σ and β expanded to positions.
    void fold_scale() {
        elementwise(
            channels_, [](auto g, auto inv_std, auto& scale) { scale = g * inv_std; },
            std::as_const(gamma_).data(), std::as_const(inv_std_).channels(), scale_.channels());
        inv_std_.expand();
        scale_.expand();
        beta_at_.expand_from(std::as_const(beta_).data());
    }

    // The statistics came from every process's rows: so must the sums. Each
    // process's gradient is later weighted by its share of the global batch,
    // so its sums enter with that weight.
    void share_gradient_sums(std::size_t rows) {
        const T share = static_cast<T>(rows * positions_) / count_;
        elementwise(channels_, [share](auto& a, auto& b) { a *= share; b *= share; }, sum_dy_.channels(),
                    sum_dy_xhat_.channels());
        reducer_->sum(std::span<T>(sum_dy_.channels(), channels_));
        reducer_->sum(std::span<T>(sum_dy_xhat_.channels(), channels_));
    }

    std::size_t channels_;
    std::size_t positions_;
    double momentum_;
    double epsilon_;
    Param<T> gamma_;
    Param<T> beta_;
    Param<T> running_mean_;
    Param<T> running_var_;
    ChannelArray<T> mean_;
    ChannelArray<T> inv_std_;
    ChannelArray<T> scale_;  // γ/σ
    ChannelArray<T> beta_at_;
    ChannelArray<T> sum_dy_;
    ChannelArray<T> sum_dy_xhat_;
    std::shared_ptr<const StatisticsReducer<T>> reducer_;
    T count_ = 0;  // values behind the last batch statistics, over all processes
};

}  // namespace xtnn::detail
