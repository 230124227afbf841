#pragma once
// BatchNorm<T>(features, momentum, epsilon): normalizes each feature with the
// batch's statistics in training and the running statistics in evaluation.
// Keras conventions, as the paper used Keras: momentum is the weight kept by the
// old running value (0.99; PyTorch's momentum=0.1 is 0.9 here), the running
// variance tracks the biased batch variance, epsilon defaults to 1e-3.
// Statistics are accumulated row by row into feature-sized buffers, so every
// inner loop is contiguous, and every loop is an xsimd kernel (normalization.hpp).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/module.hpp"
#include "../params/packing.hpp"
#include "../core/tensor.hpp"
#include "normalization.hpp"
#include "statistics_reducer.hpp"

namespace xtnn {
namespace detail {
struct DenseBlockFusion;
}

template <Real T>
class BatchNorm {
public:
    using value_type = T;

    explicit BatchNorm(std::size_t features, double momentum = 0.99, double epsilon = 1e-3)
        : norm_("BatchNorm", check_features(features), 1, momentum, epsilon) {
        detail::pack_parameters<T>(*this);
    }

    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        check_input(x);
        const std::size_t rows = x.shape(0);
        start_forward(x, mode);
        ensure_shape(output_, rows, norm_.width());
        norm_.forward(x.data(), rows, training_, output_.data());
        return output_;
    }

    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        if (input_ == nullptr) detail::fail(describe(), ": backward called before forward");
        check_same_shape(grad_out, output_, [this] { return describe(); });
        const std::size_t rows = grad_out.shape(0);
        ensure_shape(grad_input_, rows, norm_.width());
        norm_.backward(grad_out.data(), input_->data(), rows, training_, grad_input_.data());
        return grad_input_;
    }

    std::optional<std::size_t> input_width() const { return norm_.width(); }
    std::optional<std::size_t> output_width(std::optional<std::size_t>) const { return norm_.width(); }
    std::string describe() const {
        std::string s = detail::concat("BatchNorm(", norm_.width(), ")");
        if (!norm_.gamma().path().empty()) s += " '" + norm_.gamma().path() + "'";
        return s;
    }

    // Evaluation form; one channel per feature, so an image arriving here is flattened first.
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return norm_.export_graph(graph, as_rows(graph, x));
    }

    template <class F>
    void visit_parameters(F&& f) {
        norm_.visit_parameters(f);
    }

    // Synchronized statistics for data-parallel training: every process
    // normalizes with the global batch's mean and variance, summed by
    // `reducer`. Unset (the default, as PyTorch DDP): each process uses its own
    // batch. One reducer may serve every BatchNorm of a model.
    void synchronize_statistics(std::shared_ptr<const StatisticsReducer<T>> reducer) {
        norm_.synchronize_statistics(std::move(reducer));
    }

    // In evaluation mode this layer is y = x·scale + shift per feature, from
    // the running statistics: what folding it into a neighbouring Dense needs
    // (compose/dense_chain.hpp). Writes width() values to each.
    void evaluation_affine(T* scale, T* shift) {
        norm_.use_running_statistics();
        const T* mean = norm_.mean();
        const T* s = norm_.scale();
        const T* beta = norm_.beta_at();
        for (std::size_t j = 0; j < norm_.width(); ++j) {
            scale[j] = s[j];
            shift[j] = beta[j] - mean[j] * s[j];
        }
    }

    Param<T>& gamma() { return norm_.gamma(); }
    Param<T>& beta() { return norm_.beta(); }
    Param<T>& running_mean() { return norm_.running_mean(); }
    Param<T>& running_var() { return norm_.running_var(); }

private:
    friend struct detail::DenseBlockFusion;

    static std::size_t check_features(std::size_t features) {
        if (features == 0) detail::fail("BatchNorm: feature count must be positive");
        return features;
    }

    void check_input(const Tensor<T>& x) const {
        if (x.shape(1) != norm_.width()) {
            detail::fail(describe(), ": expected input with ", norm_.width(), " features, got ", x.shape(0), " x ",
                         x.shape(1));
        }
    }

    // Remembers the input and mode for backward.
    void start_forward(const Tensor<T>& x, Mode mode) {
        training_ = mode == Mode::train;
        if (training_ && x.shape(0) == 0) detail::fail(describe(), ": empty batch in training");
        input_ = &x;
    }

    detail::Normalization<T> norm_;
    const Tensor<T>* input_ = nullptr;
    Tensor<T> output_;
    Tensor<T> grad_input_;
    bool training_ = true;
};

}  // namespace xtnn
