// ONNX import against PyTorch, a tool no one here wrote: tests/onnx/torch_export.py
// builds the paper's WDNN and FCNN, a small CNN and one ending in global average
// pooling, exports each with torch.onnx.export (dynamic batch) and writes its
// predictions; xtnn imports the file and predicts the same inputs within 1e-5.
// Inputs are rows of the real Kryptonite-9 data when XTNN_TEST_DATA_DIR has it,
// generated otherwise. An imported model also fine-tunes (fit changes the loss)
// and survives save/load.
//
// Needs Debian's python3-torch and python3-onnx under /usr/bin/python3; skips
// with a message otherwise.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include <xtnn/onnx.hpp>
#include <xtnn/xtnn.hpp>

#include "data_test_support.hpp"

using namespace xtnn;

namespace {

constexpr const char* python = "/usr/bin/python3";
constexpr std::size_t rows = 256;

// Standard normal inputs, seeded.
Tensor<float> normal_inputs(std::size_t n, std::size_t width) {
    Rng rng(5);
    Tensor<float> t = Tensor<float>::from_shape({n, width});
    for (auto& v : t) v = static_cast<float>(rng.normal());
    return t;
}

bool torch_available() {
    static const bool available =
        std::system((std::string(python) + " -c 'import torch, onnx, numpy' >/dev/null 2>&1").c_str()) == 0;
    return available;
}

// Kryptonite-9 features (the paper's data) when present, else standard normal draws.
Tensor<float> tabular_inputs() {
    const std::filesystem::path file = std::filesystem::path(XTNN_TEST_DATA_DIR) / "kryptonite-9-X.npy";
    if (std::filesystem::exists(file)) {
        const Tensor<float> all = as_matrix<float>(read_npy(file));
        Tensor<float> head = Tensor<float>::from_shape({rows, all.shape(1)});
        std::copy_n(all.data(), head.size(), head.data());
        return head;
    }
    MESSAGE("Kryptonite-9 not found in ", XTNN_TEST_DATA_DIR, ": generated inputs");
    return normal_inputs(rows, 9);
}

Tensor<float> image_inputs(std::size_t channels) { return normal_inputs(rows, channels * 100); }

// Exports `model_case` from PyTorch into `dir` and returns PyTorch's predictions on `x`.
Tensor<float> torch_predictions(const std::string& model_case, const xtnn_test::ScratchDir& dir,
                                const Tensor<float>& x) {
    save_npy(dir / "inputs.npy", xt::xtensor<float, 2>(x));
    std::ostringstream command;
    command << python << " " << XTNN_SOURCE_DIR << "/tests/onnx/torch_export.py " << model_case << " "
            << dir.path() << " >" << (dir / "log.txt") << " 2>&1";
    INFO("command: ", command.str());
    REQUIRE(std::system(command.str().c_str()) == 0);
    return as_matrix<float>(read_npy(dir / "predictions.npy"));
}

double max_abs_difference(const Tensor<float>& a, const Tensor<float>& b) {
    REQUIRE(a.shape() == b.shape());
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double(a.data()[i]) - b.data()[i]));
    return worst;
}

void check_case(const std::string& model_case, const Tensor<float>& x) {
    if (!torch_available()) {
        MESSAGE("skipped: needs python3-torch and python3-onnx under ", python);
        return;
    }
    const xtnn_test::ScratchDir dir("onnx-import-" + model_case);
    const Tensor<float> expected = torch_predictions(model_case, dir, x);
    auto model = import_onnx<float>(dir / "model.onnx");
    const Tensor<float> got = predict(model, x, 100);  // batches of 100: the batch axis is dynamic
    const double difference = max_abs_difference(got, expected);
    MESSAGE(model_case, ": max |xtnn - PyTorch| = ", difference);
    CHECK(difference <= 1e-5);
}

}  // namespace

TEST_CASE("the paper's WDNN exported by PyTorch predicts the same in xtnn") { check_case("wdnn", tabular_inputs()); }

TEST_CASE("the paper's FCNN exported by PyTorch predicts the same in xtnn") { check_case("fcnn", tabular_inputs()); }

TEST_CASE("a small CNN exported by PyTorch predicts the same in xtnn") { check_case("cnn", image_inputs(2)); }

TEST_CASE("a CNN with global average pooling exported by PyTorch predicts the same in xtnn") {
    check_case("cnn_gap", image_inputs(1));
}

TEST_CASE("an imported WDNN fine-tunes with fit and survives save/load") {
    if (!torch_available()) {
        MESSAGE("skipped: needs python3-torch and python3-onnx under ", python);
        return;
    }
    const xtnn_test::ScratchDir dir("onnx-import-finetune");
    const Tensor<float> x = tabular_inputs();
    (void)torch_predictions("wdnn", dir, x);
    auto model = import_onnx<float>(dir / "model.onnx");
    Tensor<float> y = Tensor<float>::from_shape({rows, 1});
    for (std::size_t r = 0; r < rows; ++r) y(r, 0) = x(r, 0) * x(r, 1) > 0 ? 1.0f : 0.0f;
    const Dataset<float> data{x, y};
    const BinaryCrossEntropy loss;
    const double before = loss.value(predict(model, x), y);
    Adam<float> adam(1e-3);
    FitOptions options;
    options.epochs = 5;
    options.batch_size = 32;
    options.seed = 1;
    const History history = fit(model, adam, loss, data, options);
    const double after = loss.value(predict(model, x), y);
    INFO("loss before ", before, ", after ", after);
    CHECK(std::isfinite(after));
    CHECK(after < before);
    CHECK(history.epochs.size() == 5);

    const Tensor<float> tuned = predict(model, x);
    save(model, dir / "tuned.npz");
    auto reloaded = import_onnx<float>(dir / "model.onnx");
    CHECK(max_abs_difference(predict(reloaded, x), tuned) > 1e-4);  // the file still holds PyTorch's weights
    load(reloaded, dir / "tuned.npz");
    CHECK(predict(reloaded, x) == tuned);
}
