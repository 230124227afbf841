// Run and fine-tune in C++ a model trained in Python: import_onnx reads the
// file export_pytorch_model.py wrote (PyTorch's weights, BatchNorm statistics
// and all) into a DynamicSequential, which predicts, fits and saves like any
// xtnn model. The PyTorch model knows the parity of two noisy bits; here it
// learns the parity of three.
//   /usr/bin/python3 examples/onnx/export_pytorch_model.py pretrained.onnx
//   build/examples/import_and_finetune pretrained.onnx
#include <cstdio>
#include <exception>

#include <xtnn/onnx.hpp>
#include <xtnn/xtnn.hpp>

using namespace xtnn;

int main(int argc, char** argv) try {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <model.onnx>\n", argv[0]);
        return 2;
    }
    auto model = import_onnx<float>(argv[1]);
    std::printf("imported %s: %zu modules, %zu parameters\n", argv[1], model.size(),
                parameters(model).values.size());

    auto [train, val, test] = train_val_test_split(make_xor<float>(3, 3000, 0.1, 7), {0.6, 0.2, 0.2}, 42);
    const double before = evaluate(model, test, Accuracy{});

    Adam<float> adam(3e-3);
    FitOptions options;
    options.epochs = 40;
    options.batch_size = 64;
    options.seed = 1;
    const History history = fit(model, adam, BinaryCrossEntropy{}, train, val, options,
                                EarlyStopping{.patience = 10, .restore_best_weights = true});
    const double after = evaluate(model, test, Accuracy{});
    std::printf("parity of three bits, test accuracy: %.3f before fine-tuning, %.3f after %zu epochs\n", before,
                after, history.epochs.size());

    save(model, "finetuned.npz");  // load(import_onnx<float>(file), "finetuned.npz") brings it back
    return after > before ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
}
