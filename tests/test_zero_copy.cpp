// Zero-copy Parallel(Concat): branches that write into a view (forward_into /
// backward_from, core/module.hpp) must give exactly what the copy path gives.
// The reference is the same model with every branch behind CopyPath, which
// hides the view hooks, so Parallel copies each way as it did before.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include <xtnn/xtnn.hpp>

#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_matrix;

namespace {

template <class M>
class CopyPath : public detail::common_value_type<M> {
public:
    explicit CopyPath(M inner) : inner_(std::move(inner)) {}

    template <Real T>
    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) { return inner_.forward(x, mode); }
    template <Real T>
    const Tensor<T>& backward(const Tensor<T>& g) { return inner_.backward(g); }
    std::optional<std::size_t> input_width() const { return inner_.input_width(); }
    std::optional<std::size_t> output_width(std::optional<std::size_t> in) const { return inner_.output_width(in); }
    std::string describe() const { return inner_.describe(); }
    template <class F>
    void visit_parameters(F&& f) { inner_.visit_parameters(f); }
    void reseed(std::uint64_t seed) { reseed_if_random(inner_, seed); }
    void set_input_grad_required(bool required) {
        if constexpr (requires { inner_.set_input_grad_required(required); }) inner_.set_input_grad_required(required);
    }

private:
    M inner_;
};

// The paper's WDNN (examples/kryptonite/models.hpp), its branches optionally behind CopyPath.
template <bool copy>
auto paper_wdnn(std::size_t n) {
    auto block = [](std::size_t in, std::size_t out) {
        return Sequential(Dense<float>(in, out, L2(1e-3)), ReLU(), BatchNorm<float>(out), Dropout(0.3));
    };
    auto wide = Sequential(Dense<float>(n, 256, L2(1e-3)), ReLU());
    auto deep = Sequential(block(n, 256), block(256, 128), block(128, 64));
    auto branches = [&] {
        if constexpr (copy) return Parallel(Concat{}, CopyPath(std::move(wide)), CopyPath(std::move(deep)));
        else return Parallel(Concat{}, std::move(wide), std::move(deep));
    }();
    return Sequential(std::move(branches), Dense<float>(320, 1), Sigmoid());
}

// Branches with and without the hooks: a nested Parallel, Sequential ending in
// ReLU (hook), in Tanh (none), Dense (hook), Dropout (hook), AnyModule (none).
template <bool copy>
auto mixed_parallel(std::size_t n) {
    auto wrap = [](auto m) {
        if constexpr (copy) return CopyPath(std::move(m));
        else return m;
    };
    auto inner = Parallel(Concat{}, wrap(Dense<double>(n, 2)), wrap(Sequential(Dense<double>(n, 3), LeakyReLU(0.1))));
    auto dropped = Sequential(Dense<double>(n, 4), wrap(Sequential(ReLU(), Dropout(0.5))));
    return Parallel(Concat{}, wrap(Sequential(Dense<double>(n, 5), ReLU())),
                    wrap(Sequential(Dense<double>(n, 3), Tanh())), wrap(Dense<double>(n, 2)), wrap(std::move(inner)),
                    std::move(dropped), wrap(AnyModule<double>(Dense<double>(n, 3))));
}

template <class T>
bool same_bits(std::span<const T> a, std::span<const T> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

template <class T>
bool same_bits(const Tensor<T>& a, const Tensor<T>& b) {
    return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

// One forward and backward of each model on the same data: outputs, input
// gradients and parameter gradients must match bit for bit.
template <class T, class A, class B>
void check_same_pass(A& zero_copy, B& reference, std::size_t rows, std::size_t n, Mode mode, std::uint64_t seed) {
    init_parameters(zero_copy, seed);
    init_parameters(reference, seed);
    REQUIRE(same_bits<T>(parameters(zero_copy).all_values, parameters(reference).all_values));
    zero_copy.reseed(seed);
    reference.reseed(seed);
    const Tensor<T> x = random_matrix<T>(rows, n, seed + 1);
    const Tensor<T>& y = zero_copy.forward(x, mode);
    const Tensor<T>& y_ref = reference.forward(x, mode);
    CHECK(same_bits(y, y_ref));
    const Tensor<T> g = random_matrix<T>(y.shape(0), y.shape(1), seed + 2);
    CHECK(same_bits(zero_copy.backward(g), reference.backward(g)));
    CHECK(same_bits<T>(parameters(zero_copy).grads, parameters(reference).grads));
}

}  // namespace

TEST_CASE("the paper's WDNN branches take the zero-copy path; Tanh and AnyModule branches do not") {
    using Wide = Sequential<Dense<float>, ReLU>;
    using Block = Sequential<Dense<float>, ReLU, BatchNorm<float>, Dropout>;
    static_assert(WritesIntoView<Wide, float>);
    static_assert(WritesIntoView<Sequential<Block, Block, Block>, float>);
    static_assert(!WritesIntoView<Sequential<Dense<float>, Tanh>, float>);
    static_assert(!WritesIntoView<AnyModule<float>, float>);
    static_assert(!WritesIntoView<CopyPath<Wide>, float>);
}

TEST_CASE("zero-copy WDNN gives the copy path's outputs and gradients bit for bit") {
    auto zero_copy = paper_wdnn<false>(9);
    auto reference = paper_wdnn<true>(9);
    for (const std::size_t rows : {64, 7}) {
        check_same_pass<float>(zero_copy, reference, rows, 9, Mode::train, 3 + rows);
        check_same_pass<float>(zero_copy, reference, rows, 9, Mode::eval, 4 + rows);
    }
}

TEST_CASE("zero-copy WDNN trains to the copy path's weights bit for bit") {
    auto zero_copy = paper_wdnn<false>(9);
    auto reference = paper_wdnn<true>(9);
    const auto data = make_kryptonite<float>(9, {.rows = 256, .seed = 3});
    auto train = [&](auto& model) {
        init_parameters(model, 11);
        FitOptions o;
        o.epochs = 2;
        o.batch_size = 64;
        o.seed = 5;
        Adam<float> opt(1e-3);
        fit(model, opt, BinaryCrossEntropy{}, data.data, o);
    };
    train(zero_copy);
    train(reference);
    CHECK(same_bits<float>(parameters(zero_copy).all_values, parameters(reference).all_values));
}

TEST_CASE("a Parallel mixing branches with and without the view hooks matches the copy path") {
    auto zero_copy = mixed_parallel<false>(4);
    auto reference = mixed_parallel<true>(4);
    check_same_pass<double>(zero_copy, reference, 6, 4, Mode::train, 21);
    check_same_pass<double>(zero_copy, reference, 6, 4, Mode::eval, 22);
}

TEST_CASE("mixed zero-copy Parallel gradients match finite differences") {
    auto model = Sequential(mixed_parallel<false>(3), Dense<double>(22, 2), Tanh());
    init_parameters(model, 7);
    for (const Mode mode : {Mode::train, Mode::eval}) {
        const auto report = check_gradients(model, xtnn::testing::random_tensor(5, 3, 8), {.mode = mode, .seed = 9});
        INFO(report);
        CHECK(report.passed);
    }
}

TEST_CASE("forward_into writes only its slice and backward_from reads only its slice") {
    Dense<double> dense(3, 2);
    init_parameters(dense, 1);
    const Tensor<double> x = random_matrix<double>(4, 3, 2);
    const Tensor<double> expected = dense.forward(x, Mode::eval);
    const Tensor<double> g = random_matrix<double>(4, 2, 3);
    const Tensor<double> expected_dx = dense.backward(g);

    Tensor<double> wide = Tensor<double>::from_shape({4, 5});
    wide.fill(-7.0);
    dense.forward_into(x, Mode::eval, view_of(wide).columns(1, 2));
    Tensor<double> wide_grad = Tensor<double>::from_shape({4, 5});
    wide_grad.fill(1e9);  // would swamp the gradients if read outside the slice
    for (std::size_t r = 0; r < 4; ++r) {
        CHECK(wide(r, 0) == -7.0);
        CHECK(wide(r, 3) == -7.0);
        CHECK(wide(r, 4) == -7.0);
        for (std::size_t c = 0; c < 2; ++c) {
            CHECK(wide(r, 1 + c) == expected(r, c));
            wide_grad(r, 2 + c) = g(r, c);
        }
    }
    CHECK(same_bits(dense.backward_from(view_of(std::as_const(wide_grad)).columns(2, 2)), expected_dx));
}

TEST_CASE("view hooks reject a view of the wrong shape, naming the module") {
    Dense<float> dense(3, 2);
    init_parameters(dense, 1);
    const Tensor<float> x = random_matrix<float>(4, 3, 2);
    Tensor<float> out = Tensor<float>::from_shape({4, 3});
    CHECK_THROWS_WITH_AS(dense.forward_into(x, Mode::eval, view_of(out)), "xtnn: Dense(3->2): shape mismatch, 4 x 3 vs 4 x 2",
                         error);
    ReLU relu;
    CHECK_THROWS_WITH_AS(relu.forward_into(x, Mode::eval, view_of(out).columns(0, 2)),
                         "xtnn: ReLU: shape mismatch, 4 x 2 vs 4 x 3", error);
}
