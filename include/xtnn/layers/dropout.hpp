#pragma once
// Dropout(rate): inverted dropout. In training each feature is zeroed with
// probability `rate` and the survivors scaled by 1/(1 - rate), so evaluation
// is the identity. Draws come from the module's own seeded engine, 16 bits
// per element (detail::BulkRng).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "../kernels/elementwise.hpp"
#include "../core/error.hpp"
#include "../core/graph_sink.hpp"
#include "../core/matrix_view.hpp"
#include "../core/module.hpp"
#include "../core/run_state.hpp"
#include "../kernels/bulk_rng.hpp"
#include "../core/tensor.hpp"

namespace xtnn {
namespace detail {

struct DenseBlockFusion;

template <class T>
struct DropoutBuffers {
    Tensor<T> draws;  // each element's 16-bit draw: it is dropped when below the threshold
    Tensor<T> output;
    Tensor<T> grad_input;
    bool active = false;  // last forward dropped (training, rate > 0)
};

}  // namespace detail

class Dropout : public WidthPreserving {
public:
    explicit Dropout(double rate, std::uint64_t seed = 0) : rate_(rate), rng_(seed) {
        if (!(rate >= 0.0 && rate < 1.0)) {
            detail::fail("Dropout: rate must be in [0, 1), got ", rate);
        }
        // Drop when a 16-bit draw falls below the threshold; the scale uses the
        // probability actually realised, so the expectation is exact.
        drop_threshold_ = static_cast<std::uint32_t>(std::lround(rate * 65536.0));
        keep_scale_ = 65536.0 / static_cast<double>(65536 - drop_threshold_);
    }

    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        auto& b = buffers_.template get<T>();
        b.active = mode == Mode::train && drop_threshold_ > 0;
        if (!b.active) return x;
        ensure_shape(b.output, x.shape(0), x.shape(1));
        drop(b, x, view_of(b.output));
        return b.output;
    }

    // Into a consumer's view; when not dropping, that is a copy of the input.
    template <Real T>
    void forward_into(const Tensor<T>& x, Mode mode, MatrixView<T> out) {
        check_view_shape(out, x.shape(0), x.shape(1), "Dropout");
        auto& b = buffers_.template get<T>();
        b.active = mode == Mode::train && drop_threshold_ > 0;
        if (b.active) drop(b, x, out);
        else detail::copy_rows(view_of(x), out);
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        if (!buffers_.template get<T>().active) return grad_out;
        return backward_from(view_of(grad_out));
    }

    template <Real T>
    const Tensor<T>& backward_from(MatrixView<const T> grad_out) {
        auto& b = buffers_.template get<T>();
        if (b.active) check_view_shape(grad_out, b.draws.shape(0), b.draws.shape(1), "Dropout");
        ensure_shape(b.grad_input, grad_out.rows, grad_out.cols);
        if (b.active) apply_mask<T>(grad_out, view_of(b.draws), view_of(b.grad_input));
        else detail::copy_rows(grad_out, view_of(b.grad_input));
        return b.grad_input;
    }

    void reseed(std::uint64_t seed) { rng_.reseed(seed); }
    /// The random stream's position, for a run that resumes (core/run_state.hpp).
    void visit_run_state(RunStateVisitor& v) { v.nested("rng", rng_); }
    double rate() const { return rate_; }
    std::string describe() const { return detail::concat("Dropout(", rate_, ")"); }
    // Evaluation drops nothing: an exported graph passes the input on.
    GraphValue export_graph(GraphSink& /*graph*/, const GraphValue& x) const { return x; }

private:
    friend struct detail::DenseBlockFusion;

    // A value kept (scaled) or dropped by its draw.
    template <class V>
    static V masked(V value, V draw, V threshold, V scale) {
        return value * detail::select(draw < threshold, V(0), scale);
    }

    // out = in · (0 or the survivor scale), decided by the draws: forward and
    // backward share the draws rather than a stored mask, which saves a store
    // stream. Branch-free, as a branch per element would be mispredicted at
    // every rate worth using.
    template <Real T>
    void apply_mask(MatrixView<const T> in, MatrixView<const T> draws, MatrixView<T> out) const {
        const auto scale = static_cast<T>(keep_scale_);
        const auto threshold = static_cast<T>(drop_threshold_);
        detail::for_each_row_span(
            [=](std::size_t n, const T* value_in, const T* draw_in, T* result_out) {
                detail::elementwise(
                    n,
                    [=](auto value, auto draw, auto& result) {
                        using V = decltype(value);
                        result = masked(value, draw, V(threshold), V(scale));
                    },
                    value_in, draw_in, result_out);
            },
            in, draws, out);
    }

    // Fresh draws for x, then x with them applied into `out`.
    template <Real T>
    void drop(detail::DropoutBuffers<T>& b, const Tensor<T>& x, MatrixView<T> out) {
        draw(b, x.shape(0), x.shape(1));
        apply_mask<T>(view_of(x), view_of(b.draws), out);
    }

    template <Real T>
    void draw(detail::DropoutBuffers<T>& b, std::size_t rows, std::size_t cols) {
        ensure_shape(b.draws, rows, cols);
        rng_.fill_uint16(b.draws.data(), rows * cols);
    }

    double rate_;
    std::uint32_t drop_threshold_ = 0;
    double keep_scale_ = 1.0;
    detail::BulkRng rng_;
    detail::PerReal<detail::DropoutBuffers> buffers_;
};

}  // namespace xtnn
