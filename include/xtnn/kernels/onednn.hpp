#pragma once
// What every oneDNN-backed kernel shares (conv_onednn.hpp): the CPU engine,
// plain memory descriptors, and a primitive bound to its arguments once, run
// through the C API so that a call builds no std::unordered_map of arguments
// (the C++ API's execute does, on every call). Defines XTNN_HAVE_ONEDNN only
// when <oneapi/dnnl/dnnl.hpp> is on the include path (libdnnl-dev, CMake's
// DNNL::dnnl), so the header compiles alone either way.
//
// oneDNN 2.6 itself still allocates a few small objects with operator new
// inside every primitive execution (its argument map): about five per call.
// Everything sized by the data (blocked copies, scratchpads) is allocated when
// a primitive is created and reused.
#if __has_include(<oneapi/dnnl/dnnl.hpp>)
#include <oneapi/dnnl/dnnl.hpp>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <utility>
#include <vector>

#include "../core/error.hpp"

#define XTNN_HAVE_ONEDNN 1

namespace xtnn::detail {

// One CPU engine for the process (engines are thread-safe; streams are not, so
// each user owns its stream).
inline const dnnl::engine& onednn_engine() {
    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

inline dnnl::memory::dim onednn_dim(std::size_t n) { return static_cast<dnnl::memory::dim>(n); }

// f32 memory of these dimensions in a plain row-major layout, the first
// dimension `outer_stride` elements apart (a row of a wider matrix view).
inline dnnl::memory::desc onednn_plain_desc(dnnl::memory::dims dims, std::size_t outer_stride) {
    dnnl::memory::dims strides(dims.size(), 1);
    for (std::size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
    strides[0] = onednn_dim(outer_stride);
    return {dims, dnnl::memory::data_type::f32, strides};
}

// Memory whose buffer the caller hands over at each run (bind).
inline dnnl::memory onednn_user_memory(const dnnl::memory::desc& desc) {
    return {desc, onednn_engine(), DNNL_MEMORY_NONE};
}

inline void bind(dnnl::memory& memory, const void* data) {
    memory.set_data_handle(const_cast<void*>(data));  // oneDNN's handles are non-const; inputs are only read
}

// A primitive with its arguments fixed at creation. The memory objects must
// outlive the step; their buffers may change between runs (bind).
class OneDnnStep {
public:
    using Args = std::initializer_list<std::pair<int, const dnnl::memory*>>;  // (DNNL_ARG_*, memory)

    OneDnnStep(dnnl::primitive primitive, Args args)
        : primitive_(std::move(primitive)) {
        if (args.size() > args_.size()) fail("OneDnnStep: more than ", args_.size(), " arguments");
        for (const auto& [kind, memory] : args) args_[count_++] = {kind, memory->get()};
    }

    void run(const dnnl::stream& stream) const {
        const dnnl_status_t status = dnnl_primitive_execute(primitive_.get(), stream.get(), count_, args_.data());
        if (status != dnnl_success) fail("oneDNN: a primitive failed to run (status ", static_cast<int>(status), ")");
    }

private:
    dnnl::primitive primitive_;
    std::array<dnnl_exec_arg_t, 6> args_{};
    int count_ = 0;
};

// to = from, in to's layout; with accumulate, to += from.
inline OneDnnStep reorder_step(const dnnl::memory& from, const dnnl::memory& to, bool accumulate = false) {
    dnnl::primitive_attr attr;
    if (accumulate) {
        dnnl::post_ops sum;
        sum.append_sum(1.0f);
        attr.set_post_ops(sum);
    }
    return {dnnl::reorder(dnnl::reorder::primitive_desc(from, to, attr)), {{DNNL_ARG_FROM, &from}, {DNNL_ARG_TO, &to}}};
}

// Copies `from` into a fresh buffer of layout `want`, or returns `from` itself
// when the layouts agree; `steps` gets the reorder that keeps the copy current.
inline dnnl::memory onednn_as(const dnnl::memory& from, const dnnl::memory::desc& want,
                              std::vector<OneDnnStep>& steps) {
    if (from.get_desc() == want) return from;
    dnnl::memory to(want, onednn_engine());
    steps.push_back(reorder_step(from, to));
    return to;
}

}  // namespace xtnn::detail
#endif
