#pragma once
// Param<T>: one named parameter (or non-trainable state array such as a
// running mean) living in a model-wide contiguous block.
//
// Every model keeps all of its trainable values in one vector and their
// gradients in another of the same layout (state arrays follow the trainable
// values in the first). Each Param is a (block, offset) pair, so an optimizer
// update is one pass, zeroing gradients is one fill and a checkpoint is one copy.
// Containers re-pack their children's parameters into a fresh block when they
// are built (see detail::pack_parameters), which also gives every parameter its
// stable dotted name ("1.deep.0.kernel").
#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xadapt.hpp>

#include "initializers.hpp"
#include "regularizers.hpp"
#include "../core/tensor.hpp"

namespace xtnn {

enum class ParamKind { trainable, state };

template <Real T>
struct ParameterBlock {
    std::vector<T> values;  // trainable values first, then state arrays
    std::vector<T> grads;   // one per trainable value, same order
    std::size_t trainable_size = 0;
};

// What a layer declares about one of its parameters.
struct ParamSpec {
    std::string name;
    std::size_t rows = 1;
    std::size_t cols = 1;
    ParamKind kind = ParamKind::trainable;
    Initializer init = zeros;
    Regularizer regularizer = NoRegularizer{};
    std::size_t fan_in = 0;
    std::size_t fan_out = 0;
    bool nonnegative = false;  // a variance: loading a negative value is an error
};

template <Real T>
class Param {
public:
    explicit Param(ParamSpec spec)
        : spec_(std::move(spec)), block_(std::make_shared<ParameterBlock<T>>()) {
        const bool trainable = spec_.kind == ParamKind::trainable;
        block_->values.assign(size(), T(0));
        block_->grads.assign(trainable ? size() : 0, T(0));
        block_->trainable_size = trainable ? size() : 0;
        if (!needs_randomness()) reset(nullptr);
    }

    // Parameters are owned by exactly one model: move only.
    Param(Param&&) noexcept = default;
    Param& operator=(Param&&) noexcept = default;
    Param(const Param&) = delete;
    Param& operator=(const Param&) = delete;

    const std::string& name() const { return spec_.name; }
    // Where the owning module sits in its model ("1.deep.0"; empty at the top
    // level): the prefixes containers gave the name.
    const std::string& path() const { return path_; }
    std::size_t rows() const { return spec_.rows; }
    std::size_t cols() const { return spec_.cols; }
    std::size_t size() const { return spec_.rows * spec_.cols; }
    bool trainable() const { return spec_.kind == ParamKind::trainable; }
    bool nonnegative() const { return spec_.nonnegative; }
    const Regularizer& regularizer() const { return spec_.regularizer; }
    const Initializer& initializer() const { return spec_.init; }
    bool initialized() const { return initialized_; }

    T* data() { return block_->values.data() + offset_; }
    const T* data() const { return block_->values.data() + offset_; }
    // Gradient storage; null for state arrays.
    T* grad_data() { return trainable() ? block_->grads.data() + offset_ : nullptr; }
    const T* grad_data() const { return trainable() ? block_->grads.data() + offset_ : nullptr; }

    std::span<T> values() { return {data(), size()}; }
    std::span<const T> values() const { return {data(), size()}; }
    std::span<T> grads() { return {grad_data(), trainable() ? size() : 0}; }
    std::span<const T> grads() const { return {grad_data(), trainable() ? size() : 0}; }

    // rows x cols xtensor views of the storage (no allocation).
    auto value() { return xt::adapt(data(), size(), xt::no_ownership(), shape()); }
    auto value() const { return xt::adapt(data(), size(), xt::no_ownership(), shape()); }
    auto grad() { return xt::adapt(grad_data(), grads().size(), xt::no_ownership(), shape()); }

    // Draws fresh values from the initializer; `rng` may be null for the
    // deterministic initializers (zeros, constant, user types that say so).
    void reset(Rng* rng) {
        if (needs_randomness() && rng == nullptr) {
            detail::fail("parameter '", name(), "' needs a random engine to initialize");
        }
        Rng unused(0);
        initialize<T>(spec_.init, values(), spec_.fan_in, spec_.fan_out, rng ? *rng : unused);
        initialized_ = true;
    }

    bool needs_randomness() const { return xtnn::needs_randomness(spec_.init); }

    ParameterBlock<T>& block() { return *block_; }
    const ParameterBlock<T>& block() const { return *block_; }
    std::size_t offset() const { return offset_; }

    // Container plumbing: see detail::pack_parameters / detail::prefix_names.
    void rebind(std::shared_ptr<ParameterBlock<T>> block, std::size_t offset) {
        block_ = std::move(block);
        offset_ = offset;
    }
    void prepend_name(const std::string& prefix) {
        spec_.name = prefix + "." + spec_.name;
        path_ = path_.empty() ? prefix : prefix + "." + path_;
    }
    void mark_initialized() { initialized_ = true; }

private:
    std::array<std::size_t, 2> shape() const { return {spec_.rows, spec_.cols}; }

    ParamSpec spec_;
    std::string path_;
    std::shared_ptr<ParameterBlock<T>> block_;
    std::size_t offset_ = 0;
    bool initialized_ = false;
};

}  // namespace xtnn
