// Subnormal floats as zero: the FlushDenormals guard sets and restores the
// thread's modes, and fit runs with them unless FitOptions says otherwise.
#include <doctest/doctest.h>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

namespace {

// 1e-30 · 1e-10 = 1e-40 is below float's smallest normal (1.2e-38).
float subnormal_product() {
    volatile float a = 1e-30f;
    volatile float b = 1e-10f;
    return a * b;
}

struct ModeProbe {
    bool* seen;
    template <Real T>
    void on_epoch_end(TrainingState<T>&) const {
        *seen = FlushDenormals::active();
    }
};

bool flushing_during_fit(bool flush) {
    auto model = Sequential(Dense<float>(2, 4), ReLU(), Dense<float>(4, 1), Sigmoid());
    Adam<float> optimizer(1e-2);
    FitOptions options;
    options.epochs = 1;
    options.flush_denormals = flush;
    bool seen = !flush;
    fit(model, optimizer, BinaryCrossEntropy{}, make_xor<float>(2, 64, 0.1, 3), options, ModeProbe{&seen});
    return seen;
}

}  // namespace

TEST_CASE("FlushDenormals makes subnormal results zero while it lives, then restores the modes") {
#if defined(__SSE__) || defined(__x86_64__)
    REQUIRE_FALSE(FlushDenormals::active());
    CHECK(subnormal_product() > 0.0f);
    {
        const FlushDenormals flush;
        CHECK(FlushDenormals::active());
        CHECK(subnormal_product() == 0.0f);
        const FlushDenormals off(false);  // keeps what it finds
        CHECK(FlushDenormals::active());
    }
    CHECK_FALSE(FlushDenormals::active());
    CHECK(subnormal_product() > 0.0f);
#else
    MESSAGE("skipped: no SSE control register on this CPU; FlushDenormals is a no-op");
#endif
}

TEST_CASE("fit flushes subnormals by default and not when told, and restores the caller's modes") {
#if defined(__SSE__) || defined(__x86_64__)
    CHECK(flushing_during_fit(true));
    CHECK_FALSE(flushing_during_fit(false));
    CHECK_FALSE(FlushDenormals::active());
#else
    MESSAGE("skipped: no SSE control register on this CPU");
#endif
}
