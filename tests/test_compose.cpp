#include <doctest/doctest.h>

#include <typeinfo>

#include <xtnn/compose/dynamic_sequential.hpp>
#include <xtnn/compose/parallel.hpp>
#include <xtnn/compose/sequential.hpp>
#include <xtnn/layers/activations.hpp>
#include <xtnn/layers/batch_norm.hpp>
#include <xtnn/layers/dense.hpp>
#include <xtnn/layers/dropout.hpp>

#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_tensor;

namespace {

auto small_wdnn(std::size_t n) {
    auto wide = Sequential(Dense<double>(n, 6, L2(1e-3)), ReLU());
    auto deep = Sequential(Dense<double>(n, 5, L2(1e-3)), ReLU(), BatchNorm<double>(5), Dropout(0.3),
                           Dense<double>(5, 4, L2(1e-3)), Tanh());
    return Sequential(Parallel(Concat{}, std::move(wide), std::move(deep)), Dense<double>(10, 1),
                      Sigmoid());
}

}  // namespace

TEST_CASE("Sequential gradients match finite differences") {
    auto model = Sequential(Dense<double>(4, 6), Tanh(), BatchNorm<double>(6), Dense<double>(6, 2), GELU());
    init_parameters(model, 3);
    const auto report = check_gradients(model, random_tensor(5, 4, 1));
    INFO(report);
    CHECK(report.passed);
}

TEST_CASE("Parallel + Concat gradients match finite differences, nested in Sequential") {
    auto model = small_wdnn(3);
    init_parameters(model, 5);
    const auto report = check_gradients(model, random_tensor(6, 3, 2), {.seed = 17});
    INFO(report);
    CHECK(report.passed);
}

TEST_CASE("Parallel concatenates branch outputs in order") {
    Dense<double> a(2, 1), b(2, 2);
    a.kernel().value().fill(1.0);
    b.kernel().value().fill(2.0);
    auto par = Parallel(Concat{}, std::move(a), std::move(b));
    Tensor<double> x = {{1, 2}};
    const auto& y = par.forward(x, Mode::eval);
    REQUIRE(y.shape(1) == 3);
    CHECK(y(0, 0) == 3);
    CHECK(y(0, 1) == 6);
    CHECK(y(0, 2) == 6);
    CHECK(par.output_width(std::nullopt) == 3);
}

TEST_CASE("Parameters get stable dotted names and live in one contiguous block") {
    auto model = small_wdnn(3);
    const auto names = parameter_names(model);
    CHECK(names.front() == "0.0.0.kernel");
    CHECK(std::find(names.begin(), names.end(), "0.1.2.running_var") != names.end());
    CHECK(names.back() == "1.bias");
    auto view = parameters(model);
    // wide 3*6+6, deep 3*5+5 + bn 5+5 + 5*4+4, head 10*1+1
    CHECK(view.values.size() == 24 + 20 + 10 + 24 + 11);
    CHECK(view.grads.size() == view.values.size());
    CHECK(view.all_values.size() == view.values.size() + 10);
    std::size_t expected_offset = 0;
    model.visit_parameters([&](Param<double>& p) {
        if (!p.trainable()) return;
        CHECK(p.data() == view.values.data() + expected_offset);
        expected_offset += p.size();
    });
}

TEST_CASE("init_parameters is deterministic per seed") {
    auto a = small_wdnn(3);
    auto b = small_wdnn(3);
    init_parameters(a, 42);
    init_parameters(b, 42);
    auto va = parameters(a).all_values, vb = parameters(b).all_values;
    CHECK(std::equal(va.begin(), va.end(), vb.begin()));
    init_parameters(b, 43);
    CHECK(!std::equal(va.begin(), va.end(), vb.begin()));
}

TEST_CASE("DynamicSequential matches the static Sequential exactly") {
    auto fixed = Sequential(Dense<double>(4, 5), ReLU(), BatchNorm<double>(5), Dense<double>(5, 1), Sigmoid());
    DynamicSequential<double> dynamic;
    dynamic.add(Dense<double>(4, 5)).add(ReLU()).add(BatchNorm<double>(5)).add(Dense<double>(5, 1)).add(Sigmoid());
    init_parameters(fixed, 9);
    init_parameters(dynamic, 9);
    CHECK(parameter_names(fixed) == parameter_names(dynamic));
    const auto x = random_tensor(7, 4, 3);
    CHECK(fixed.forward(x, Mode::train) == dynamic.forward(x, Mode::train));
    const auto report = check_gradients(dynamic, x);
    INFO(report);
    CHECK(report.passed);
    const auto final_layer = dynamic.final_layer();
    REQUIRE(final_layer != nullptr);
    CHECK(final_layer->type() == typeid(Sigmoid));
}

TEST_CASE("AnyModule::target gives the held module of exactly that type") {
    AnyModule<float> dense = Dense<float>(3, 4);
    REQUIRE(dense.target<Dense<float>>() != nullptr);
    CHECK(dense.target<Dense<float>>()->out_features() == 4);
    CHECK(dense.target<Dense<double>>() == nullptr);
    CHECK(dense.target<ReLU>() == nullptr);
    AnyModule<float> relu = ReLU();
    CHECK(relu.target<ReLU>() != nullptr);
    CHECK(relu.target<Activation<ops::ReLU>>() == nullptr);  // its base is not what it holds
}

TEST_CASE("the final layer is found through nested containers") {
    auto model = small_wdnn(3);
    CHECK(&detail::final_module(model) == &model.last());
    auto nested = Sequential(Dense<float>(2, 2), Sequential(Dense<float>(2, 2), ReLU()));
    CHECK(typeid(detail::final_module(nested)) == typeid(ReLU));
    DynamicSequential<float> dynamic;
    dynamic.add(Dense<float>(2, 2)).add(Parallel(Concat{}, Dense<float>(2, 2), Dense<float>(2, 1)));
    CHECK(dynamic.final_layer() == nullptr);
}

namespace {

// Claims one output width and produces another: Parallel sizes each branch's
// slice from output_width before running it, so the lie must be caught.
struct WrongWidth : WidthPreserving {
    Tensor<double> out = Tensor<double>::from_shape({2, 3});
    const Tensor<double>& forward(const Tensor<double>&, Mode) { return out; }
    const Tensor<double>& backward(const Tensor<double>& g) { return g; }
    std::string describe() const { return "WrongWidth"; }
};

}  // namespace

TEST_CASE("Parallel rejects a branch whose output is not the width it declared") {
    auto par = Parallel(Concat{}, Dense<double>(2, 1), WrongWidth{});
    init_parameters(par, 1);
    const Tensor<double> x = {{1, 2}, {3, 4}};
    CHECK_THROWS_WITH_AS(par.forward(x, Mode::eval),
                         doctest::Contains("branch 1 WrongWidth: shape mismatch, 2 x 3 vs 2 x 2"), xtnn::error);
}
