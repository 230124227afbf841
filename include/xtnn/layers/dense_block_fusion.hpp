#pragma once
// detail::DenseBlockFusion: the run Dense → ReLU | LeakyReLU → BatchNorm →
// Dropout (the paper's deep block) computed in fewer passes over the rows,
// on the four modules' own parameters, buffers and random stream. Sequential
// recognises the run at compile time and calls it (compose/sequential.hpp).
//
//   unfused forward:  bias copy, gemm | activation | BN sum | BN squared deviations | BN normalize | Dropout
//   fused forward:    bias copy, gemm | activation + BN sum | BN squared deviations | normalize + Dropout
//   unfused backward: Dropout | BN sums | BN dx | activation | bias sum | gemms
//   fused backward:   Dropout + BN sums | BN dx + activation + bias sum | gemms
// (evaluation: one pass each way after and before the gemms, and the
// activation is not stored but recomputed in backward). Every element
// goes through the same formulas in the same order as in the modules
// themselves (NormalizationFormulas, Dropout::masked, the op's apply and
// derivative, the same row-by-row sums), so results are bit-identical; the
// activations qualify only when their vector and scalar lanes agree
// (detail::LaneExact), as the fused loops split rows differently.
#include <cstddef>
#include <type_traits>

#include "../core/matrix_view.hpp"
#include "../core/module.hpp"
#include "../core/tensor.hpp"
#include "../kernels/elementwise.hpp"
#include "activation.hpp"
#include "batch_norm.hpp"
#include "dense.hpp"
#include "dropout.hpp"
#include "normalization.hpp"

namespace xtnn::detail {

template <class Op>
std::true_type lane_exact_activation(const Activation<Op>*) requires LaneExact<Op>;
std::false_type lane_exact_activation(const void*);

template <class M>
struct dense_of : std::false_type {};
template <Real T>
struct dense_of<Dense<T>> : std::true_type {
    using value_type = T;
};

// Dense<T>, a lane-exact activation, BatchNorm<T>, Dropout: a run to fuse.
template <class D, class A, class N, class P>
concept DenseBlockRun = dense_of<D>::value && std::is_same_v<N, BatchNorm<typename D::value_type>> &&
                        std::is_same_v<P, Dropout> &&
                        decltype(lane_exact_activation(static_cast<const A*>(nullptr)))::value;

struct DenseBlockFusion {
    template <Real T, class Op>
    static const Tensor<T>& forward(Dense<T>& dense, Activation<Op>& act, BatchNorm<T>& bn, Dropout& drop,
                                    const Tensor<T>& x, Mode mode) {
        auto& out = drop.buffers_.template get<T>().output;
        ensure_shape(out, x.shape(0), dense.out_features());
        forward_into(dense, act, bn, drop, x, mode, view_of(out));
        return out;
    }

    template <Real T, class Op>
    static void forward_into(Dense<T>& dense, Activation<Op>& act, BatchNorm<T>& bn, Dropout& drop,
                             const Tensor<T>& x, Mode mode, MatrixView<T> out) {
        const Tensor<T>& z = dense.forward(x, mode);
        check_view_shape(out, z.shape(0), z.shape(1), "Dropout");
        auto& a = act.start_forward(z).output;  // the activation's output: BatchNorm's input
        bn.start_forward(a, mode);
        auto& dropped = drop.buffers_.template get<T>();
        dropped.active = mode == Mode::train && drop.drop_threshold_ > 0;
        auto& norm = bn.norm_;
        const Op op = act.op();
        const std::size_t rows = z.shape(0), f = z.shape(1);
        if (bn.training_) {
            T* sum = norm.start_statistics();
            for (std::size_t r = 0; r < rows; ++r) {
                elementwise(
                    f,
                    [op](auto zv, auto& av, auto& s) {
                        av = op.apply(zv);
                        NormalizationFormulas::add_to_sum(av, s);
                    },
                    z.data() + r * f, a.data() + r * f, sum);
            }
            norm.finish_mean(rows);
            norm.add_squared_deviations(a.data(), rows);
            norm.finish_statistics();
            if (dropped.active) drop.draw(dropped, rows, f);
            with_dropout(drop, dropped, [&](auto keep) {
                for (std::size_t r = 0; r < rows; ++r) {
                    elementwise(
                        f,
                        [keep](auto av, auto draw, auto mean, auto scale, auto beta, auto& y) {
                            y = keep(NormalizationFormulas::normalized(av, mean, scale, beta), draw);
                        },
                        std::as_const(a).data() + r * f, draws_row(dropped, a, r), norm.mean(), norm.scale(),
                        norm.beta_at(), out.row(r));
                }
            });
        } else {
            // Evaluation writes only the block's output (inference's cost is its memory traffic);
            // backward recomputes the activation from z.
            norm.use_running_statistics();
            for (std::size_t r = 0; r < rows; ++r) {
                elementwise(
                    f,
                    [op](auto zv, auto mean, auto scale, auto beta, auto& y) {
                        y = NormalizationFormulas::normalized(op.apply(zv), mean, scale, beta);
                    },
                    z.data() + r * f, norm.mean(), norm.scale(), norm.beta_at(), out.row(r));
            }
        }
    }

    template <Real T, class Op>
    static const Tensor<T>& backward(Dense<T>& dense, Activation<Op>& act, BatchNorm<T>& bn, Dropout& drop,
                                     MatrixView<const T> dy) {
        ActivationBuffers<T>* ab = act.start_backward(dy);
        if (ab == nullptr) fail(act.describe(), ": cannot pass a gradient through a fused block");
        auto& dropped = drop.buffers_.template get<T>();
        const Tensor<T>& z = *ab->input;
        const Tensor<T>& a = ab->output;
        Tensor<T>& dz = ab->grad_input;
        auto& norm = bn.norm_;
        const Op op = act.op();
        const std::size_t rows = dy.rows, f = dy.cols;
        T* db = dense.bias().grad_data();
        const auto sums = norm.start_gradient_sums();  // not a structured binding: lambdas capture these
        T* sum_dy = sums.first;
        T* sum_dy_xhat = sums.second;
        with_dropout(drop, dropped, [&](auto keep) {
            if (bn.training_) {
                for (std::size_t r = 0; r < rows; ++r) {
                    elementwise(
                        f,
                        [keep](auto g, auto draw, auto av, auto mean, auto inv_std, auto& s, auto& sx) {
                            NormalizationFormulas::add_gradient_sums(keep(g, draw), av, mean, inv_std, s, sx);
                        },
                        dy.row(r), draws_row(dropped, a, r), a.data() + r * f, norm.mean(), norm.inv_std(), sum_dy,
                        sum_dy_xhat);
                }
                norm.finish_gradient_sums(rows, true);
                for (std::size_t r = 0; r < rows; ++r) {
                    elementwise(
                        f,
                        [keep, op](auto g, auto draw, auto zv, auto av, auto mean, auto scale, auto slope,
                                   auto offset, auto& dzv, auto& dbv) {
                            const auto dx = NormalizationFormulas::input_gradient(keep(g, draw), av, mean, scale,
                                                                                  slope, offset);
                            dzv = dx * op.derivative(zv, av);
                            dbv += dzv;
                        },
                        dy.row(r), draws_row(dropped, a, r), z.data() + r * f, a.data() + r * f, norm.mean(),
                        norm.scale(), norm.slope(), norm.offset(), dz.data() + r * f, db);
                }
            } else {
                // Evaluation: dx = γ/σ·dy does not wait for the sums, so one pass. The
                // activation is recomputed from z: an evaluation forward does not store it.
                for (std::size_t r = 0; r < rows; ++r) {
                    elementwise(
                        f,
                        [keep, op](auto g, auto draw, auto zv, auto mean, auto inv_std, auto scale, auto& s,
                                   auto& sx, auto& dzv, auto& dbv) {
                            const auto av = op.apply(zv);
                            const auto kept = keep(g, draw);
                            NormalizationFormulas::add_gradient_sums(kept, av, mean, inv_std, s, sx);
                            dzv = scale * kept * op.derivative(zv, av);
                            dbv += dzv;
                        },
                        dy.row(r), draws_row(dropped, a, r), z.data() + r * f, norm.mean(), norm.inv_std(),
                        norm.scale(), sum_dy, sum_dy_xhat, dz.data() + r * f, db);
                }
                norm.finish_gradient_sums(rows, false);
            }
        });
        return dense.backward_gemms(view_of(std::as_const(dz)));
    }

private:
    // f(keep), keep(value, draw) the Dropout's treatment of a value: its
    // mask when the last forward dropped, the value itself otherwise.
    template <Real T, class F>
    static void with_dropout(const Dropout& drop, const DropoutBuffers<T>& dropped, F&& f) {
        if (dropped.active) {
            const auto threshold = static_cast<T>(drop.drop_threshold_);
            const auto scale = static_cast<T>(drop.keep_scale_);
            f([threshold, scale](auto value, auto draw) {
                using V = decltype(value);
                return Dropout::masked(value, draw, V(threshold), V(scale));
            });
        } else {
            f([](auto value, auto) { return value; });
        }
    }

    // Row r of the draws; when not dropping there are none, and the kernels
    // ignore that lane, so any row of the right width (the activation's) serves.
    template <Real T>
    static const T* draws_row(const DropoutBuffers<T>& dropped, const Tensor<T>& a, std::size_t r) {
        const Tensor<T>& source = dropped.active ? dropped.draws : a;
        return source.data() + r * source.shape(1);
    }
};

}  // namespace xtnn::detail
