// An architecture chosen at run time: the hidden widths come from the command
// line, so the model cannot be one compile-time Sequential type. AnyModule<T>
// holds any module behind one type and DynamicSequential<T> chains them; fit,
// evaluate, save and load take it like any other model.
//   build/examples/runtime_architecture 64,32
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

// "64,32" -> {64, 32}.
std::vector<std::size_t> parse_widths(const std::string& text) {
    std::vector<std::size_t> widths;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        std::size_t used = 0;
        const unsigned long width = std::stoul(item, &used);
        if (used != item.size() || width == 0) throw std::runtime_error("bad width '" + item + "' in '" + text + "'");
        widths.push_back(width);
    }
    if (widths.empty()) throw std::runtime_error("no hidden widths in '" + text + "'");
    return widths;
}

// Dense → ReLU for every hidden width, then one sigmoid output.
DynamicSequential<float> make_mlp(std::size_t inputs, const std::vector<std::size_t>& widths) {
    DynamicSequential<float> model;
    std::size_t in = inputs;
    for (std::size_t width : widths) {
        model.add(Dense<float>(in, width)).add(ReLU());
        in = width;
    }
    model.add(Dense<float>(in, 1)).add(Sigmoid());
    return model;
}

int main(int argc, char** argv) try {
    const std::vector<std::size_t> widths = parse_widths(argc > 1 ? argv[1] : "64,32");
    auto [train, test] = train_test_split(make_xor<float>(3, 1500, 0.1, 5), 0.2, 42);

    DynamicSequential<float> model = make_mlp(3, widths);
    // Weights and biases of each Dense: in·out + out.
    std::size_t expected = 0, in = 3;
    for (std::size_t width : widths) {
        expected += in * width + width;
        in = width;
    }
    expected += in + 1;
    std::printf("%zu modules, %zu parameters (expected %zu)\n", model.size(), parameter_count(model), expected);
    if (parameter_count(model) != expected) return 1;

    Adam<float> optimizer(0.01);
    FitOptions options;
    options.epochs = 30;
    options.batch_size = 32;
    options.seed = 42;
    fit(model, optimizer, BinaryCrossEntropy{}, train, options);
    const double accuracy = evaluate(model, test, Accuracy{});
    std::printf("test accuracy %.3f\n", accuracy);
    return accuracy >= 0.9 ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "runtime_architecture: %s\n", e.what());
    return 1;
}
