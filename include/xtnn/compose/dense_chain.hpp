#pragma once
// Evaluation through oneDNN (CMake: -DXTNN_INFERENCE_BACKEND=onednn, which sets
// XTNN_INFERENCE_BACKEND_ONEDNN on xtnn::xtnn). A static Sequential<float> or a
// DynamicSequential<float> whose modules, nested containers of the same kind
// flattened, form a chain of units
//
//     Dense [BatchNorm] [ReLU | LeakyReLU | Sigmoid | Tanh] [BatchNorm] [Dropout]
//
// runs its Mode::eval forward as one oneDNN matmul per unit with the bias and the
// activation inside the kernel (kernels/onednn_matmul.hpp), instead of a bias
// pass, the gemm and elementwise passes. Dropout is the identity in evaluation.
// A BatchNorm is an affine map there, so it is folded into weights: one right
// after the Dense into that Dense's, one after the activation into the next
// unit's (the last unit's stays a pass of its own). Folding is redone from the
// current parameters and running statistics on every call (in·out multiply-adds
// per unit against rows·in·out for the product), or once per pass of predict or
// of fit's validation, which hold the parameters still (ParametersFrozen), so
// nothing goes stale when training goes on.
//
// Results differ from the module-by-module evaluation by rounding only (other
// summation orders, folded products); tests/onednn/test_dense_chain.cpp bounds
// the difference. Training, double models, rows = 0 and every other composition
// take the usual path; so does a container after fuse_blocks(model, false).
// A backward after a chained evaluation (check_gradients differentiates in
// Mode::eval) first replays that forward module by module (the containers do,
// under ChainsSuspended), so its gradients are exactly the module path's.
// In the default build (XTNN_INFERENCE_BACKEND=gemm) only ParametersFrozen and
// ChainsSuspended are compiled: the containers' chain members are empty types.
#include <atomic>
#include <cstdint>
#include <string_view>

#include "../core/module.hpp"
#include "../core/tensor.hpp"

#if defined(XTNN_INFERENCE_BACKEND_ONEDNN)
#include "../kernels/onednn_matmul.hpp"
#if !defined(XTNN_HAVE_ONEDNN_MATMUL)
#error "xtnn: XTNN_INFERENCE_BACKEND_ONEDNN needs <oneapi/dnnl/dnnl.hpp> on the include path (libdnnl-dev, DNNL::dnnl)"
#endif
#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/matrix_view.hpp"
#include "../kernels/elementwise.hpp"
#include "../layers/activations.hpp"
#include "../layers/batch_norm.hpp"
#include "../layers/dense.hpp"
#include "../layers/dropout.hpp"
#endif

namespace xtnn {

template <class... Ms>
class Sequential;

// What runs chains of Dense layers in evaluation mode in this translation unit:
// "gemm" (xtnn::gemm and xtnn's passes) or "onednn".
inline constexpr std::string_view inference_backend =
#if defined(XTNN_INFERENCE_BACKEND_ONEDNN)
    "onednn";
#else
    "gemm";
#endif

namespace detail {

// A container's chain member where no chain can run. A template, so that the
// member stays a dependent type and the containers' discarded `if constexpr`
// branches that use a chain's API are not checked against it (clang checks
// non-dependent expressions there).
template <class Owner>
struct NoDenseChain {};

// While one of these lives, no container on this thread evaluates as a chain:
// a replay before a backward must run every nested container module by module
// too, or the saved inputs would be the chain's (differently rounded) values.
class ChainsSuspended {
public:
    ChainsSuspended() : was_(suspended()) { suspended() = true; }
    ~ChainsSuspended() { suspended() = was_; }
    ChainsSuspended(const ChainsSuspended&) = delete;
    ChainsSuspended& operator=(const ChainsSuspended&) = delete;

    static bool active() { return suspended(); }

private:
    static bool& suspended() {
        thread_local bool flag = false;
        return flag;
    }
    bool was_;
};

// When a container whose chain switch is `on` may run `mode` as a chain.
inline bool chain_may_run(Mode mode, bool on) { return mode == Mode::eval && on && !ChainsSuspended::active(); }

// While one of these lives on a thread, no parameter of any model changes
// (predict and fit's validation pass hold one over their batches): evaluation
// chains then fold their BatchNorms on the first call only, not on every one.
class ParametersFrozen {
public:
    ParametersFrozen() : was_(current()) { current() = ++started(); }  // ids unique across threads
    ~ParametersFrozen() { current() = was_; }
    ParametersFrozen(const ParametersFrozen&) = delete;
    ParametersFrozen& operator=(const ParametersFrozen&) = delete;

    // The live freeze's id, 0 when there is none.
    static std::uint64_t id() { return current(); }

private:
    static std::uint64_t& current() {
        thread_local std::uint64_t id = 0;
        return id;
    }
    static std::atomic<std::uint64_t>& started() {
        static std::atomic<std::uint64_t> count{0};
        return count;
    }
    std::uint64_t was_;
};

#if defined(XTNN_INFERENCE_BACKEND_ONEDNN)

inline OneDnnActivation onednn_activation(const ops::ReLU&) { return {dnnl::algorithm::eltwise_relu, 0}; }
inline OneDnnActivation onednn_activation(const ops::LeakyReLU& op) {
    return {dnnl::algorithm::eltwise_relu, static_cast<float>(op.alpha)};
}
inline OneDnnActivation onednn_activation(const ops::Sigmoid&) { return {dnnl::algorithm::eltwise_logistic, 0}; }
inline OneDnnActivation onednn_activation(const ops::Tanh&) { return {dnnl::algorithm::eltwise_tanh, 0}; }

enum class ChainRole { dense, norm, activation, dropout, other };

template <class M>
constexpr ChainRole chain_role() {
    if constexpr (std::is_same_v<M, Dense<float>>) return ChainRole::dense;
    else if constexpr (std::is_same_v<M, BatchNorm<float>>) return ChainRole::norm;
    else if constexpr (std::is_same_v<M, Dropout>) return ChainRole::dropout;
    else if constexpr (requires(const M& m) { onednn_activation(m.op()); }) return ChainRole::activation;
    else return ChainRole::other;
}

// How many units leaves of these roles make, 0 when they are not a chain (the
// grammar above). Static Sequentials ask at compile time, dynamic ones at run time.
constexpr std::size_t chain_units(std::span<const ChainRole> roles) {
    std::size_t i = 0, units = 0;
    const auto take = [&](ChainRole role) {
        if (i < roles.size() && roles[i] == role) ++i;
    };
    while (i < roles.size()) {
        if (roles[i] != ChainRole::dense) return 0;
        ++i;
        ++units;
        take(ChainRole::norm);
        take(ChainRole::activation);
        take(ChainRole::norm);
        take(ChainRole::dropout);
    }
    return units;
}

template <class M>
struct is_static_sequential : std::false_type {};
template <class... Ms>
struct is_static_sequential<Sequential<Ms...>> : std::true_type {};

// The roles of a module's leaves, nested static Sequentials flattened.
template <class M>
struct ChainRoles {
    static constexpr std::size_t size = 1;
    static constexpr void append(ChainRole* roles, std::size_t& at) { roles[at++] = chain_role<M>(); }
};
template <class... Ms>
struct ChainRoles<Sequential<Ms...>> {
    static constexpr std::size_t size = (ChainRoles<Ms>::size + ...);
    static constexpr void append(ChainRole* roles, std::size_t& at) { (ChainRoles<Ms>::append(roles, at), ...); }
};

template <class M>
constexpr std::size_t chain_units() {
    std::array<ChainRole, ChainRoles<M>::size> roles{};
    std::size_t at = 0;
    ChainRoles<M>::append(roles.data(), at);
    return chain_units(roles);
}

// One leaf as a chain sees it.
struct ChainLeaf {
    ChainRole role = ChainRole::other;
    Dense<float>* dense = nullptr;
    BatchNorm<float>* norm = nullptr;
    OneDnnActivation activation;
};

template <class M>
ChainLeaf chain_leaf(M& module) {
    ChainLeaf leaf;
    leaf.role = chain_role<M>();
    if constexpr (chain_role<M>() == ChainRole::dense) leaf.dense = &module;
    else if constexpr (chain_role<M>() == ChainRole::norm) leaf.norm = &module;
    else if constexpr (chain_role<M>() == ChainRole::activation) leaf.activation = onednn_activation(module.op());
    return leaf;
}

struct DenseChainUnit {
    Dense<float>* dense = nullptr;
    BatchNorm<float>* pre_norm = nullptr;   // between the Dense and the activation: folded into this Dense
    OneDnnActivation activation;            // kind undef: none (yet, while the unit is being built)
    BatchNorm<float>* post_norm = nullptr;  // after the activation: folded into the next Dense
};

// The units of leaves that parse as a chain; `units` has chain_units(their roles) places.
inline void build_units(std::span<const ChainLeaf> leaves, std::span<DenseChainUnit> units) {
    std::size_t next = 0;
    for (const ChainLeaf& leaf : leaves) {
        if (leaf.role == ChainRole::dense) {
            units[next] = DenseChainUnit{};
            units[next++].dense = leaf.dense;
        } else if (leaf.role == ChainRole::norm) {
            DenseChainUnit& unit = units[next - 1];
            const bool activated = unit.activation.kind != dnnl::algorithm::undef;
            (activated || unit.pre_norm != nullptr ? unit.post_norm : unit.pre_norm) = leaf.norm;
        } else if (leaf.role == ChainRole::activation) {
            units[next - 1].activation = leaf.activation;
        }
    }
}

// Runs a chain's units; holds the primitives, folded weights and outputs between calls.
class OneDnnDenseChain {
public:
    // out = the chain applied to x (rows x the last unit's width; either may be a
    // view). Unless `refold`, the weights folded by the previous call are reused.
    void run(std::span<const DenseChainUnit> units, MatrixView<const float> x, MatrixView<float> out,
             bool refold) {
        if (stages_.size() != units.size()) {
            stages_.resize(units.size());
            refold = true;
        }
        MatrixView<const float> src = x;
        bool pending = false;  // scale_ / shift_ hold the previous unit's post_norm
        for (std::size_t u = 0; u < units.size(); ++u) {
            const DenseChainUnit& unit = units[u];
            Stage& stage = stages_[u];
            Dense<float>& dense = *unit.dense;
            const std::size_t width = dense.out_features();
            const float* weights = dense.kernel().data();
            const float* bias = dense.bias().data();
            if (pending || unit.pre_norm != nullptr) {
                if (refold) fold(stage, dense, pending, unit.pre_norm);
                weights = stage.weights.data();
                bias = stage.bias.data();
            }
            MatrixView<float> dst = out;
            if (u + 1 < units.size()) {
                ensure_shape(stage.output, x.rows, width);
                dst = view_of(stage.output);
            }
            stage.matmul.run({x.rows, dense.in_features(), width, src.stride, dst.stride, unit.activation}, src.data,
                             weights, bias, dst.data);
            pending = unit.post_norm != nullptr;
            if (pending) {
                affine_for(width);
                unit.post_norm->evaluation_affine(scale_.data(), shift_.data());
            }
            src = dst;
        }
        if (pending) apply_affine(out);
    }

private:
    struct Stage {
        OneDnnMatmul matmul;
        Tensor<float> weights, bias, output;  // weights and bias with BatchNorms folded in
    };

    // scale_ and shift_ with room for `width` values.
    void affine_for(std::size_t width) {
        if (scale_.size() < width) {
            scale_.resize(width);
            shift_.resize(width);
        }
    }

    // The Dense's weights and bias seen through the previous unit's BatchNorm
    // (pending: y = a·s + c feeds x·W + b = a·(diag(s)·W) + (c·W + b)) and its own
    // (pre_norm: z·s' + c' = x·(W·diag(s')) + (b·s' + c')).
    void fold(Stage& stage, Dense<float>& dense, bool pending, BatchNorm<float>* pre_norm) {
        const std::size_t in = dense.in_features(), out = dense.out_features();
        ensure_shape(stage.weights, in, out);
        ensure_shape(stage.bias, 1, out);
        const float* w = dense.kernel().data();
        float* fw = stage.weights.data();
        float* fb = stage.bias.data();
        std::copy_n(dense.bias().data(), out, fb);
        // Vectorized: outside predict and validation passes folding runs on every
        // call, and as plain loops it took 12 % of a predict before those folded once.
        for (std::size_t i = 0; i < in; ++i) {
            if (!pending) {
                std::copy_n(w + i * out, out, fw + i * out);
                continue;
            }
            const float s = scale_[i], c = shift_[i];
            elementwise(
                out,
                [s, c](auto wv, auto& f, auto& b) {
                    using V = decltype(wv);
                    f = V(s) * wv;
                    b += V(c) * wv;
                },
                w + i * out, fw + i * out, fb);
        }
        if (pre_norm == nullptr) return;
        affine_for(out);
        pre_norm->evaluation_affine(scale_.data(), shift_.data());
        const float* scale = scale_.data();
        for (std::size_t i = 0; i < in; ++i) elementwise(out, [](auto sv, auto& f) { f *= sv; }, scale, fw + i * out);
        elementwise(out, [](auto sv, auto cv, auto& b) { b = b * sv + cv; }, scale, std::as_const(shift_).data(), fb);
    }

    // The last unit's post_norm, in place.
    void apply_affine(MatrixView<float> y) const {
        for (std::size_t r = 0; r < y.rows; ++r) {
            elementwise(
                y.cols, [](auto s, auto c, auto& v) { v = v * s + c; }, scale_.data(), shift_.data(), y.row(r));
        }
    }

    std::vector<Stage> stages_;
    std::vector<float> scale_, shift_;
};

// Runs a container's chain and keeps what a backward that follows needs.
class DenseChainRun {
public:
    // out = the chain applied to x; false (nothing done) when the call must take
    // the usual path: no rows, an input the first Dense would refuse, or a view
    // of another shape (the usual path reports both with the modules' messages).
    bool run(std::span<const DenseChainUnit> units, const Tensor<float>& x, MatrixView<float> out) {
        if (!takes(units, x) || out.rows != x.shape(0) || out.cols != units.back().dense->out_features()) {
            return false;
        }
        const std::uint64_t freeze = ParametersFrozen::id();
        runner_.run(units, view_of(x), out, freeze == 0 || freeze != folded_in_);
        folded_in_ = freeze;
        input_ = &x;
        return true;
    }

    // As run, into a buffer of its own; nullptr when the usual path must run.
    const Tensor<float>* run(std::span<const DenseChainUnit> units, const Tensor<float>& x) {
        if (!takes(units, x)) return nullptr;
        ensure_shape(output_, x.shape(0), units.back().dense->out_features());
        run(units, x, view_of(output_));
        return &output_;
    }

    // The input of the last forward if it ran as a chain (then forgotten): the
    // container replays it module by module before a backward.
    const Tensor<float>* take_input() { return std::exchange(input_, nullptr); }

private:
    static bool takes(std::span<const DenseChainUnit> units, const Tensor<float>& x) {
        return x.shape(0) > 0 && x.shape(1) == units.front().dense->in_features();
    }

    OneDnnDenseChain runner_;
    Tensor<float> output_;
    const Tensor<float>* input_ = nullptr;
    std::uint64_t folded_in_ = 0;  // the ParametersFrozen id of the last fold
};

// A static Sequential's chain: its units found at compile time.
template <class Seq>
class DenseChainPlan {
    static constexpr std::size_t leaves = ChainRoles<Seq>::size;
    static constexpr std::size_t units = chain_units<Seq>();

public:
    const Tensor<float>* run(Seq& seq, const Tensor<float>& x) { return run_.run(units_of(seq), x); }
    bool run_into(Seq& seq, const Tensor<float>& x, MatrixView<float> out) {
        return run_.run(units_of(seq), x, out);
    }
    const Tensor<float>* take_input() { return run_.take_input(); }

private:
    static std::array<DenseChainUnit, units> units_of(Seq& seq) {
        std::array<ChainLeaf, leaves> found;
        std::size_t next = 0;
        for_each_leaf(seq, [&](auto& leaf) { found[next++] = chain_leaf(leaf); });
        std::array<DenseChainUnit, units> chain{};
        build_units(found, chain);
        return chain;
    }

    template <class M, class F>
    static void for_each_leaf(M& module, F&& f) {
        if constexpr (is_static_sequential<M>::value) {
            std::apply([&](auto&... children) { (for_each_leaf(children, f), ...); }, module.children());
        } else {
            f(module);
        }
    }

    DenseChainRun run_;
};

// A DynamicSequential<float>'s chain: its units found at every call (a few
// virtual calls per module), nested DynamicSequentials flattened.
class DynamicDenseChain {
public:
    template <class Dyn>
    const Tensor<float>* run(Dyn& seq, const Tensor<float>& x) {
        leaves_.clear();
        add_leaves(seq);
        roles_.clear();
        for (const ChainLeaf& leaf : leaves_) roles_.push_back(leaf.role);
        const std::size_t count = chain_units(roles_);
        if (count == 0) return nullptr;
        units_.assign(count, DenseChainUnit{});
        build_units(leaves_, units_);
        return run_.run(units_, x);
    }

    const Tensor<float>* take_input() { return run_.take_input(); }

private:
    template <class Dyn>
    void add_leaves(Dyn& seq) {
        for (std::size_t i = 0; i < seq.size(); ++i) {
            if (auto* nested = seq[i].template target<Dyn>()) add_leaves(*nested);
            else leaves_.push_back(leaf_of(seq[i]));
        }
    }

    // What an AnyModule holds, if it is one of a chain's modules (role other if not).
    template <class Any>
    static ChainLeaf leaf_of(Any& module) {
        return leaf_among<Dense<float>, BatchNorm<float>, Dropout, ReLU, LeakyReLU, Sigmoid, Tanh>(module);
    }

    template <class M, class... Rest, class Any>
    static ChainLeaf leaf_among(Any& module) {
        if (M* typed = module.template target<M>()) return chain_leaf(*typed);
        if constexpr (sizeof...(Rest) > 0) return leaf_among<Rest...>(module);
        else return {};
    }

    std::vector<ChainLeaf> leaves_;
    std::vector<ChainRole> roles_;
    std::vector<DenseChainUnit> units_;
    DenseChainRun run_;
};

// Whether a static Sequential's evaluation runs as a chain (its leaves are
// one; Dense<float> being the only Dense they admit, the model is float).
template <class Seq>
constexpr bool runs_dense_chain() {
    return chain_units<Seq>() > 0;
}
template <class Seq>
using DenseChainFor = std::conditional_t<runs_dense_chain<Seq>(), DenseChainPlan<Seq>, NoDenseChain<Seq>>;

// Whether a DynamicSequential<T> may evaluate as a chain (decided per call).
template <class T>
inline constexpr bool dynamic_chains = std::is_same_v<T, float>;
template <class T>
using DynamicDenseChainFor = std::conditional_t<dynamic_chains<T>, DynamicDenseChain, NoDenseChain<T>>;

#else

template <class Seq>
constexpr bool runs_dense_chain() {
    return false;
}

template <class Seq>
using DenseChainFor = NoDenseChain<Seq>;

template <class T>
inline constexpr bool dynamic_chains = false;
template <class T>
using DynamicDenseChainFor = NoDenseChain<T>;

#endif

}  // namespace detail
}  // namespace xtnn
