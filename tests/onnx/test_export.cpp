// ONNX export, checked by tools no one here wrote: ONNX's C++ checker and strict
// shape inference, python3-onnx's checker (full check), and onnxruntime (from
// npm, run by tests/onnx/run_onnxruntime.js), whose predictions must equal
// xtnn's predict within 1e-5. The Python and Node checks skip with a message
// when /usr/bin/python3 with onnx, node or onnxruntime-node is missing.
#include <doctest/doctest.h>

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtnn/onnx.hpp>
#include <xtnn/xtnn.hpp>

#include "paper_wdnn.hpp"

using namespace xtnn;

namespace {

constexpr const char* python = "/usr/bin/python3";

std::filesystem::path scratch(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / "xtnn_onnx_export";
    std::filesystem::create_directories(dir);
    return dir / name;
}

// std::ostringstream rather than string +: g++ 12 warns (-Wrestrict) falsely on the latter.
bool run(std::initializer_list<std::string_view> parts) {
    std::ostringstream command;
    for (auto part : parts) command << part;
    INFO("command: ", command.str());
    return std::system(command.str().c_str()) == 0;
}

bool python_onnx_available() {
    static const bool available = run({python, " -c 'import onnx' >/dev/null 2>&1"});
    return available;
}

bool onnxruntime_available() {
    const std::string node = XTNN_NODE_EXECUTABLE;
    return !node.empty() &&
           std::filesystem::exists(std::filesystem::path(XTNN_ONNXRUNTIME_NODE_MODULES) / "onnxruntime-node");
}

auto paper_fcnn(std::size_t n) {
    return Sequential(Dense<float>(n, 128, L2(1e-3)), ReLU(), BatchNorm<float>(128), Dropout(0.3),
                      Dense<float>(128, 64, L2(1e-3)), ReLU(), BatchNorm<float>(64), Dropout(0.3),
                      Dense<float>(64, 1), Sigmoid());
}

// Conv → BatchNorm2D → ReLU → pools → GAP → Dense → Softmax on 1x9x9 images:
// same and valid padding, an odd size for the same-padded average pool.
auto small_cnn() {
    return Sequential(Conv2D<float>(1, 4, 3, {.padding = Padding::same, .input = ImageShape{1, 9, 9}}),
                      BatchNorm2D<float>(4), ReLU(), MaxPool2D(2), Conv2D<float>(4, 6, 2, {.padding = 1}),
                      LeakyReLU(0.1), AvgPool2D(2, {.padding = Padding::same}), GlobalAveragePooling2D(),
                      Dense<float>(6, 3), Softmax());
}

// Random weights, and BatchNorm statistics far from their initial 0 and 1, so
// that the evaluation form is exercised.
template <class M>
void randomize(M& model, std::uint64_t seed) {
    init_parameters(model, seed);
    Rng rng(seed + 1);
    model.visit_parameters([&](Param<float>& p) {
        const std::string& name = p.name();
        const auto ends_with = [&](std::string_view tail) { return name.ends_with(tail); };
        if (!(ends_with("gamma") || ends_with("beta") || ends_with("running_mean") || ends_with("running_var"))) return;
        const bool positive = ends_with("gamma") || ends_with("running_var");
        for (float& v : p.values()) v = static_cast<float>(positive ? rng.uniform(0.5, 2.0) : rng.uniform(-0.5, 0.5));
    });
}

Tensor<float> uniform_rows(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    Rng rng(seed);
    Tensor<float> x = Tensor<float>::from_shape({rows, cols});
    for (float& v : x) v = static_cast<float>(rng.uniform(-2.0, 2.0));
    return x;
}

// Checker and strict shape inference (which also checks every declared shape).
onnx::ModelProto checked(const std::filesystem::path& file) {
    onnx::ModelProto model = onnx_io::read_model_proto(file);
    CHECK_NOTHROW(onnx::checker::check_model(model));
    CHECK_NOTHROW(onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                                     onnx::ShapeInferenceOptions(true, 1, true)));
    return model;
}

std::vector<std::string> op_types(const onnx::ModelProto& model) {
    std::vector<std::string> ops;
    for (const auto& node : model.graph().node()) ops.push_back(node.op_type());
    return ops;
}

std::set<std::string> initializer_names(const onnx::ModelProto& model) {
    std::set<std::string> names;
    for (const auto& tensor : model.graph().initializer()) names.insert(tensor.name());
    return names;
}

void check_with_python_onnx(const std::filesystem::path& file) {
    if (!python_onnx_available()) {
        MESSAGE("skipped: python3-onnx's checker needs python3-onnx under ", python);
        return;
    }
    CHECK(run({python, " -c 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)' ",
               file.string()}));
}

// onnxruntime's predictions for `x` (given as rows, passed as images when
// `image` says) against xtnn's.
template <class M, Real T>
void check_with_onnxruntime(M& model, const std::filesystem::path& file, const Tensor<T>& x,
                            std::optional<ImageShape> image = std::nullopt) {
    if (!onnxruntime_available()) {
        MESSAGE("skipped: the onnxruntime comparison needs node and onnxruntime-node in ",
                XTNN_ONNXRUNTIME_NODE_MODULES, " (scripts/setup.sh installs it)");
        return;
    }
    const auto input = scratch(file.stem().string() + "_input.npy");
    const auto output = scratch(file.stem().string() + "_output.npy");
    std::filesystem::remove(output);
    if (image) {
        const std::array<std::size_t, 4> shape{x.shape(0), image->channels, image->height, image->width};
        save_npy(input, xt::xtensor<T, 4>(xt::adapt(x.data(), x.size(), xt::no_ownership(), shape)));
    } else {
        save_npy(input, x);
    }
    REQUIRE(run({"NODE_PATH=", XTNN_ONNXRUNTIME_NODE_MODULES, " ", XTNN_NODE_EXECUTABLE, " ", XTNN_SOURCE_DIR,
                 "/tests/onnx/run_onnxruntime.js ", file.string(), " ", input.string(), " ", output.string()}));
    const Tensor<T> served = load_npy_matrix<T>(output);
    const Tensor<T> expected = predict(model, x);
    REQUIRE(served.shape() == expected.shape());
    T worst = 0;
    for (std::size_t k = 0; k < expected.size(); ++k) worst = std::max(worst, std::abs(served.data()[k] - expected.data()[k]));
    INFO("largest difference: ", worst);
    CHECK(worst <= T(1e-5));
}

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const xtnn::error& e) {
        return e.what();
    }
    return "";
}

// A user module without the export hook.
struct Doubler : WidthPreserving {
    Tensor<float> out;
    const Tensor<float>& forward(const Tensor<float>& x, Mode) { return out = x * 2.0f; }
    const Tensor<float>& backward(const Tensor<float>& g) { return out = g * 2.0f; }
    std::string describe() const { return "Doubler(user)"; }
};

// A user activation op without the export hook.
struct Cube {
    template <class V> V apply(V x) const { return x * x * x; }
    template <class V> V derivative(V x, V) const { return V(3) * x * x; }
    std::string describe() const { return "Cube(user op)"; }
};

// A user module that describes itself wrongly: ONNX has no such operator.
struct Misdescribed : WidthPreserving {
    const Tensor<float>& forward(const Tensor<float>& x, Mode) { return x; }
    const Tensor<float>& backward(const Tensor<float>& g) { return g; }
    std::string describe() const { return "Misdescribed"; }
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return elementwise_node(graph, x, {"NoSuchOperator", {}});
    }
};

// A user module with a parameter that evaluation ignores: its export adds no operator.
struct Passthrough : WidthPreserving {
    using value_type = float;
    Param<float> unused{ParamSpec{"unused"}};
    const Tensor<float>& forward(const Tensor<float>& x, Mode) { return x; }
    const Tensor<float>& backward(const Tensor<float>& g) { return g; }
    std::string describe() const { return "Passthrough"; }
    template <class F>
    void visit_parameters(F&& f) { f(unused); }
    GraphValue export_graph(GraphSink&, const GraphValue& x) const { return x; }
};

// A user module that opts in, as docs/extending.md shows: y = x * scale.
struct FeatureScale {
    using value_type = float;
    Param<float> scale{ParamSpec{.name = "scale", .cols = 3, .init = Constant(1.5)}};
    Tensor<float> out;
    const Tensor<float>& forward(const Tensor<float>& x, Mode) {
        out = x * xt::adapt(scale.data(), scale.size(), xt::no_ownership(), std::array<std::size_t, 1>{3});
        return out;
    }
    const Tensor<float>& backward(const Tensor<float>& g) { return g; }
    std::optional<std::size_t> input_width() const { return 3; }
    std::optional<std::size_t> output_width(std::optional<std::size_t>) const { return 3; }
    std::string describe() const { return "FeatureScale(3)"; }
    template <class F>
    void visit_parameters(F&& f) { f(scale); }
    GraphValue export_graph(GraphSink& graph, const GraphValue& x) const {
        return elementwise_node(graph, as_rows(graph, x), {"Mul", {graph_parameter(graph, scale, {3})}});
    }
};

}  // namespace

TEST_CASE("the paper's FCNN exports as Gemm, Relu and BatchNormalization, and onnxruntime agrees") {
    auto model = paper_fcnn(12);
    randomize(model, 3);
    const auto file = scratch("fcnn.onnx");
    export_onnx(model, file, 12);
    const onnx::ModelProto proto = checked(file);

    CHECK(op_types(proto) == std::vector<std::string>{"Gemm", "Relu", "BatchNormalization", "Gemm", "Relu",
                                                      "BatchNormalization", "Gemm", "Sigmoid"});
    const auto names = initializer_names(proto);
    for (const std::string& name : parameter_names(model)) CHECK_MESSAGE(names.contains(name), name);
    CHECK(names.contains("2.running_var"));
    const auto& input = proto.graph().input(0).type().tensor_type().shape();
    CHECK(input.dim(0).dim_param() == "batch");
    CHECK(input.dim(1).dim_value() == 12);
    CHECK(proto.graph().output(0).name() == "output");
    CHECK(proto.opset_import(0).version() == onnx_default_opset);

    check_with_python_onnx(file);
    check_with_onnxruntime(model, file, uniform_rows(37, 12, 5));
}

TEST_CASE("the paper's WDNN exports its Parallel as Concat, and onnxruntime agrees") {
    auto model = testing::paper_wdnn(9);
    randomize(model, 4);
    const auto file = scratch("wdnn.onnx");
    export_onnx(model, file, 9, 13);
    const onnx::ModelProto proto = checked(file);
    CHECK(std::ranges::count(op_types(proto), "Concat") == 1);
    CHECK(std::ranges::count(op_types(proto), "Gemm") == 5);
    CHECK(proto.ir_version() == 7);
    for (const std::string& name : parameter_names(model)) CHECK_MESSAGE(initializer_names(proto).contains(name), name);

    check_with_python_onnx(file);
    check_with_onnxruntime(model, file, uniform_rows(64, 9, 6));
    check_with_onnxruntime(model, file, uniform_rows(1, 9, 7));
}

TEST_CASE("a small CNN exports with its images as NCHW, from rows or from images") {
    auto model = small_cnn();
    randomize(model, 5);
    const ImageShape image{1, 9, 9};
    const Tensor<float> x = uniform_rows(17, image.size(), 8);

    const auto from_images = scratch("cnn_images.onnx");
    export_onnx(model, from_images, image);
    const onnx::ModelProto proto = checked(from_images);
    CHECK(op_types(proto) == std::vector<std::string>{"Conv", "BatchNormalization", "Relu", "MaxPool", "Conv",
                                                      "LeakyRelu", "AveragePool", "GlobalAveragePool", "Flatten",
                                                      "Gemm", "Softmax"});
    CHECK(proto.graph().input(0).type().tensor_type().shape().dim_size() == 4);
    check_with_python_onnx(from_images);
    check_with_onnxruntime(model, from_images, x, image);

    const auto from_rows = scratch("cnn_rows.onnx");
    export_onnx(model, from_rows, image.size());
    CHECK(op_types(checked(from_rows)).front() == "Reshape");
    check_with_onnxruntime(model, from_rows, x);
}

TEST_CASE("image branches concatenate their channels; an MLP over images flattens them") {
    const ImageShape image{2, 6, 6};
    auto model = Sequential(
        Parallel(Concat{}, Conv2D<float>(2, 3, 3, {.padding = Padding::same, .input = image}),
                 Sequential(MaxPool2D(3, {.stride = 1, .padding = Padding::same}), Conv2D<float>(2, 1, 1))),
        BatchNorm2D<float>(4), Tanh(), Dense<float>(4 * 36, 5), GELU(), BatchNorm<float>(5), Dense<float>(5, 4),
        LogSoftmax());
    randomize(model, 6);
    const auto file = scratch("branches.onnx");
    export_onnx(model, file, image);
    const onnx::ModelProto proto = checked(file);
    CHECK(std::ranges::count(op_types(proto), "Erf") == 1);
    CHECK(std::ranges::count(op_types(proto), "Flatten") == 1);
    check_with_python_onnx(file);
    check_with_onnxruntime(model, file, uniform_rows(9, image.size(), 9), image);
}

TEST_CASE("run-time architectures export through AnyModule's hook") {
    DynamicSequential<float> model;
    model.add(Dense<float>(6, 8)).add(LeakyReLU(0.2)).add(Identity()).add(Dropout(0.5));
    model.add(Sequential(Dense<float>(8, 8), BatchNorm<float>(8), Sigmoid())).add(Dense<float>(8, 3)).add(Softmax());
    randomize(model, 7);
    const auto file = scratch("dynamic.onnx");
    export_onnx(model, file, 6);
    CHECK(op_types(checked(file)) == std::vector<std::string>{"Gemm", "LeakyRelu", "Gemm", "BatchNormalization",
                                                              "Sigmoid", "Gemm", "Softmax"});
    check_with_python_onnx(file);
    check_with_onnxruntime(model, file, uniform_rows(11, 6, 10));
}

TEST_CASE("the output is always a node's: after a trailing Dropout, and from a model that adds no operator") {
    auto model = Sequential(Dense<float>(3, 3), Dropout(0.1));
    randomize(model, 8);
    const auto file = scratch("tail_dropout.onnx");
    export_onnx(model, file, 3);
    CHECK(op_types(checked(file)) == std::vector<std::string>{"Gemm"});

    auto unchanged = Sequential(Passthrough{});
    export_onnx(unchanged, file, 3);
    const onnx::ModelProto proto = checked(file);
    CHECK(op_types(proto) == std::vector<std::string>{"Identity"});
    CHECK(proto.graph().node(0).input(0) == "input");
    CHECK(proto.graph().node(0).output(0) == "output");
}

TEST_CASE("a user module opts in with export_graph") {
    auto model = Sequential(FeatureScale{}, Dense<float>(3, 2), Tanh());
    randomize(model, 10);
    const auto file = scratch("user_module.onnx");
    export_onnx(model, file, 3);
    const onnx::ModelProto proto = checked(file);
    CHECK(op_types(proto) == std::vector<std::string>{"Mul", "Gemm", "Tanh"});
    CHECK(initializer_names(proto).contains("0.scale"));
    check_with_onnxruntime(model, file, uniform_rows(7, 3, 11));
}

TEST_CASE("double models export as double graphs") {
    auto model = Sequential(Dense<double>(4, 3), Tanh(), Dense<double>(3, 2));
    init_parameters(model, 1);
    const auto file = scratch("double.onnx");
    export_onnx(model, file, 4);
    const onnx::ModelProto proto = checked(file);
    CHECK(proto.graph().input(0).type().tensor_type().elem_type() == onnx::TensorProto_DataType_DOUBLE);
    CHECK(proto.graph().initializer(0).data_type() == onnx::TensorProto_DataType_DOUBLE);

    Rng rng(12);
    Tensor<double> x = Tensor<double>::from_shape({5, 4});
    for (double& v : x) v = rng.uniform(-2.0, 2.0);
    check_with_onnxruntime(model, file, x);
}

TEST_CASE("export errors name the module, the path or the opset") {
    auto model = Sequential(Dense<float>(4, 4), Doubler{}, Dense<float>(4, 1));
    init_parameters(model, 1);
    const auto file = scratch("errors.onnx");
    std::filesystem::remove(file);
    CHECK(error_of([&] { export_onnx(model, file, 4); }).find("cannot export Doubler(user)") != std::string::npos);

    DynamicSequential<float> dynamic;
    dynamic.add(Dense<float>(4, 4)).add(Doubler{});
    init_parameters(dynamic, 1);
    CHECK(error_of([&] { export_onnx(dynamic, file, 4); }).find("Doubler(user)") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(file));

    auto cubed = Sequential(Dense<float>(4, 4), Activation<Cube>());
    init_parameters(cubed, 1);
    CHECK(error_of([&] { export_onnx(cubed, file, 4); }).find("cannot export Cube(user op)") != std::string::npos);

    auto misdescribed = Sequential(Dense<float>(4, 4), Misdescribed{});
    init_parameters(misdescribed, 1);
    const std::string checker_error = error_of([&] { export_onnx(misdescribed, file, 4); });
    CHECK(checker_error.find("fails ONNX's checker") != std::string::npos);
    CHECK(checker_error.find("NoSuchOperator") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(file));

    auto images = Sequential(BatchNorm2D<float>(2), GlobalAveragePooling2D());  // no input image of its own
    init_parameters(images, 1);
    CHECK(error_of([&] { export_onnx(images, file, 8); }).find("input image is unknown") != std::string::npos);
    CHECK(error_of([&] { export_onnx(images, file, ImageShape{4, 1, 2}); }).find("given a 4x1x2 image") !=
          std::string::npos);
    const auto taken = scratch("image_taken.onnx");
    export_onnx(images, taken, ImageShape{2, 3, 3});  // the layers take the image they are given
    CHECK(op_types(checked(taken)) == std::vector<std::string>{"BatchNormalization", "GlobalAveragePool", "Flatten"});

    auto fine = Sequential(Dense<float>(4, 2), ReLU());
    CHECK(error_of([&] { export_onnx(fine, file, 4); }).find("not initialized") != std::string::npos);
    init_parameters(fine, 1);
    CHECK(error_of([&] { export_onnx(fine, file, 4, 12); }).find("opset 12") != std::string::npos);
    CHECK(error_of([&] { export_onnx(fine, file, 4, 99); }).find("opset 99") != std::string::npos);
    CHECK(error_of([&] { export_onnx(fine, file, 5); }).find("takes 4 input features") != std::string::npos);
    CHECK(error_of([&] { export_onnx(fine, "/nonexistent-dir/model.onnx", 4); }).find("/nonexistent-dir/model.onnx") !=
          std::string::npos);

    auto cnn = small_cnn();
    init_parameters(cnn, 1);
    CHECK(error_of([&] { export_onnx(cnn, file, ImageShape{1, 3, 27}); }).find("takes a 1x9x9 input image") !=
          std::string::npos);
}

// The two directions against each other: what export_onnx writes, import_onnx reads
// back into a model that predicts the same (the importer is checked against PyTorch's
// exports in test_import.cpp, the exporter against onnxruntime above).
template <class M>
void check_round_trip(M& model, const std::string& name, const Tensor<float>& x, std::optional<ImageShape> image) {
    const auto file = scratch(name + "_round_trip.onnx");
    if (image) {
        export_onnx(model, file, *image);
    } else {
        export_onnx(model, file, x.shape(1));
    }
    auto imported = import_onnx<float>(file);
    const Tensor<float> expected = predict(model, x);
    const Tensor<float> got = predict(imported, x);
    REQUIRE(got.shape(1) == expected.shape(1));
    CHECK(xt::amax(xt::abs(got - expected))() <= 1e-6f);
    CHECK(parameter_count(imported) == parameter_count(model));
}

TEST_CASE("xtnn's exports import back into xtnn with the same predictions") {
    auto fcnn = paper_fcnn(12);
    randomize(fcnn, 11);
    check_round_trip(fcnn, "fcnn", uniform_rows(33, 12, 12), std::nullopt);

    auto wdnn = testing::paper_wdnn(9);
    randomize(wdnn, 13);
    check_round_trip(wdnn, "wdnn", uniform_rows(33, 9, 14), std::nullopt);

    auto cnn = small_cnn();
    randomize(cnn, 15);
    const ImageShape image{1, 9, 9};
    check_round_trip(cnn, "cnn_images", uniform_rows(17, image.size(), 16), image);
    check_round_trip(cnn, "cnn_rows", uniform_rows(17, image.size(), 17), std::nullopt);
}
