#pragma once
// AnyModule<T>: any module behind one type, for architectures known only at
// run time (widths from a config, depth from a flag). Costs one virtual call
// per module per pass; the static containers stay the fast path.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "../core/graph_sink.hpp"
#include "../core/image_flow.hpp"
#include "../core/image_shape.hpp"
#include "../core/module.hpp"
#include "../core/run_state.hpp"
#include "../params/packing.hpp"
#include "../core/tensor.hpp"
#include "children.hpp"
#include "final_layer.hpp"

namespace xtnn {

template <Real T>
class AnyModule {
public:
    using value_type = T;

    template <class M>
        requires(!std::is_same_v<std::remove_cvref_t<M>, AnyModule> && Module<std::remove_cvref_t<M>, T>)
    AnyModule(M module)  // NOLINT: implicit, so containers accept any module
        : impl_(std::make_unique<Holder<M>>(std::move(module))) {}

    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) { return impl_->forward(x, mode); }
    const Tensor<T>& backward(const Tensor<T>& grad) { return impl_->backward(grad); }
    std::optional<std::size_t> input_width() const { return impl_->input_width(); }
    std::optional<std::size_t> output_width(std::optional<std::size_t> in) const {
        return impl_->output_width(in);
    }
    std::optional<ImageShape> input_image() const { return impl_->input_image(); }
    std::optional<ImageShape> output_image(std::optional<ImageShape> in) const { return impl_->output_image(in); }
    void set_input_image(ImageShape image) { impl_->set_input_image(image); }
    bool width_preserving() const { return impl_->width_preserving(); }
    std::string describe() const { return impl_->describe(); }
    // Always offered: a held module without the hook fails at export, named.
    GraphValue export_graph(GraphSink& graph, const GraphValue& input) const {
        return impl_->export_graph(graph, input);
    }

    template <class F>
    void visit_parameters(F&& f) {
        impl_->visit(&f, [](void* fn, Param<T>& p) { (*static_cast<std::remove_reference_t<F>*>(fn))(p); });
    }
    void reseed(std::uint64_t seed) { impl_->reseed(seed); }
    void visit_run_state(RunStateVisitor& v) { impl_->visit_run_state(v); }
    void set_input_grad_required(bool required) { impl_->set_input_grad_required(required); }

    // The held module's final layer (compose/final_layer.hpp); null if there is none to fuse with.
    std::unique_ptr<FinalLayer<T>> final_layer() { return impl_->final_layer(); }

    // The held module if it is exactly an M, else null (as std::function::target).
    template <class M>
    M* target() {
        return static_cast<M*>(impl_->target(typeid(M)));
    }

private:
    using Visitor = void (*)(void*, Param<T>&);

    struct Interface {
        virtual ~Interface() = default;
        virtual const Tensor<T>& forward(const Tensor<T>&, Mode) = 0;
        virtual const Tensor<T>& backward(const Tensor<T>&) = 0;
        virtual std::optional<std::size_t> input_width() const = 0;
        virtual std::optional<std::size_t> output_width(std::optional<std::size_t>) const = 0;
        virtual std::optional<ImageShape> input_image() const = 0;
        virtual std::optional<ImageShape> output_image(std::optional<ImageShape>) const = 0;
        virtual void set_input_image(ImageShape) = 0;
        virtual bool width_preserving() const = 0;
        virtual std::string describe() const = 0;
        virtual GraphValue export_graph(GraphSink&, const GraphValue&) const = 0;
        virtual void visit(void* fn, Visitor call) = 0;
        virtual void reseed(std::uint64_t) = 0;
        virtual void visit_run_state(RunStateVisitor&) = 0;
        virtual void set_input_grad_required(bool) = 0;
        virtual std::unique_ptr<FinalLayer<T>> final_layer() = 0;
        virtual void* target(const std::type_info&) = 0;
    };

    template <class M>
    struct Holder final : Interface {
        explicit Holder(M m) : module(std::move(m)) {}
        const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override { return module.forward(x, mode); }
        const Tensor<T>& backward(const Tensor<T>& g) override { return module.backward(g); }
        std::optional<std::size_t> input_width() const override { return module.input_width(); }
        std::optional<std::size_t> output_width(std::optional<std::size_t> in) const override {
            return module.output_width(in);
        }
        std::optional<ImageShape> input_image() const override { return input_image_of(module); }
        std::optional<ImageShape> output_image(std::optional<ImageShape> in) const override {
            return output_image_of(module, in);
        }
        void set_input_image(ImageShape image) override { offer_input_image(module, image); }
        bool width_preserving() const override { return is_width_preserving(module); }
        std::string describe() const override { return module.describe(); }
        GraphValue export_graph(GraphSink& graph, const GraphValue& input) const override {
            return export_module(module, graph, input);
        }
        void visit(void* fn, Visitor call) override {
            if constexpr (Parametric<M>) {
                module.visit_parameters([&](Param<T>& p) { call(fn, p); });
            }
        }
        void reseed(std::uint64_t seed) override { reseed_if_random(module, seed); }
        void visit_run_state(RunStateVisitor& v) override { visit_module_run_states(module, v); }
        void set_input_grad_required(bool required) override {
            if constexpr (requires { module.set_input_grad_required(required); }) {
                module.set_input_grad_required(required);
            }
        }
        std::unique_ptr<FinalLayer<T>> final_layer() override { return detail::final_layer<T>(module); }
        void* target(const std::type_info& type) override { return type == typeid(M) ? &module : nullptr; }

        M module;
    };

    std::unique_ptr<Interface> impl_;
};

}  // namespace xtnn
