#pragma once
// Dropout(rate): inverted dropout. In training each feature is zeroed with
// probability `rate` and the survivors scaled by 1/(1 - rate), so evaluation
// is the identity. Draws come from the module's own seeded engine, 16 bits
// per element (four elements per 64-bit draw).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "../elementwise.hpp"
#include "../error.hpp"
#include "../module.hpp"
#include "../random.hpp"
#include "../tensor.hpp"

namespace xtnn {
namespace detail {

template <class T>
struct DropoutBuffers {
    Tensor<T> mask;  // 0 or the survivor scale, per element
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
        const std::size_t n = x.size();
        ensure_shape(b.mask, x.shape(0), x.shape(1));
        ensure_shape(b.output, x.shape(0), x.shape(1));
        // The mask buffer first holds each element's 16-bit draw (exact in T),
        // filled by a tight loop over the engine; one branch-free vectorized
        // pass then turns draws into 0 or scale and applies them. A branch per
        // element would be mispredicted at every rate worth using.
        T* mask = b.mask.data();
        std::size_t i = 0;
        for (; i + 4 <= n; i += 4) {
            const std::uint64_t word = rng_();
            for (std::size_t k = 0; k < 4; ++k) mask[i + k] = static_cast<T>((word >> (16 * k)) & 0xffffU);
        }
        if (i < n) {
            const std::uint64_t word = rng_();
            for (std::size_t k = 0; i < n; ++i, ++k) mask[i] = static_cast<T>((word >> (16 * k)) & 0xffffU);
        }
        const auto scale = static_cast<T>(keep_scale_);
        const auto threshold = static_cast<T>(drop_threshold_);
        detail::elementwise(
            n,
            [=](auto in, auto& keep, auto& out) {
                using V = decltype(in);
                keep = detail::select(keep < V(threshold), V(0), V(scale));
                out = in * keep;
            },
            x.data(), mask, b.output.data());
        return b.output;
    }

    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        auto& b = buffers_.template get<T>();
        if (!b.active) return grad_out;
        check_same_shape(grad_out, b.mask, "Dropout");
        ensure_shape(b.grad_input, grad_out.shape(0), grad_out.shape(1));
        detail::elementwise(
            grad_out.size(), [](auto g, auto keep, auto& gi) { gi = g * keep; }, grad_out.data(),
            std::as_const(b.mask).data(), b.grad_input.data());
        return b.grad_input;
    }

    void reseed(std::uint64_t seed) { rng_.reseed(seed); }
    double rate() const { return rate_; }
    std::string describe() const { return detail::concat("Dropout(", rate_, ")"); }

private:
    double rate_;
    std::uint32_t drop_threshold_ = 0;
    double keep_scale_ = 1.0;
    Rng rng_;
    detail::PerReal<detail::DropoutBuffers> buffers_;
};

}  // namespace xtnn
