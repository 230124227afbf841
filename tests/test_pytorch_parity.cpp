// Training steps against PyTorch autograd, a reference no one here wrote.
//
// Each case builds a small model in double, saves its initial weights, runs
// three SGD steps (lr 0.1, momentum 0.9) on three batches and saves the
// weights and state arrays after them. tests/pytorch/parity.py rebuilds the
// same model in PyTorch from the initial weights, runs the same steps and
// compares every array (and the losses) within 1e-10. Dropout is left out:
// the two libraries draw different masks.
//
// Needs Debian's python3-torch (and numpy) under /usr/bin/python3; skips with a
// message otherwise. XTNN_SOURCE_DIR locates the script.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

namespace {

constexpr const char* python = "/usr/bin/python3";
constexpr std::size_t batch_rows = 32;
constexpr std::size_t steps = 3;

// std::ostringstream rather than string +: g++ 12 warns (-Wrestrict) falsely on the latter.
bool run(std::initializer_list<std::string_view> parts) {
    std::ostringstream command;
    for (auto part : parts) command << part;
    INFO("command: ", command.str());
    return std::system(command.str().c_str()) == 0;
}

std::string indexed(std::string_view prefix, std::size_t i) {
    std::ostringstream name;
    name << prefix << i;
    return name.str();
}

bool torch_available() {
    static const bool available = run({python, " -c 'import torch, numpy' >/dev/null 2>&1"});
    return available;
}

Tensor<double> uniform_tensor(Rng& rng, std::size_t rows, std::size_t cols) {
    Tensor<double> t = Tensor<double>::from_shape({rows, cols});
    for (auto& v : t) v = rng.uniform(-2.0, 2.0);
    return t;
}

// Column of labels: 0/1 for a binary output, class ids for `classes` > 1.
Tensor<double> label_tensor(Rng& rng, std::size_t rows, std::size_t classes) {
    Tensor<double> t = Tensor<double>::from_shape({rows, 1});
    const std::size_t k = classes > 1 ? classes : 2;
    for (auto& v : t) v = static_cast<double>(rng() % k);
    return t;
}

std::filesystem::path case_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("xtnn_pytorch_parity_" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

// Runs the steps in xtnn, writes init.npz / batches.npz / after.npz / losses.txt,
// then asks PyTorch to do the same. `input_width` is the model's input width.
template <class M, class L>
void compare_with_pytorch(const std::string& name, M model, const L& loss, std::size_t input_width,
                          std::size_t classes) {
    if (!torch_available()) {
        MESSAGE("skipped: PyTorch comparison needs python3-torch and numpy under ", python);
        return;
    }
    const auto dir = case_dir(name);
    init_parameters(model, 11);
    save(model, dir / "init.npz");

    Rng rng(7);
    NpzWriter batches;
    SGD<double> optimizer(SGDOptions{.learning_rate = 0.1, .momentum = 0.9});
    Trainer trainer(model, optimizer, loss);
    std::ofstream losses(dir / "losses.txt");
    losses.precision(17);
    for (std::size_t s = 0; s < steps; ++s) {
        const Tensor<double> x = uniform_tensor(rng, batch_rows, input_width);
        const Tensor<double> y = label_tensor(rng, batch_rows, classes);
        batches.add(indexed("x", s), x);
        batches.add(indexed("y", s), y);
        losses << trainer.step(x, y) << '\n';
    }
    losses.close();
    batches.save(dir / "batches.npz");
    save(model, dir / "after.npz");

    CHECK(run({python, " ", XTNN_SOURCE_DIR, "/tests/pytorch/parity.py ", name, " ", dir.string()}));
}

}  // namespace

TEST_CASE("PyTorch parity: an FCNN block stack with L2 and BatchNorm (sigmoid + BCE, fused)") {
    auto model = Sequential(Dense<double>(6, 16, L2(1e-3)), ReLU(), BatchNorm<double>(16),
                            Dense<double>(16, 8, L2(1e-3)), ReLU(), BatchNorm<double>(8), Dense<double>(8, 1),
                            Sigmoid());
    compare_with_pytorch("fcnn", std::move(model), BinaryCrossEntropy{}, 6, 1);
}

TEST_CASE("PyTorch parity: a wide-and-deep network (Parallel + Concat)") {
    auto wide = Sequential(Dense<double>(6, 12), ReLU());
    auto deep = Sequential(Dense<double>(6, 10, L2(1e-3)), ReLU(), BatchNorm<double>(10), Dense<double>(10, 8),
                           LeakyReLU(0.1), BatchNorm<double>(8));
    auto model = Sequential(Parallel(Concat{}, std::move(wide), std::move(deep)), Dense<double>(20, 1), Sigmoid());
    compare_with_pytorch("wdnn", std::move(model), BinaryCrossEntropy{}, 6, 1);
}

TEST_CASE("PyTorch parity: a classifier with Softmax + CrossEntropy on probabilities (fused)") {
    auto model = Sequential(Dense<double>(5, 16), Tanh(), Dense<double>(16, 4), Softmax());
    compare_with_pytorch("softmax_ce", std::move(model), CrossEntropy{.from_logits = false}, 5, 4);
}

TEST_CASE("PyTorch parity: a classifier with CrossEntropy on logits") {
    auto model = Sequential(Dense<double>(5, 16), Tanh(), Dense<double>(16, 4));
    compare_with_pytorch("logits_ce", std::move(model), CrossEntropy{}, 5, 4);
}

TEST_CASE("PyTorch parity: a classifier with GELU, LogSoftmax + NLLLoss") {
    auto model = Sequential(Dense<double>(5, 16), GELU(), Dense<double>(16, 4), LogSoftmax());
    compare_with_pytorch("log_softmax_nll", std::move(model), NLLLoss{}, 5, 4);
}

TEST_CASE("PyTorch parity: a small CNN (Conv2D same / strided with padding, MaxPool2D, AvgPool2D, L2)") {
    auto model = Sequential(Conv2D<double>(2, 4, {4, 3}, {.padding = Padding::same, .input = ImageShape{2, 8, 7}},
                                           L2(1e-3)),
                            ReLU(), MaxPool2D(2), Conv2D<double>(4, 6, {3, 2}, {.stride = 2, .padding = 1}), Tanh(),
                            AvgPool2D({2, 1}), Dense<double>(12, 3));
    compare_with_pytorch("cnn", std::move(model), CrossEntropy{}, 2 * 8 * 7, 3);
}

TEST_CASE("PyTorch parity: BatchNorm2D and GlobalAveragePooling2D after a convolution") {
    auto model = Sequential(Conv2D<double>(2, 4, 3, {.padding = Padding::same, .input = ImageShape{2, 6, 5}}),
                            BatchNorm2D<double>(4), ReLU(), GlobalAveragePooling2D(), Dense<double>(4, 3));
    compare_with_pytorch("cnn_bn_gap", std::move(model), CrossEntropy{}, 2 * 6 * 5, 3);
}
