// Save a trained model with its scaler, load both into a new model of the same
// architecture (in a real program: another process, later), and predict:
//   build/examples/save_load_predict [FILE.npz]
#include <cstdio>
#include <exception>
#include <filesystem>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

// The architecture lives in code; the file holds only the numbers.
auto make_model() { return Sequential(Dense<float>(4, 16), ReLU(), Dense<float>(16, 1), Sigmoid()); }

int main(int argc, char** argv) try {
    const std::filesystem::path path =
        argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path() / "xtnn_xor4.npz";
    auto [train, test] = train_test_split(make_xor<float>(4, 1000, 0.1, 3), 0.2, 42);
    {
        StandardScaler<float> scaler;
        scaler.fit(train.X);
        scaler.transform_inplace(train.X);
        auto model = make_model();
        Adam<float> optimizer(0.01);
        FitOptions options;
        options.epochs = 5;
        options.seed = 42;
        fit(model, optimizer, BinaryCrossEntropy{}, train, options);
        save(model, path, scaler);  // weights and the scaler's mean and scale, in one .npz
        std::printf("saved %zu parameters and the scaler to %s\n", parameter_count(model), path.string().c_str());
    }

    auto model = make_model();
    StandardScaler<float> scaler;
    load(model, path, scaler);  // checks every name and shape: a different architecture is an error
    Tensor<float> x = test.X;
    scaler.transform_inplace(x);  // new inputs get the training data's scaling
    const Tensor<float> p = predict(model, x);
    std::printf("p(label 1) for the first 3 test rows: %.3f %.3f %.3f\n", p(0, 0), p(1, 0), p(2, 0));

    // A second load into a third model must give the very same predictions, bit for bit.
    auto again = make_model();
    load(again, path);  // the scaler is optional when reading
    const bool same = predict(again, x) == p;
    std::printf("a second load predicts the same: %s\n", same ? "yes" : "no");

    // The file is checked against the model it is loaded into: here the hidden layer is wider.
    auto wider = Sequential(Dense<float>(4, 32), ReLU(), Dense<float>(32, 1), Sigmoid());
    try {
        load(wider, path);
        return 1;
    } catch (const xtnn::error& e) {
        std::printf("loading into another architecture fails:\n%s\n", e.what());
    }
    return same ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "save_load_predict: %s\n", e.what());
    return 1;
}
