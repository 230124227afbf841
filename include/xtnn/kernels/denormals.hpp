#pragma once
// Subnormal floats ("denormals") as zero, for the thread that runs the maths.
//
// Training drives some values toward zero geometrically (Adam's moments of a dead
// ReLU unit, weights under L2): once they pass below the smallest normal float, every
// multiply-add that touches them takes a microcode assist on x86, about 100 cycles
// instead of one. A WDNN run on Kryptonite-12 at lr 0.005 slowed from 0.24 s per
// epoch to 7.7 s within 25 epochs (84 % of the time in the gemm kernel); with
// flush-to-zero and denormals-are-zero it stayed at 0.3 s, and ended with the same
// accuracies and epochs (docs/benchmarks.md, "Subnormal numbers"). GPUs and PyTorch's
// oneDNN kernels flush likewise.
//
// The modes are per thread (x86's MXCSR); BLAS worker threads keep their own, so
// a multi-threaded gemm is not covered. Elsewhere than x86 with SSE, a no-op.
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define XTNN_HAS_MXCSR 1
#endif

namespace xtnn {

/// While alive, the calling thread treats subnormal floats as zero, as inputs
/// (DAZ) and as results (FTZ); the previous modes come back on destruction.
class FlushDenormals {
public:
    explicit FlushDenormals(bool enable = true) {
#ifdef XTNN_HAS_MXCSR
        saved_ = _mm_getcsr();
        if (enable) _mm_setcsr(saved_ | flush_bits);
#else
        (void)enable;
#endif
    }
    ~FlushDenormals() {
#ifdef XTNN_HAS_MXCSR
        _mm_setcsr(saved_);
#endif
    }
    FlushDenormals(const FlushDenormals&) = delete;
    FlushDenormals& operator=(const FlushDenormals&) = delete;

    /// Whether this thread flushes subnormals now (false where it cannot).
    static bool active() {
#ifdef XTNN_HAS_MXCSR
        return (_mm_getcsr() & flush_bits) == flush_bits;
#else
        return false;
#endif
    }

private:
#ifdef XTNN_HAS_MXCSR
    static constexpr unsigned flush_bits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
    unsigned saved_ = 0;
#endif
};

}  // namespace xtnn
