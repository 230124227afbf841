// Every gemm backend built into this program (kernels/gemm_*.hpp) against a
// naive reference, side by side: random shapes (k <= 16, n = 1, shapes past
// libxsmm's size limit), strided views, both transposes, alpha and beta, beta = 0
// over NaN garbage, zero sizes. Then whole WDNN training steps with xtnn::gemm
// switched to each backend must match the blas steps and allocate nothing.
// A backend whose library CMake did not find is skipped with a message.
#define XTNN_GEMM_BACKEND_SWITCHABLE 1  // before any xtnn header: detail::gemm_switch

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include <xtnn/kernels/gemm_auto.hpp>
#include <xtnn/xtnn.hpp>

#include "heap_watch.hpp"
#include "paper_wdnn.hpp"

using heap_watch::allocations;

using namespace xtnn;

namespace {

template <class T>
struct Backend {
    std::string name;
    detail::GemmFunction<T> gemm;
};

// The backends compiled in; the absent ones are named in a message (once per type).
template <class T>
std::vector<Backend<T>> backends() {
    std::vector<Backend<T>> list{{"blas", &detail::gemm_blas<T>}};
#ifdef XTNN_HAVE_GEMM_EIGEN
    list.push_back({"eigen", &detail::gemm_eigen<T>});
#else
    MESSAGE("skipping the eigen gemm backend: <Eigen/Core> not found (install libeigen3-dev)");
#endif
#ifdef XTNN_HAVE_GEMM_LIBXSMM
    list.push_back({"libxsmm", &detail::gemm_libxsmm<T>});
#else
    MESSAGE("skipping the libxsmm gemm backend: <libxsmm.h> not found (install libxsmm-dev)");
#endif
#ifdef XTNN_HAVE_GEMM_AUTO
    list.push_back({"auto", &detail::gemm_auto<T>});
#else
    MESSAGE("skipping the auto gemm backend: it needs both Eigen and libxsmm");
#endif
    return list;
}

struct Case {
    Transpose ta = Transpose::no, tb = Transpose::no;
    std::size_t m = 0, n = 0, k = 0;
    std::size_t pad_a = 0, pad_b = 0, pad_c = 0;  // leading dimension beyond the row width
    double alpha = 1, beta = 0;
    std::string describe() const {
        return detail::concat(ta == Transpose::yes ? "T" : "N", tb == Transpose::yes ? "T" : "N", " m=", m,
                              " n=", n, " k=", k, " pads=", pad_a, "/", pad_b, "/", pad_c, " alpha=", alpha,
                              " beta=", beta);
    }
};

// Random operands for `c`, C prefilled (with NaN where beta = 0, which must
// overwrite it), then checks one backend against a long double reference with
// the classical gemm error bound, and that C's padding is left alone.
template <class T>
void check_case(const Backend<T>& backend, const Case& c, Rng& rng) {
    const bool ta = c.ta == Transpose::yes, tb = c.tb == Transpose::yes;
    const std::size_t a_rows = ta ? c.k : c.m, a_cols = ta ? c.m : c.k;
    const std::size_t b_rows = tb ? c.n : c.k, b_cols = tb ? c.k : c.n;
    const std::size_t lda = a_cols + c.pad_a, ldb = b_cols + c.pad_b, ldc = c.n + c.pad_c;
    std::vector<T> a(std::max<std::size_t>(a_rows * lda, 1)), b(std::max<std::size_t>(b_rows * ldb, 1));
    for (auto& v : a) v = static_cast<T>(rng.uniform(-1.0, 1.0));
    for (auto& v : b) v = static_cast<T>(rng.uniform(-1.0, 1.0));
    const T sentinel = T(-12345);
    std::vector<T> out(std::max<std::size_t>(c.m * ldc, 1), sentinel);
    for (std::size_t i = 0; i < c.m; ++i) {
        for (std::size_t j = 0; j < c.n; ++j) {
            out[i * ldc + j] = c.beta == 0 ? std::numeric_limits<T>::quiet_NaN() : static_cast<T>(rng.uniform(-1, 1));
        }
    }
    const std::vector<T> before = out;
    const auto alpha = static_cast<T>(c.alpha), beta = static_cast<T>(c.beta);
    backend.gemm(c.ta, c.tb, c.m, c.n, c.k, alpha, a.data(), lda, b.data(), ldb, beta, out.data(), ldc);

    const long double eps = std::numeric_limits<T>::epsilon();
    for (std::size_t i = 0; i < c.m; ++i) {
        for (std::size_t j = 0; j < ldc; ++j) {
            const T got = out[i * ldc + j];
            if (j >= c.n) {
                REQUIRE_MESSAGE(got == sentinel, backend.name, " wrote C's padding: ", c.describe());
                continue;
            }
            long double sum = 0, magnitude = 0;
            for (std::size_t l = 0; l < c.k; ++l) {
                const long double x = ta ? a[l * lda + i] : a[i * lda + l];
                const long double y = tb ? b[j * ldb + l] : b[l * ldb + j];
                sum += x * y;
                magnitude += std::fabs(x * y);
            }
            const long double old = c.beta == 0 ? 0.0L : before[i * ldc + j];
            const long double want = c.alpha * sum + c.beta * old;
            const long double bound =
                2 * (c.k + 2) * eps * (std::fabs(c.alpha) * magnitude + std::fabs(c.beta * old)) + 4 * eps;
            REQUIRE_MESSAGE(std::fabs(got - want) <= bound, backend.name, ": C(", i, ",", j, ") = ", got,
                            ", want ", static_cast<double>(want), " for ", c.describe());
        }
    }
}

// Mostly small sizes (k <= 16 half the time, 1 often), some up to a few hundred.
std::size_t random_size(Rng& rng, std::size_t small, std::size_t large) {
    switch (rng.below(4)) {
        case 0: return 1 + rng.below(small);
        case 1: return 1;
        case 2: return 1 + rng.below(large);
        default: return rng.below(small + 1);  // 0 included
    }
}

template <class T>
void check_random_cases(int count, std::uint64_t seed) {
    const double alphas[] = {1, 1, -0.5, 2, 0};
    const double betas[] = {0, 1, 1, 0.5};
    for (const auto& backend : backends<T>()) {
        Rng rng(seed);
        for (int i = 0; i < count; ++i) {
            Case c;
            c.ta = rng.below(2) ? Transpose::yes : Transpose::no;
            c.tb = rng.below(2) ? Transpose::yes : Transpose::no;
            c.m = random_size(rng, 70, 300);
            c.n = random_size(rng, 70, 300);
            c.k = random_size(rng, 16, 300);
            c.pad_a = rng.below(3) == 0 ? rng.below(5) : 0;
            c.pad_b = rng.below(3) == 0 ? rng.below(5) : 0;
            c.pad_c = rng.below(3) == 0 ? rng.below(5) : 0;
            c.alpha = alphas[rng.below(5)];
            c.beta = betas[rng.below(4)];
            check_case(backend, c, rng);
        }
    }
}

// The shapes of the paper's models (batch 64 and 256; forward, weight and
// input gradient of every Dense), one past libxsmm's size limit (BLAS/Eigen
// path), written into a column slice as Parallel's zero-copy concatenation does.
template <class T>
void check_model_shapes() {
    const std::size_t layers[][2] = {{9, 256}, {45, 256}, {256, 128}, {128, 64}, {320, 1}, {9, 128}, {64, 1}};
    Rng rng(11);
    for (const auto& backend : backends<T>()) {
        for (std::size_t batch : {64, 256}) {
            for (const auto& [in, out] : layers) {
                check_case(backend, {Transpose::no, Transpose::no, batch, out, in, 0, 0, 64, 1, 1}, rng);
                check_case(backend, {Transpose::yes, Transpose::no, in, out, batch, 0, 64, 0, 1, 1}, rng);
                check_case(backend, {Transpose::no, Transpose::yes, batch, in, out, 64, 0, 0, 1, 0}, rng);
            }
        }
        check_case(backend, {Transpose::no, Transpose::no, 300, 200, 40, 0, 0, 0, 1, 1}, rng);
    }
}

}  // namespace

TEST_CASE("every gemm backend matches the reference on random shapes, strides, transposes, alpha and beta") {
    check_random_cases<float>(300, 1);
    check_random_cases<double>(150, 2);
}

TEST_CASE("every gemm backend matches the reference at the paper's model shapes") {
    check_model_shapes<float>();
    check_model_shapes<double>();
}

TEST_CASE("every gemm backend handles zero sizes like BLAS") {
    Rng rng(3);
    for (const auto& backend : backends<float>()) {
        // k = 0: C = beta * C, NaN garbage overwritten when beta = 0; m or n = 0: nothing.
        check_case(backend, {Transpose::no, Transpose::no, 5, 7, 0, 0, 0, 2, 1, 0}, rng);
        check_case(backend, {Transpose::yes, Transpose::yes, 5, 7, 0, 0, 0, 0, 1, 0.5}, rng);
        check_case(backend, {Transpose::no, Transpose::no, 0, 7, 3, 0, 0, 0, 1, 0}, rng);
        check_case(backend, {Transpose::no, Transpose::yes, 4, 0, 3, 0, 0, 1, 1, 0}, rng);
    }
}

namespace {

// `steps` SGD steps of the paper's WDNN (n = 9, batch 64, dropout, BatchNorm,
// L2) with xtnn::gemm switched to `gemm`: the losses and the final weights.
// Counts the heap allocations of every step after the first.
struct StepResult {
    std::vector<double> losses;
    std::vector<float> weights;
    std::size_t steady_allocations = 0;
};

StepResult train_wdnn(detail::GemmFunction<float> gemm, int steps) {
    detail::gemm_switch<float> = gemm;
    const std::size_t n = 9;
    auto model = xtnn::testing::paper_wdnn(n);
    init_parameters(model, 1);
    auto data = make_kryptonite<float>(n, {.rows = 64 * static_cast<std::size_t>(steps), .seed = 3});
    SGD<float> opt(0.05, 0.9);
    BinaryCrossEntropy loss;
    Trainer trainer(model, opt, loss);
    BatchIterator<float> batches(data.data, 64, false);
    Rng rng(5);
    batches.start_epoch(rng);
    StepResult result;
    result.losses.reserve(static_cast<std::size_t>(steps));
    std::size_t before = 0;
    while (batches.next()) {
        if (result.losses.size() == 1) before = allocations.load();
        result.losses.push_back(trainer.step(batches.X(), batches.y()));
    }
    result.steady_allocations = allocations.load() - before;
    const auto values = parameters(model).values;
    result.weights.assign(values.begin(), values.end());
    detail::gemm_switch<float> = nullptr;
    return result;
}

}  // namespace

TEST_CASE("a WDNN training step through every gemm backend matches the blas step and allocates nothing") {
    // Tolerance: the backends sum the products in other orders, so float results
    // differ in the last bits; over 5 steps (BatchNorm's division by a batch
    // standard deviation amplifies them most) they stay below 1e-4 relative.
    const int steps = 5;
    const StepResult reference = train_wdnn(&detail::gemm_blas<float>, steps);
    REQUIRE(reference.losses.size() == static_cast<std::size_t>(steps));
    float largest = 0;
    for (float w : reference.weights) largest = std::max(largest, std::fabs(w));
    for (const auto& backend : backends<float>()) {
        CAPTURE(backend.name);
        const StepResult got = train_wdnn(backend.gemm, steps);
        REQUIRE(got.losses.size() == reference.losses.size());
        for (std::size_t i = 0; i < got.losses.size(); ++i) {
            CHECK(got.losses[i] == doctest::Approx(reference.losses[i]).epsilon(1e-4));
        }
        REQUIRE(got.weights.size() == reference.weights.size());
        float worst = 0;
        for (std::size_t i = 0; i < got.weights.size(); ++i) {
            worst = std::max(worst, std::fabs(got.weights[i] - reference.weights[i]));
        }
        CHECK(worst <= 1e-4f * largest);
        CHECK(got.steady_allocations == 0);
    }
}
