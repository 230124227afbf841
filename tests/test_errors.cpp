// Every shape and configuration mistake a user can make raises an xtnn::error
// whose message says what was expected and what was found. The catalogue is
// kept here, in one place; docs/reliability.md lists the same cases. (Bad
// files are covered by test_npy, test_npz, test_csv, test_checkpoint and the
// fuzz regressions.)
#include <cmath>
#include <limits>
#include <string>

#include <doctest/doctest.h>

#include <xtnn/xtnn.hpp>

#include "data_test_support.hpp"

using namespace xtnn;
using xtnn_test::check_error;

namespace {

auto classifier() { return Sequential(Dense<float>(3, 4), ReLU(), Dense<float>(4, 1), Sigmoid()); }

FitOptions quick() {
    FitOptions options;
    options.epochs = 1;
    options.batch_size = 8;
    return options;
}

Dataset<double> numbered(std::size_t rows) {
    Tensor<double> X = Tensor<double>::from_shape({rows, 1});
    Tensor<double> y = Tensor<double>::from_shape({rows, 1});
    for (std::size_t i = 0; i < rows; ++i) X(i, 0) = y(i, 0) = static_cast<double>(i % 2);
    return {X, y};
}

}  // namespace

TEST_CASE("layer widths that do not chain: both modules and both widths are named") {
    check_error([] { Sequential(Dense<float>(9, 256), ReLU(), Dense<float>(128, 64)); },
                {"module 2 Dense(128->64) expects 128 input features, but module 1 ReLU produces 256"});
    check_error([] { Sequential(Dense<float>(4, 8), BatchNorm<float>(6)); },
                {"BatchNorm(6) expects 6 input features", "produces 8"});
    check_error([] { Parallel(Concat{}, Dense<float>(9, 2), Dense<float>(12, 2)); },
                {"branch 1 Dense(12->2) expects 12 input features, but branch 0 Dense(9->2) expects 9"});
    check_error(
        [] { Sequential(Parallel(Concat{}, Dense<float>(3, 2), Dense<float>(3, 4)), Dense<float>(5, 1)); },
        {"expects 5 input features, but module 0 Parallel(Concat, 2 branches) produces 6"});
    DynamicSequential<float> dynamic;
    dynamic.add(Dense<float>(4, 2));
    check_error([&] { dynamic.add(Dense<float>(3, 1)); }, {"Dense(3->1) expects 3 input features", "produces 2"});
    CHECK(dynamic.size() == 1);
    check_error([] { Dense<float>(0, 3); }, {"Dense(0->3)", "width must be positive"});
}

TEST_CASE("a wrong feature count at fit, predict or forward time") {
    auto model = classifier();
    Adam<float> adam(1e-3);
    const auto two_features = make_xor<float>(2, 16, 0.1, 2);
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, two_features, quick()); },
                {"fit: the training set has 2 features, but the model expects 3"});
    const auto good = make_xor<float>(3, 16, 0.1, 2);
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, good, two_features, quick()); },
                {"fit: the validation set has 2 features, but the model expects 3"});
    init_parameters(model, 1);
    check_error([&] { predict(model, two_features.X); },
                {"predict: the input has 2 features, but the model expects 3"});
    Dense<float> dense(9, 4);
    const Tensor<float> x = Tensor<float>::from_shape({2, 7});
    check_error([&] { dense.forward(x, Mode::eval); }, {"Dense(9->4)", "expected input with 9 features, got 2 x 7"});
}

TEST_CASE("labels that the loss cannot take") {
    auto model = classifier();
    Adam<float> adam(1e-3);
    auto data = make_xor<float>(3, 16, 0.1, 2);
    data.y(5, 0) = 2;
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, data, quick()); },
                {"binary_crossentropy: labels must be 0 or 1; found 2 at row 5"});
    data.y(5, 0) = 0.5f;
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, data, quick()); }, {"must be 0 or 1; found 0.5"});
    const auto two_labels = Dataset<float>(make_xor<float>(3, 16, 0.1, 2).X, Tensor<float>::from_shape({16, 2}));
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, two_labels, quick()); },
                {"has 2 label columns, but the model produces 1 outputs"});
}

TEST_CASE("batch size 0") {
    auto model = classifier();
    Adam<float> adam(1e-3);
    const auto data = make_xor<float>(3, 16, 0.1, 2);
    FitOptions options = quick();
    options.batch_size = 0;
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, data, options); }, {"fit: batch_size must be >= 1, got 0"});
    options = quick();
    options.eval_batch_size = 0;
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, data, options); },
                {"fit: eval_batch_size must be >= 1, got 0"});
    init_parameters(model, 1);
    check_error([&] { predict(model, data.X, 0); }, {"predict: batch_size must be >= 1, got 0"});
    check_error([&] { BatchIterator<float>(data, 0, true); }, {"BatchIterator: batch_size must be at least 1, got 0"});
}

TEST_CASE("dropout rate outside [0, 1)") {
    check_error([] { Dropout(1.0); }, {"Dropout: rate must be in [0, 1), got 1"});
    check_error([] { Dropout(-0.1); }, {"Dropout: rate must be in [0, 1), got -0.1"});
    check_error([] { Dropout(std::nan("")); }, {"Dropout: rate must be in [0, 1), got nan"});
    CHECK_NOTHROW(Dropout(0.0));
}

TEST_CASE("negative or non-finite learning rate") {
    check_error([] { SGD<double>{-0.1}; }, {"sgd: learning rate must be finite and >= 0, got -0.1"});
    check_error([] { Adam<float>{-1e-3}; }, {"adam: learning rate must be finite and >= 0, got -0.001"});
    check_error([] { RMSProp<float>{std::numeric_limits<double>::infinity()}; },
                {"rmsprop: learning rate must be finite and >= 0, got inf"});
    Adam<float> adam;
    check_error([&] { adam.set_learning_rate(-1.0); }, {"learning rate must be finite and >= 0, got -1"});
    CHECK(adam.learning_rate() == 1e-3);
}

TEST_CASE("an empty dataset") {
    auto model = classifier();
    Adam<float> adam(1e-3);
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, Dataset<float>{}, quick()); },
                {"fit: the training set is empty"});
    init_parameters(model, 1);
    check_error([&] { evaluate(model, Dataset<float>{}, Accuracy{}); }, {"evaluate: the dataset is empty"});
    check_error([] { parse_csv<float>("a,b\n", "table.csv"); }, {"table.csv: no data rows, only a header"});
}

TEST_CASE("a split that leaves a part empty, or fractions that do not add up") {
    const Dataset<double> data = numbered(3);
    check_error([&] { train_val_test_split(data, {0.5, 0.2, 0.3}, 1); },
                {"train_val_test_split: the validation part would be empty (fraction 0.2 of 3 rows)"});
    check_error([] { train_val_test_split(numbered(5), {0.6, 0.4, 0.0}, 1); },
                {"the test part would be empty (fraction 0 of 5 rows)"});
    check_error([&] { train_val_test_split(data, {0.5, 0.2, 0.2}, 1); },
                {"fractions 0.5 + 0.2 + 0.2 sum to 0.9, not 1"});
    check_error([&] { train_val_test_split(data, {1.2, -0.1, -0.1}, 1); },
                {"the train fraction 1.2 is not in [0, 1]"});
    check_error([&] { train_val_test_split(data, {0.5, std::nan(""), 0.5}, 1); },
                {"the validation fraction nan is not in [0, 1]"});
    check_error([&] { train_test_split(data, 0.0, 1); }, {"test_fraction 0 is not in (0, 1)"});
    check_error([&] { train_test_split(data, 0.1, 1); }, {"the test part would be empty (test_fraction 0.1 of 3 rows)"});
}

TEST_CASE("other run configuration mistakes") {
    auto model = classifier();
    Adam<float> adam(1e-3);
    const auto data = make_xor<float>(3, 16, 0.1, 2);
    check_error([&] { predict(model, data.X); }, {"predict: parameter '0.kernel' is not initialized; call init_parameters(model, seed), fit or load first"});
    FitOptions options = quick();
    options.metrics = {"auroc"};
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, data, options); },
                {"fit: unknown metric 'auroc'; known: accuracy, auc, precision, recall, f1"});
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, data, data, quick(), EarlyStopping{.monitor = "val_acc"}); },
                {"no quantity named 'val_acc' in the epoch log; known:", "val_accuracy"});
    check_error([&] { fit(model, adam, BinaryCrossEntropy{}, data, quick(), ModelCheckpoint{.path = "/no/such/dir/m.npz"}); },
                {"ModelCheckpoint: cannot write '/no/such/dir/m.npz': directory '/no/such/dir' does not exist"});
}

TEST_CASE("message pieces stream exactly as operator<< would") {
    const std::string layer = "Dense";
    const char* pointer = "pointer";
    char array[] = "array";
    CHECK(detail::concat("a", 1, ' ', 2.5, " ", layer, std::string_view("|"), std::size_t{42}) == "a1 2.5 Dense|42");
    CHECK(detail::concat(pointer, array, 1.0 / 3.0, 0.1f) == "pointerarray0.3333330.1");
    // A manipulator changes the pieces after it, as in one stream expression.
    CHECK(detail::concat("0x", std::hex, 255u, " ", 16) == "0xff 10");
    CHECK_THROWS_WITH_AS(detail::fail("x: expected ", 3, " got ", 4), "xtnn: x: expected 3 got 4", xtnn::error);
}
