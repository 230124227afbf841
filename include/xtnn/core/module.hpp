#pragma once
// The Module contract every layer and container satisfies.
//
//   const Tensor<T>& forward(const Tensor<T>& input, Mode mode);
//       Returns the module's own output buffer. `input` must stay alive and
//       unchanged until the matching backward (modules may keep a pointer to it).
//   const Tensor<T>& backward(const Tensor<T>& grad_output);
//       Accumulates parameter gradients (+=) and returns the module's own
//       input-gradient buffer.
//   std::optional<std::size_t> input_width() const;            // nullopt: any width
//   std::optional<std::size_t> output_width(std::optional<std::size_t> input) const;
//       Given an input width, a module must know its output width: Parallel
//       sizes each branch's slice from it before the branch runs.
//   std::string describe() const;                               // "Dense(9->256)"
//
// Optional hooks, found by the helpers below when a module has them:
//   void visit_parameters(F&& f)            f(Param<T>&) for every parameter and state array
//   void reseed(std::uint64_t seed)         for modules that draw random numbers
//   input_image(), output_image(in), set_input_image(image)
//                                           image shapes, for layers over images (core/image_flow.hpp)
//   bool width_preserving() const           output width always = input width (else: derive
//                                           from WidthPreserving, or neither)
//
// Writing into a view (WritesIntoView below), so a consumer that assembles
// several outputs side by side (Parallel(Concat)) needs no copies:
//   void forward_into(const Tensor<T>& input, Mode mode, MatrixView<T> out);
//       As forward, but the output goes into `out` (batch x output width),
//       which the consumer owns and must keep alive and unchanged until the
//       matching backward: the module may read its output back from there.
//   const Tensor<T>& backward_from(MatrixView<const T> grad_output);
//       As backward, reading the gradient from a view.
// Either forward may be followed by either backward. A hook must give exactly
// the results of forward/backward plus a copy; containers offer it when their
// last module does. Modules without it are served by a copy.
//
// Buffers are resized only when the batch size changes, so a steady-state
// training step allocates nothing.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "matrix_view.hpp"
#include "tensor.hpp"

namespace xtnn {

enum class Mode { train, eval };

template <class M, class T>
concept Module = Real<T> && requires(M& m, const M& cm, const Tensor<T>& x, Mode mode) {
    { m.forward(x, mode) } -> std::same_as<const Tensor<T>&>;
    { m.backward(x) } -> std::same_as<const Tensor<T>&>;
    { cm.input_width() } -> std::same_as<std::optional<std::size_t>>;
    { cm.output_width(std::optional<std::size_t>{}) } -> std::same_as<std::optional<std::size_t>>;
    { cm.describe() } -> std::convertible_to<std::string>;
};

template <class M, class T>
concept WritesIntoView = Real<T> && requires(M& m, const Tensor<T>& x, Mode mode, MatrixView<T> out,
                                             MatrixView<const T> grad) {
    m.forward_into(x, mode, out);
    { m.backward_from(grad) } -> std::same_as<const Tensor<T>&>;
};

template <class M>
concept Reseedable = requires(M& m, std::uint64_t seed) { m.reseed(seed); };

// Forwards a reseed to a module when it has randomness; a no-op otherwise.
template <class M>
void reseed_if_random(M& m, std::uint64_t seed) {
    if constexpr (Reseedable<M>) m.reseed(seed);
}

// Modules whose output width equals their input width (activations, Dropout, ...).
struct WidthPreserving {
    std::optional<std::size_t> input_width() const { return std::nullopt; }
    std::optional<std::size_t> output_width(std::optional<std::size_t> input) const {
        return input;
    }
};

// A module that keeps its width without deriving from WidthPreserving (it knows
// its input width once it knows its image, or it is type-erased) says so here.
template <class M>
concept ReportsWidthPreserving = requires(const M& m) {
    { m.width_preserving() } -> std::same_as<bool>;
};

// Whether `module`'s output width is always its input width, so a container
// may learn its own input width from a later module's (compose/width_check.hpp).
template <class M>
bool is_width_preserving(const M& module) {
    if constexpr (ReportsWidthPreserving<M>) return module.width_preserving();
    else return std::is_base_of_v<WidthPreserving, M>;
}

namespace detail {

// One buffer per floating type, so untemplated modules (ReLU, Dropout) serve
// float and double models; the unused one stays empty and costs nothing.
template <template <class> class Buffer>
struct PerReal {
    Buffer<float> f;
    Buffer<double> d;

    template <Real T>
    Buffer<T>& get() {
        if constexpr (std::is_same_v<T, float>) return f;
        else return d;
    }
    template <Real T>
    const Buffer<T>& get() const {
        if constexpr (std::is_same_v<T, float>) return f;
        else return d;
    }
};

}  // namespace detail
}  // namespace xtnn
