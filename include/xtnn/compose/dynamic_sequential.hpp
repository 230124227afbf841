#pragma once
// DynamicSequential<T>: a Sequential whose modules are chosen at run time.
// Same contract, names and packing as the static Sequential, so fit, save and
// load work unchanged. With XTNN_INFERENCE_BACKEND=onednn a DynamicSequential<float>
// of Dense layers, activations, BatchNorm and Dropout (nested ones flattened)
// evaluates through oneDNN as the static one does (compose/dense_chain.hpp).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/image_flow.hpp"
#include "../core/image_shape.hpp"
#include "../core/module.hpp"
#include "../params/packing.hpp"
#include "../core/random.hpp"
#include "../core/run_state.hpp"
#include "../core/tensor.hpp"
#include "any_module.hpp"
#include "dense_chain.hpp"
#include "final_layer.hpp"
#include "width_check.hpp"

namespace xtnn {

template <Real T>
class DynamicSequential {
public:
    using value_type = T;

    DynamicSequential() = default;

    // Appends a module, checking that it accepts what the previous one produces.
    DynamicSequential& add(AnyModule<T> module) {
        detail::WidthChain chain = chain_modules(offered_image_);
        chain.add(module, modules_.size());
        input_width_ = chain.input();
        input_image_ = chain.input_image();
        detail::prefix_names<T>(module, std::to_string(modules_.size()));
        modules_.push_back(std::move(module));
        detail::pack_parameters<T>(*this);
        return *this;
    }

    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        require_modules();
        if constexpr (detail::dynamic_chains<T>) {
            eval_chain_.take_input();
            if (detail::chain_may_run(mode, chain_)) {
                if (const Tensor<T>* y = eval_chain_.run(*this, x)) return *y;
            }
        }
        const Tensor<T>* y = &x;
        for (auto& m : modules_) y = &m.forward(*y, mode);
        return *y;
    }

    const Tensor<T>& backward(const Tensor<T>& grad) {
        require_modules();
        if constexpr (detail::dynamic_chains<T>) {
            // As Sequential: after a chained evaluation, every module must first hold its input.
            if (const Tensor<T>* x = eval_chain_.take_input()) {
                const detail::ChainsSuspended modules_only;
                forward(*x, Mode::eval);
            }
        }
        const Tensor<T>* g = &grad;
        for (auto it = modules_.rbegin(); it != modules_.rend(); ++it) g = &it->backward(*g);
        return *g;
    }

    std::optional<std::size_t> input_width() const { return input_width_; }
    std::optional<std::size_t> output_width(std::optional<std::size_t> input) const {
        std::optional<std::size_t> width = input ? input : input_width_;
        for (const auto& m : modules_) width = m.output_width(width);
        return width;
    }
    std::optional<ImageShape> input_image() const { return input_image_; }
    std::optional<ImageShape> output_image(std::optional<ImageShape> input) const {
        std::optional<ImageShape> image = input ? input : input_image_;
        for (const auto& m : modules_) image = m.output_image(image);
        return image;
    }
    // As Sequential::set_input_image; remembered for the modules added later.
    void set_input_image(ImageShape image) {
        if (input_width_ && *input_width_ != image.size()) return;
        offered_image_ = image;
        const detail::WidthChain chain = chain_modules(image);
        input_width_ = chain.input();
        input_image_ = chain.input_image();
    }
    std::string describe() const { return detail::concat("DynamicSequential(", modules_.size(), " modules)"); }

    GraphValue export_graph(GraphSink& graph, const GraphValue& input) const {
        require_modules();
        GraphValue value = input;
        for (const auto& m : modules_) value = m.export_graph(graph, value);
        return value;
    }

    template <class F>
    void visit_parameters(F&& f) {
        for (auto& m : modules_) m.visit_parameters(f);
    }
    void reseed(std::uint64_t seed) {
        for (std::size_t i = 0; i < modules_.size(); ++i) modules_[i].reseed(derive_seed(seed, i));
    }
    void visit_run_state(RunStateVisitor& v) {
        for (std::size_t i = 0; i < modules_.size(); ++i) v.nested(std::to_string(i), modules_[i]);
    }
    void set_input_grad_required(bool required) {
        if (!modules_.empty()) modules_.front().set_input_grad_required(required);
    }

    // The last module's final layer (compose/final_layer.hpp); null if there is none to fuse with.
    std::unique_ptr<FinalLayer<T>> final_layer() {
        return modules_.empty() ? nullptr : modules_.back().final_layer();
    }

    // Sequential::fuse_blocks' counterpart: with XTNN_INFERENCE_BACKEND=onednn,
    // whether evaluation may run as a chain through oneDNN, here and in nested
    // DynamicSequentials (run-time containers fuse nothing else).
    void fuse_blocks(bool on) {
        chain_ = on;
        for (auto& m : modules_) {
            if (auto* nested = m.template target<DynamicSequential>()) nested->fuse_blocks(on);
        }
    }

    std::size_t size() const { return modules_.size(); }
    AnyModule<T>& operator[](std::size_t i) { return modules_.at(i); }

private:
    detail::WidthChain chain_modules(std::optional<ImageShape> image) {
        detail::WidthChain chain("DynamicSequential", image);
        for (std::size_t i = 0; i < modules_.size(); ++i) chain.add(modules_[i], i);
        return chain;
    }

    void require_modules() const {
        if (modules_.empty()) detail::fail("DynamicSequential: no modules added");
    }

    std::vector<AnyModule<T>> modules_;
    std::optional<std::size_t> input_width_;
    std::optional<ImageShape> input_image_;
    std::optional<ImageShape> offered_image_;  // given by an enclosing chain
    bool chain_ = true;
    [[no_unique_address]] detail::DynamicDenseChainFor<T> eval_chain_;
};

}  // namespace xtnn
