#pragma once
// Trainer: one training step (forward, loss, backward, regularization,
// optimizer update) with everything it needs bound once, so a steady-state
// step allocates nothing. fit is a loop around it; benchmarks time it directly.
#include <algorithm>
#include <concepts>
#include <span>

#include "fusion.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"
#include "../losses/loss.hpp"
#include "../optim/optimizer.hpp"
#include "../params/model_parameters.hpp"

namespace xtnn {

namespace detail {

template <class M>
bool has_active_regularizer(M& model) {
    bool any = false;
    model.visit_parameters([&](Param<value_type_t<M>>& p) { any = any || is_active(p.regularizer()); });
    return any;
}

}  // namespace detail

template <Model M, Optimizer O, class L>
    requires Loss<L, value_type_t<M>> && std::same_as<typename O::value_type, value_type_t<M>>
class Trainer {
public:
    using T = value_type_t<M>;

    Trainer(M& model, O& optimizer, const L& loss)
        : model_(model),
          optimizer_(optimizer),
          loss_(model, loss),
          regularized_(detail::has_active_regularizer(model)),
          params_(parameters(model)) {
        require_initialized(model, "Trainer");
        // The model's first layer never needs the gradient of the input data.
        if constexpr (requires { model.set_input_grad_required(false); }) model.set_input_grad_required(false);
    }

    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    ~Trainer() {
        if constexpr (requires { model_.set_input_grad_required(true); }) model_.set_input_grad_required(true);
    }

    // One optimizer step on a batch; returns the batch loss including the
    // regularization penalty (Keras reports it the same way).
    double step(const Tensor<T>& x, const Tensor<T>& y) {
        const double loss_value = compute_gradients(x, y);
        apply_update();
        return loss_value;
    }

    // The two halves of step, for callers that act on the gradients in between
    // (data-parallel training averages them across processes).
    double compute_gradients(const Tensor<T>& x, const Tensor<T>& y) {
        std::fill(params_.grads.begin(), params_.grads.end(), T(0));
        const Tensor<T>& pred = model_.forward(x, Mode::train);
        double loss_value = loss_.value_and_gradient(pred, y, grad_);
        model_.backward(grad_);
        if (regularized_) loss_value += add_regularization(model_);
        predictions_ = &pred;
        return loss_value;
    }

    void apply_update() { optimizer_.step(params_.values, std::span<const T>(params_.grads)); }

    // The model's gradients (one contiguous buffer), valid after compute_gradients.
    std::span<T> gradients() { return params_.grads; }

    // The model's output for the last batch (valid until the next forward).
    const Tensor<T>& predictions() const { return *predictions_; }

    // Loss of the model's current output on (pred, y), computed the same way
    // as in training: from the logits when the loss is fused.
    double evaluation_loss(const Tensor<T>& pred, const Tensor<T>& y) { return loss_.value(pred, y); }

    // Whether the loss is computed from the logits of the model's final activation (train/fusion.hpp).
    bool fused() const { return loss_.fused(); }
    bool regularized() const { return regularized_; }

private:
    M& model_;
    O& optimizer_;
    FusedLoss<M, L> loss_;
    bool regularized_;
    ParameterView<T> params_;
    Tensor<T> grad_;
    const Tensor<T>* predictions_ = nullptr;
};

}  // namespace xtnn
