#pragma once
// Loss/activation fusion, in one place. A loss names the output activation it
// fuses with (`using fused_activation = Sigmoid;`) and offers from-logits entry
// points; when the model ends in that activation, the Trainer computes the loss
// and its gradient from the activation's input (the logits), exact where the
// activation saturates, and the activation passes the gradient through.
// Adding a fused pair touches only the loss and its layer.
#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>

#include "../compose/final_layer.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../params/model_parameters.hpp"

namespace xtnn {

// A loss that can be computed from the logits entering its fused_activation.
template <class L, class T>
concept FusableLoss = Real<T> && requires(const L& loss, const Tensor<T>& logits, const Tensor<T>& target,
                                          Tensor<T>& grad) {
    typename L::fused_activation;
    { loss.value_from_logits(logits, target) } -> std::convertible_to<double>;
    { loss.value_and_gradient_from_logits(logits, target, grad) } -> std::convertible_to<double>;
};

// The loss as a Trainer computes it on model M: from the logits when M ends in
// the loss's fused activation, from M's output otherwise. M's final layer is
// found once, at construction; per step the fused path costs one branch (and,
// behind a run-time container, two virtual calls).
template <class M, class L>
class FusedLoss {
    using T = value_type_t<M>;
    using Final = detail::final_module_t<M>;
    static constexpr bool run_time = detail::ReportsFinalLayer<Final, T>;

    // A static model fuses only if it ends in the very activation, known at compile time.
    static constexpr bool possible = [] {
        if constexpr (!FusableLoss<L, T>) return false;
        else return run_time || std::is_same_v<Final, typename L::fused_activation>;
    }();

public:
    FusedLoss(M& model, const L& loss) : loss_(loss) {
        if constexpr (possible) {
            if constexpr (run_time) {
                layer_ = detail::final_module(model).final_layer();
                if (layer_ && layer_->type() != typeid(typename L::fused_activation)) layer_.reset();
            } else {
                layer_ = &detail::final_module(model);
            }
            if (layer_) refuse_logits_after_activation();
        }
    }

    double value_and_gradient(const Tensor<T>& pred, const Tensor<T>& target, Tensor<T>& grad) {
        if constexpr (possible) {
            if (layer_) {
                const double value = loss_.value_and_gradient_from_logits(logits(), target, grad);
                layer_->bypass_next_backward();
                return value;
            }
        }
        return loss_.value_and_gradient(pred, target, grad);
    }

    // The loss of the model's last output `pred`, computed the same way as in training.
    double value(const Tensor<T>& pred, const Tensor<T>& target) const {
        if constexpr (possible) {
            if (layer_) return loss_.value_from_logits(logits(), target);
        }
        return loss_.value(pred, target);
    }

    bool fused() const { return layer_ != nullptr; }

private:
    const Tensor<T>& logits() const {
        if constexpr (run_time) return layer_->last_input();
        else return layer_->template last_input<T>();
    }

    // A loss told to expect logits behind the activation it would fuse with is a mistake: say so.
    void refuse_logits_after_activation() const {
        if constexpr (requires { loss_.from_logits; }) {
            if (loss_.from_logits) {
                const std::string layer = layer_->describe();
                detail::fail("the model ends in ", layer, " but ", loss_.name(),
                             " with from_logits = true expects logits; use from_logits = false or remove the ",
                             layer);
            }
        }
    }

    // A copy: losses are small values, and a Trainer may outlive a temporary loss.
    L loss_;
    std::conditional_t<run_time, std::unique_ptr<FinalLayer<T>>, Final*> layer_{};
};

}  // namespace xtnn
