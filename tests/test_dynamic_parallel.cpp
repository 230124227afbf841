// DynamicParallel<T>: the run-time Parallel(Concat) keeps Parallel's guarantees
// (outputs, names, one block, width and image checks, gradients).
#include <doctest/doctest.h>

#include <string>

#include <xtnn/compose/dynamic_parallel.hpp>
#include <xtnn/compose/dynamic_sequential.hpp>
#include <xtnn/compose/parallel.hpp>
#include <xtnn/compose/sequential.hpp>
#include <xtnn/layers/activations.hpp>
#include <xtnn/layers/batch_norm.hpp>
#include <xtnn/layers/conv2d.hpp>
#include <xtnn/layers/dense.hpp>
#include <xtnn/layers/pooling.hpp>
#include <xtnn/params/model_parameters.hpp>

#include "gradient_check.hpp"

using namespace xtnn;
using xtnn::testing::random_tensor;

namespace {

// The paper's WDNN shape in miniature, built at run time.
DynamicSequential<double> dynamic_wdnn(std::size_t n) {
    DynamicSequential<double> wide, deep;
    wide.add(Dense<double>(n, 6, L2(1e-3))).add(ReLU());
    deep.add(Dense<double>(n, 5, L2(1e-3))).add(ReLU()).add(BatchNorm<double>(5)).add(Dense<double>(5, 4)).add(Tanh());
    DynamicParallel<double> both;
    both.add(std::move(wide)).add(std::move(deep));
    DynamicSequential<double> model;
    model.add(std::move(both)).add(Dense<double>(10, 1)).add(Sigmoid());
    return model;
}

template <class M>
std::string error_of(M&& build) {
    try {
        build();
    } catch (const xtnn::error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("DynamicParallel gradients match finite differences, nested in DynamicSequential") {
    auto model = dynamic_wdnn(3);
    init_parameters(model, 5);
    const auto report = check_gradients(model, random_tensor(6, 3, 2), {.seed = 17});
    INFO(report);
    CHECK(report.passed);
}

TEST_CASE("DynamicParallel computes what Parallel computes, with the same names") {
    auto fixed = Parallel(Concat{}, Dense<double>(3, 2), Sequential(Dense<double>(3, 4), Tanh()));
    DynamicParallel<double> dynamic;
    dynamic.add(Dense<double>(3, 2)).add(Sequential(Dense<double>(3, 4), Tanh()));
    CHECK(parameter_names(fixed) == parameter_names(dynamic));
    CHECK(parameter_names(dynamic).front() == "0.kernel");
    init_parameters(fixed, 9);
    init_parameters(dynamic, 9);
    const Tensor<double> x = random_tensor(4, 3, 1);
    const Tensor<double> a = fixed.forward(x, Mode::train);
    const Tensor<double> b = dynamic.forward(x, Mode::train);
    CHECK(a == b);
    const Tensor<double> g = random_tensor(4, 6, 2);
    const Tensor<double> da = fixed.backward(g);
    const Tensor<double> db = dynamic.backward(g);
    CHECK(da == db);
    CHECK(dynamic.output_width(std::nullopt) == 6);
    auto params = parameters(dynamic);
    CHECK(params.values.size() == 3 * 2 + 2 + 3 * 4 + 4);
}

TEST_CASE("DynamicParallel refuses branches that disagree on the input width") {
    const std::string message = error_of([] {
        DynamicParallel<float> par;
        par.add(Dense<float>(3, 2)).add(Dense<float>(4, 2));
    });
    CHECK(message.find("branch 1 Dense(4->2)") != std::string::npos);
    CHECK(message.find("branch 0 Dense(3->2)") != std::string::npos);
    CHECK(error_of([] {
              DynamicParallel<float> par;
              (void)par.forward(Tensor<float>::from_shape({2, 3}), Mode::eval);
          }).find("no branches") != std::string::npos);
}

TEST_CASE("DynamicParallel stacks image channels and hands the input image to every branch") {
    DynamicParallel<double> par;
    par.add(Conv2D<double>(2, 3, 3, {.padding = Padding::same, .input = ImageShape{2, 5, 4}}))
        .add(Conv2D<double>(2, 1, 1));
    CHECK(par.input_image() == ImageShape{2, 5, 4});
    CHECK(par.output_image(std::nullopt) == ImageShape{4, 5, 4});
    DynamicSequential<double> model;
    model.add(std::move(par)).add(MaxPool2D(2)).add(Dense<double>(4 * 2 * 2, 2));
    init_parameters(model, 4);
    const auto report = check_gradients(model, random_tensor(3, 40, 6), {.seed = 3});
    INFO(report);
    CHECK(report.passed);

    const std::string message = error_of([] {
        DynamicParallel<double> bad;
        bad.add(Conv2D<double>(2, 3, 3, {.input = ImageShape{2, 5, 4}}))
            .add(Conv2D<double>(2, 1, 1, {.input = ImageShape{2, 4, 5}}));
    });
    CHECK(message.find("expects a 2x4x5 input image") != std::string::npos);
}
