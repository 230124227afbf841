// Train a small classifier with fit, then export it to ONNX for any runtime to serve:
//   build/examples/train_and_export [DIR]
// writes DIR/model.onnx, DIR/samples.json (a few test rows) and DIR/expected.txt
// (xtnn's predictions for them); serve.js prints onnxruntime's for the same rows.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>

#include <xtnn/onnx.hpp>
#include <xtnn/xtnn.hpp>

using namespace xtnn;

int main(int argc, char** argv) try {
    const std::filesystem::path dir =
        argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path() / "xtnn_onnx_example";
    std::filesystem::create_directories(dir);

    // 4-bit parity with noise: inputs are already centred, so the served model needs no scaler.
    auto [train, test] = train_test_split(make_xor<float>(4, 2000, 0.1, 3), 0.2, 42);
    auto model = Sequential(Dense<float>(4, 32), ReLU(), BatchNorm<float>(32), Dropout(0.1), Dense<float>(32, 1),
                            Sigmoid());
    Adam<float> optimizer(0.01);
    FitOptions options;
    options.epochs = 20;
    options.seed = 42;
    fit(model, optimizer, BinaryCrossEntropy{}, train, options);
    std::printf("test accuracy %.3f\n", evaluate(model, test, Accuracy{}));

    // Evaluation form: BatchNorm with its running statistics, Dropout gone; batch size free.
    export_onnx(model, dir / "model.onnx", 4);
    std::printf("wrote %s\n", (dir / "model.onnx").string().c_str());

    constexpr std::size_t samples = 5;
    const Tensor<float> p = predict(model, test.X);
    std::ofstream json(dir / "samples.json"), expected(dir / "expected.txt");
    json.precision(9);  // enough digits to give back every float exactly
    expected.precision(9);
    json << "{\"inputs\": [";
    for (std::size_t r = 0; r < samples; ++r) {
        json << (r ? ", [" : "[");
        for (std::size_t c = 0; c < 4; ++c) json << (c ? ", " : "") << test.X(r, c);
        json << "]";
        expected << p(r, 0) << "\n";
    }
    json << "]}\n";
    return json && expected ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "train_and_export: %s\n", e.what());
    return 1;
}
