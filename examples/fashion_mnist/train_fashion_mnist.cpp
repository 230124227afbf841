// Trains convolutional networks and an MLP on Fashion-MNIST and reports test
// accuracy, the confusion matrix, and a picture of the misclassified images:
//   build/examples/train_fashion_mnist                          all three models, 10 epochs
//   build/examples/train_fashion_mnist --model cnn --epochs 2 --subset 6000
// Reads Debian's dataset-fashion-mnist folder by default, any other with --data.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <xtnn/xtnn.hpp>

#include "../kryptonite/cli.hpp"
#include "image_grid.hpp"
#include "models.hpp"

namespace {

const char* const usage =
    "usage: train_fashion_mnist [--model cnn|cnn_bn|mlp|all] [--epochs N] [--subset N] [--batch N] [--lr X]\n"
    "                           [--seed N] [--threads N] [--data DIR] [--out DIR] [--quiet]\n"
    "  --model    which network: the dataset's benchmark CNN, the CNN with BatchNorm, an MLP, or all (default)\n"
    "  --epochs   at most this many epochs (default 10; early stopping on validation loss, patience 3)\n"
    "  --subset   train on the first N training images and test on the first N test images (default: all)\n"
    "  --batch    rows per step (default 64); --lr: Adam's learning rate (default 0.001)\n"
    "  --threads  BLAS threads (default: every core)\n"
    "  --data     folder of the four IDX files (default /usr/share/datasets/fashion-mnist)\n"
    "  --out      folder for results.md, results.csv and misclassified-<model>.png (default fashion_mnist_out)";

struct Options {
    std::vector<std::string> models;
    std::size_t epochs, subset, batch;
    double learning_rate;
    std::uint64_t seed;
    int threads;
    std::filesystem::path data, out;
    bool quiet;
};

Options parse(int argc, char** argv) {
    cli::Args args(argc, argv, usage);
    Options o;
    const std::string model = args.get("--model", std::string("all"));
    if (model == "all") o.models = {"cnn", "cnn_bn", "mlp"};
    else if (model == "cnn" || model == "cnn_bn" || model == "mlp") o.models = {model};
    else paper::fail("--model: expected cnn, cnn_bn, mlp or all, got '", model, "'\n", usage);
    o.epochs = args.get<std::size_t>("--epochs", 10);
    o.subset = args.get<std::size_t>("--subset", 0);
    o.batch = args.get<std::size_t>("--batch", 64);
    o.learning_rate = args.get("--lr", 1e-3);
    o.seed = args.get<std::uint64_t>("--seed", 42);
    o.threads = args.get("--threads", static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    o.data = args.get("--data", std::string(xtnn::fashion_mnist_default_dir));
    o.out = args.get("--out", std::string("fashion_mnist_out"));
    o.quiet = args.flag("--quiet");
    args.finish();
    if (o.epochs == 0 || o.batch == 0) paper::fail("--epochs and --batch must be positive\n", usage);
    return o;
}

// The first `n` rows (all of them for n = 0 or n beyond the size).
xtnn::ImageDataset<float> first_rows(const xtnn::ImageDataset<float>& data, std::size_t n) {
    if (n == 0 || n >= data.size()) return data;
    std::vector<std::size_t> rows(n);
    for (std::size_t i = 0; i < n; ++i) rows[i] = i;
    return data.subset(rows);
}

struct Result {
    std::string model;
    std::size_t epochs = 0;
    double test_accuracy = 0, seconds_per_epoch = 0;
    xtnn::ConfusionMatrix confusion;
};

// Up to `count` misclassified test images, captioned with the predicted and the true class.
void draw_misclassified(const xtnn::ImageDataset<float>& test, const std::vector<std::size_t>& predicted,
                        const std::filesystem::path& png, const std::string& title) {
    fashion::ImageGrid grid(test.image, {.columns = 8, .scale = 4, .caption_lines = 2, .title = title});
    const std::size_t width = test.image.size();
    for (std::size_t row = 0; row < predicted.size() && grid.size() < 40; ++row) {
        const auto actual = static_cast<std::size_t>(test.y(row, 0));
        if (predicted[row] == actual) continue;
        grid.add(std::span<const float>(test.X.data() + row * width, width),
                 {{std::string(xtnn::fashion_mnist_classes[predicted[row]]), "#c0392b"},
                  {"(" + std::string(xtnn::fashion_mnist_classes[actual]) + ")", "#555555"}});
    }
    if (grid.size() > 0 && grid.write_png(png)) std::cout << "  misclassified images: " << png.string() << '\n';
}

void print_confusion(const xtnn::ConfusionMatrix& matrix) {
    std::cout << "  confusion matrix (rows: true class, columns: predicted):\n";
    std::istringstream table(matrix.to_string());
    for (std::string line; std::getline(table, line);) std::cout << "    " << line << '\n';
    std::cout << "  classes:";
    for (std::size_t c = 0; c < xtnn::fashion_mnist_classes.size(); ++c) {
        std::cout << ' ' << c << '=' << xtnn::fashion_mnist_classes[c];
    }
    std::cout << '\n';
}

template <class M>
Result train_and_test(M model, const std::string& name, const xtnn::FashionMnist<float>& data, const Options& o) {
    // 1/12 of the training images (5,000 of 60,000) watch for overfitting; the test set stays unseen.
    const auto [train, val] = xtnn::train_test_split<float>(data.train, 1.0 / 12.0, o.seed, {.stratify = true});
    xtnn::Adam<float> optimizer(o.learning_rate);
    xtnn::FitOptions fit_options;
    fit_options.epochs = o.epochs;
    fit_options.batch_size = o.batch;
    fit_options.seed = o.seed;
    xtnn::EarlyStopping stopping{.patience = 3, .restore_best_weights = true};
    const auto start = std::chrono::steady_clock::now();
    const xtnn::History history =
        xtnn::fit(model, optimizer, xtnn::CrossEntropy{}, train, val, fit_options, stopping,
                  xtnn::ProgressBar{.prefix = name, .stream = o.quiet ? nullptr : stderr});
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;

    Result r;
    r.model = name;
    r.epochs = history.size();
    r.seconds_per_epoch = seconds.count() / static_cast<double>(r.epochs);
    const xtnn::Tensor<float> scores = xtnn::predict(model, data.test);
    r.test_accuracy = xtnn::Accuracy{}(scores, data.test.y);
    r.confusion = xtnn::confusion_matrix(scores, data.test.y);
    std::cout << name << ": test accuracy " << 100 * r.test_accuracy << " % after " << r.epochs << " epochs ("
              << r.seconds_per_epoch << " s per epoch)\n";
    print_confusion(r.confusion);
    draw_misclassified(data.test, xtnn::predicted_classes(scores), o.out / ("misclassified-" + name + ".png"),
                       name + ": misclassified test images, predicted (true)");
    std::cout.flush();  // each model's report appears when it is done, also when stdout is a file
    return r;
}

Result run_model(const std::string& name, const xtnn::FashionMnist<float>& data, const Options& o) {
    if (name == "cnn") return train_and_test(fashion::make_benchmark_cnn<float>(), name, data, o);
    if (name == "cnn_bn") return train_and_test(fashion::make_batchnorm_cnn<float>(), name, data, o);
    return train_and_test(fashion::make_mlp<float>(), name, data, o);
}

void write_results(const std::vector<Result>& results, const Options& o, const xtnn::FashionMnist<float>& data) {
    std::ostringstream md, csv;
    md << "# Fashion-MNIST with xtnn\n\n" << data.train.size() << " training images (1/12 held out for validation), "
       << data.test.size() << " test images, batch " << o.batch << ", Adam " << o.learning_rate << ", seed "
       << o.seed << ", " << o.threads << " BLAS thread(s).\n\n"
       << "| model | epochs | test accuracy | seconds per epoch |\n| --- | --- | --- | --- |\n";
    csv << "model,epochs,test_accuracy,seconds_per_epoch\n";
    for (const Result& r : results) {
        md << "| " << r.model << " | " << r.epochs << " | " << 100 * r.test_accuracy << " % | "
           << r.seconds_per_epoch << " |\n";
        csv << r.model << ',' << r.epochs << ',' << r.test_accuracy << ',' << r.seconds_per_epoch << '\n';
    }
    xtnn::write_file_atomically(o.out / "results.md", md.str());
    xtnn::write_file_atomically(o.out / "results.csv", csv.str());
    std::cout << "results: " << (o.out / "results.md").string() << '\n';
}

void run(int argc, char** argv) {
    const Options o = parse(argc, argv);
    xtnn::set_blas_threads(o.threads);
    std::cout << "BLAS: " << xtnn::blas_config() << "; gemm backend " << xtnn::gemm_backend_config()
              << "; conv backend " << xtnn::conv_backend << '\n';
    if (const std::string advice = xtnn::blas_kernel_advice(); !advice.empty()) std::cout << "note: " << advice << '\n';
    std::cout.flush();
    xtnn::FashionMnist<float> data = xtnn::load_fashion_mnist<float>(o.data);
    data.train = first_rows(data.train, o.subset);
    data.test = first_rows(data.test, o.subset);
    std::filesystem::create_directories(o.out);
    std::vector<Result> results;
    for (const std::string& name : o.models) results.push_back(run_model(name, data, o));
    write_results(results, o, data);
}

}  // namespace

int main(int argc, char** argv) {
    return cli::run_main("train_fashion_mnist", [&] { run(argc, argv); });
}
