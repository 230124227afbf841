// ONNX import on hand-built graphs: the operators and forms PyTorch's exporter
// does not emit (MatMul + Add, Gelu, the Erf pattern's other orders, Reshape,
// a Concat reading the fork's value itself), and clear errors naming the node
// for what xtnn cannot import, including malformed and hostile tensors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include <xtnn/onnx.hpp>
#include <xtnn/xtnn.hpp>

#include "data_test_support.hpp"
#include "gradient_check.hpp"
#include "onnx_builder.hpp"

using namespace xtnn;
using xtnn_onnx_test::GraphBuilder;
using xtnn_test::check_error;

namespace {

double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::numbers::sqrt2)); }
double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

template <class Build>
void check_import_error(Build build, std::initializer_list<std::string_view> parts) {
    check_error([&] { (void)import_onnx<float>(build().model()); }, parts);
}

// input (batch x 2) → Relu → output, with `edit` applied to the Relu node.
template <class Edit>
GraphBuilder relu_with(Edit edit) {
    GraphBuilder g({2});
    edit(g.node("Relu", {"input"}, {"output"}));
    return g;
}

}  // namespace

TEST_CASE("MatMul + Add becomes one Dense, Gelu the exact GELU") {
    auto model = import_onnx<float>(xtnn_onnx_test::matmul_add_gelu().model());
    CHECK(model.size() == 2);
    CHECK(parameter_names(model) == std::vector<std::string>{"0.kernel", "0.bias"});
    const Tensor<float> x = {{1, -1, 2}};
    const Tensor<float> y = predict(model, x);
    // x·W + b with W = [[1, 2], [3, 4], [5, 6]]: (1 - 3 + 10 + 0.5, 2 - 4 + 12 - 0.5)
    CHECK(y(0, 0) == doctest::Approx(gelu(8.5)));
    CHECK(y(0, 1) == doctest::Approx(gelu(9.5)));
}

TEST_CASE("branches joined by Concat, one of them the input itself, become a DynamicParallel") {
    auto model = import_onnx<double>(xtnn_onnx_test::concat_of_branches().model());
    const Tensor<double> x = {{1, -2, 3, 4}};
    const Tensor<double> y = predict(model, x);
    REQUIRE(y.shape(1) == 7);
    const double expected[] = {2, 0, 1, -2, 3, 4, 6};  // relu(2·x0, 2·x1), x, Σx
    for (std::size_t i = 0; i < 7; ++i) CHECK(y(0, i) == doctest::Approx(sigmoid(expected[i])));
    const auto report = check_gradients(model, xtnn::testing::random_tensor(3, 4, 2));
    INFO(report);
    CHECK(report.passed);
}

TEST_CASE("the Erf GELU pattern is recognised in its other orders") {
    GraphBuilder g({2});
    g.constant("inv_sqrt2", {}, {static_cast<float>(1 / std::numbers::sqrt2)});
    g.constant("one", {1}, {1.0f});
    g.constant("half", {}, {0.5f});
    g.node("Mul", {"input", "inv_sqrt2"}, {"s"});
    g.node("Erf", {"s"}, {"e"});
    g.node("Add", {"one", "e"}, {"p"});
    g.node("Mul", {"p", "half"}, {"h"});
    g.node("Mul", {"input", "h"}, {"output"});
    auto model = import_onnx<double>(g.model());
    CHECK(model.size() == 1);
    const Tensor<double> y = predict(model, Tensor<double>{{-1.5, 0.7}});
    CHECK(y(0, 0) == doctest::Approx(gelu(-1.5)));
    CHECK(y(0, 1) == doctest::Approx(gelu(0.7)));
}

TEST_CASE("Reshape to (batch, C, H, W) makes an image a Conv reads; Reshape to (batch, -1) flattens it") {
    GraphBuilder g({8});
    g.int64_constant("image", {-1, 2, 2, 2});
    g.int64_constant("flat", {0, -1});
    g.constant("K", {1, 2, 1, 1}, {1, 10});
    g.node("Reshape", {"input", "image"}, {"i"});
    g.node("Conv", {"i", "K"}, {"c"});
    g.node("Reshape", {"c", "flat"}, {"output"});
    auto model = import_onnx<float>(g.model());
    const Tensor<float> y = predict(model, Tensor<float>{{1, 2, 3, 4, 10, 20, 30, 40}});
    REQUIRE(y.shape(1) == 4);
    CHECK(y(0, 0) == 101);  // channel 0 + 10 · channel 1, per position
    CHECK(y(0, 3) == 404);
}

TEST_CASE("what xtnn cannot import is an error naming the node") {
    check_import_error([] { return relu_with([](onnx::NodeProto& n) { n.set_op_type("Celu"); }); },
                       {"node 'Relu_1' (Celu)", "operator Celu is not supported"});
    check_import_error([] { return relu_with([](onnx::NodeProto& n) { xtnn_onnx_test::set_int(n, "bogus", 1); }); },
                       {"node 'Relu_1' (Relu)", "unsupported attribute 'bogus'"});
    check_import_error([] { return relu_with([](onnx::NodeProto& n) { n.set_domain("com.microsoft"); }); },
                       {"node 'Relu_1'", "domain 'com.microsoft'"});
    check_import_error(
        [] {
            GraphBuilder g({2});
            g.node("Softmax", {"input"}, {"output"});
            xtnn_onnx_test::set_int(*g.graph()->mutable_node(0), "axis", 0);
            return g;
        },
        {"node 'Softmax_1' (Softmax)", "axis 0"});
    check_import_error(
        [] {
            GraphBuilder g({2});
            g.constant("W", {2, 2}, {1, 0, 0, 1});
            auto& n = g.node("Gemm", {"input", "W"}, {"output"});
            xtnn_onnx_test::set_int(n, "transA", 1);
            return g;
        },
        {"node 'Gemm_1' (Gemm)", "transA"});
    check_import_error(
        [] {
            GraphBuilder g({2});
            g.constant("W", {3, 2}, {1, 0, 0, 1, 1, 1});
            g.node("MatMul", {"input", "W"}, {"output"});
            return g;
        },
        {"node 'MatMul_1' (MatMul)", "3 x 2", "2 features"});
    check_import_error(
        [] {
            GraphBuilder g({1, 4, 4});
            g.constant("K", {2, 1, 3, 3}, std::vector<float>(18, 1.0f));
            auto& n = g.node("Conv", {"input", "K"}, {"output"});
            xtnn_onnx_test::set_ints(n, "dilations", {2, 2});
            return g;
        },
        {"node 'Conv_1' (Conv)", "dilations 2x2"});
    check_import_error(
        [] {
            GraphBuilder g({1, 5, 5});
            auto& n = g.node("MaxPool", {"input"}, {"output"});
            xtnn_onnx_test::set_ints(n, "kernel_shape", {3, 3});
            xtnn_onnx_test::set_ints(n, "pads", {1, 1, 0, 0});  // 'same' would be {1, 1, 1, 1}
            return g;
        },
        {"node 'MaxPool_1' (MaxPool)", "pads [1, 1, 0, 0]"});
    check_import_error(
        [] {
            GraphBuilder g({2});
            g.node("Relu", {"input"}, {"a"});
            g.node("Tanh", {"input"}, {"b"});
            g.node("Add", {"a", "b"}, {"output"});
            return g;
        },
        {"node 'Add_3' (Add)", "not supported"});
}

TEST_CASE("graphs xtnn cannot walk are errors naming the node or value") {
    check_import_error(
        [] {
            GraphBuilder g({2});
            g.node("Relu", {"input"}, {"output"});
            g.node("Tanh", {"output"}, {"unused"});
            return g;
        },
        {"node 'Tanh_2' (Tanh)", "not on the path"});
    check_import_error(
        [] {
            GraphBuilder g({2});
            g.node("Relu", {"input"}, {"a"});
            g.node("Relu", {"a"}, {"input"});  // feeds itself
            return g;
        },
        {"Relu_1", "reached twice"});
    check_import_error(
        [] {
            GraphBuilder g({2});
            g.node("Relu", {"input"}, {"a"});
            auto& n = g.node("Concat", {"a", "input"}, {"output"});
            xtnn_onnx_test::set_int(n, "axis", 0);
            return g;
        },
        {"node 'Concat_2' (Concat)", "axis 1"});
    check_import_error([] { return GraphBuilder({2}, 7); }, {"opset 7 is not supported"});
    check_import_error(
        [] {
            GraphBuilder g({2});
            g.node("Relu", {"input"}, {"output"});
            g.graph()->add_input()->set_name("second");
            return g;
        },
        {"more than one input"});
}

TEST_CASE("malformed or hostile tensors are refused before anything is allocated") {
    const auto dense_with = [](auto edit) {
        return [edit] {
            GraphBuilder g({2});
            edit(g.constant("W", {2, 2}, {1, 2, 3, 4}, true));
            g.node("MatMul", {"input", "W"}, {"output"});
            return g;
        };
    };
    check_import_error(dense_with([](onnx::TensorProto& t) { t.mutable_raw_data()->resize(17); }),
                       {"tensor 'W'", "raw_data has 17 bytes", "needs 16"});
    check_import_error(dense_with([](onnx::TensorProto& t) { t.mutable_raw_data()->resize(8); }),
                       {"tensor 'W'", "more elements than its 2 values"});
    check_import_error(dense_with([](onnx::TensorProto& t) { t.set_dims(0, -2); }), {"tensor 'W'", "negative"});
    check_import_error(dense_with([](onnx::TensorProto& t) {
                           t.set_dims(0, std::numeric_limits<std::int64_t>::max());
                           t.set_dims(1, std::numeric_limits<std::int64_t>::max());
                       }),
                       {"tensor 'W'", "more elements than its 4 values"});
    check_import_error(dense_with([](onnx::TensorProto& t) { t.set_data_location(onnx::TensorProto::EXTERNAL); }),
                       {"tensor 'W'", "external data"});
    check_import_error(dense_with([](onnx::TensorProto& t) { t.set_data_type(onnx::TensorProto::FLOAT16); }),
                       {"tensor 'W'", "not supported"});
    check_import_error(dense_with([](onnx::TensorProto& t) {
                           const float nan = std::numeric_limits<float>::quiet_NaN();
                           t.mutable_raw_data()->replace(4, 4, reinterpret_cast<const char*>(&nan), 4);
                       }),
                       {"tensor 'W'", "value 1 is not finite"});
    check_import_error(
        [] {
            GraphBuilder g({1 << 20, 1 << 20, 1 << 20});
            g.node("Relu", {"input"}, {"output"});
            return g;
        },
        {"graph input 'input'", "features per sample"});
    check_import_error(
        [] {
            GraphBuilder g({2});
            g.constant("mean", {2}, {0, 0});
            g.constant("var", {2}, {1, -1});
            g.node("BatchNormalization", {"input", "mean", "mean", "mean", "var"}, {"output"});
            return g;
        },
        {"node 'BatchNormalization_1'", "negative variance"});
}

TEST_CASE("an unreadable file is an error naming it") {
    const xtnn_test::ScratchDir dir("onnx-import-file");
    check_error([&] { (void)import_onnx<float>(dir / "missing.onnx"); }, {"missing.onnx"});
    auto g = relu_with([](onnx::NodeProto& n) { n.set_op_type("Celu"); });
    onnx_io::write_model_proto(g.model(), dir / "celu.onnx");
    check_error([&] { (void)import_onnx<float>(dir / "celu.onnx"); }, {"cannot import ONNX model", "celu.onnx", "Celu"});
}
