#pragma once
// Trainer: one training step (forward, loss, backward, regularization,
// optimizer update) with everything it needs bound once, so a steady-state
// step allocates nothing. fit is a loop around it; benchmarks time it directly.
#include <algorithm>
#include <type_traits>

#include "fusion.hpp"
#include "../core/error.hpp"
#include "../losses/binary_crossentropy.hpp"
#include "../losses/cross_entropy.hpp"
#include "../losses/loss.hpp"
#include "../losses/mean_squared_error.hpp"
#include "../core/module.hpp"
#include "../params/model_parameters.hpp"
#include "../core/tensor.hpp"

namespace xtnn {

namespace detail {

// Whether the loss should be computed from the logits entering the model's
// final Sigmoid/Softmax (exact for confident predictions) instead of from its
// output. A loss that expects logits behind such a layer is a mistake: say so.
template <class Loss>
constexpr bool has_logit_path = requires(const Loss& l, const Tensor<float>& t, Tensor<float>& g) {
    l.value_and_gradient_from_logits(t, t, g);
};

template <class Loss, class Model>
bool fuse_loss_with_terminal(const Loss& loss, Model& model) {
    const Terminal terminal = terminal_kind(model);
    if constexpr (std::is_same_v<Loss, BinaryCrossEntropy>) {
        if (terminal == Terminal::sigmoid && loss.from_logits) {
            fail("the model ends in Sigmoid but BinaryCrossEntropy{.from_logits = true} expects logits; "
                 "use from_logits = false or remove the Sigmoid");
        }
        return terminal == Terminal::sigmoid;
    } else if constexpr (std::is_same_v<Loss, CrossEntropy>) {
        if (terminal == Terminal::softmax && loss.from_logits) {
            fail("the model ends in Softmax but CrossEntropy{.from_logits = true} expects logits; "
                 "use from_logits = false or remove the Softmax");
        }
        return terminal == Terminal::softmax;
    } else {
        return false;
    }
}

template <class Model>
bool has_active_regularizer(Model& model) {
    bool any = false;
    model.visit_parameters([&](Param<value_type_t<Model>>& p) { any = any || is_active(p.regularizer()); });
    return any;
}

}  // namespace detail

template <Parametric Model, class Optimizer, class Loss>
class Trainer {
public:
    using T = value_type_t<Model>;

    Trainer(Model& model, Optimizer& optimizer, const Loss& loss)
        : model_(model),
          optimizer_(optimizer),
          loss_(loss),
          fused_(detail::fuse_loss_with_terminal(loss, model)),
          regularized_(detail::has_active_regularizer(model)),
          params_(parameters(model)) {
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
        double loss_value = 0;
        if constexpr (detail::has_logit_path<Loss>) {
            if (fused_) {
                loss_value = loss_.value_and_gradient_from_logits(terminal_logits<T>(model_), y, grad_);
                bypass_terminal_backward(model_);
            } else {
                loss_value = loss_.value_and_gradient(pred, y, grad_);
            }
        } else {
            loss_value = loss_.value_and_gradient(pred, y, grad_);
        }
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
    double evaluation_loss(const Tensor<T>& pred, const Tensor<T>& y) {
        if constexpr (detail::has_logit_path<Loss>) {
            if (fused_) return loss_.value_from_logits(terminal_logits<T>(model_), y);
        }
        return loss_.value(pred, y);
    }

    bool fused() const { return fused_; }
    bool regularized() const { return regularized_; }

private:
    Model& model_;
    Optimizer& optimizer_;
    const Loss& loss_;
    bool fused_;
    bool regularized_;
    ParameterView<T> params_;
    Tensor<T> grad_;
    const Tensor<T>* predictions_ = nullptr;
};

}  // namespace xtnn
