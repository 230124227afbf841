#include <doctest/doctest.h>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

namespace {

Dataset<float> xor_dataset() {
    Tensor<float> x = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    Tensor<float> y = {{0}, {1}, {1}, {0}};
    return {x, y};
}

auto small_wdnn(std::size_t n) {
    auto wide = Sequential(Dense<float>(n, 32, L2(1e-3)), ReLU());
    auto deep = Sequential(Dense<float>(n, 32, L2(1e-3)), ReLU(), BatchNorm<float>(32), Dropout(0.2),
                           Dense<float>(32, 16, L2(1e-3)), ReLU(), BatchNorm<float>(16), Dropout(0.2));
    return Sequential(Parallel(Concat{}, std::move(wide), std::move(deep)), Dense<float>(48, 1), Sigmoid());
}

}  // namespace

TEST_CASE("an MLP learns 2-bit XOR to 100 %") {
    auto model = Sequential(Dense<float>(2, 16), Tanh(), Dense<float>(16, 1), Sigmoid());
    Adam<float> opt(0.05);
    FitOptions o;
    o.epochs = 300;
    o.batch_size = 4;
    o.seed = 1;
    const auto data = xor_dataset();
    History h = fit(model, opt, BinaryCrossEntropy{}, data, o);
    CHECK(h.size() == 300);
    CHECK(evaluate(model, data, Accuracy{}) == 1.0);
    CHECK(h.back().loss < 0.05);
}

TEST_CASE("the WDNN composition trains on generated Kryptonite data to well above chance") {
    KryptoniteOptions ko;
    ko.rows = 3000;
    ko.seed = 5;
    auto generated = make_kryptonite<float>(6, ko);
    auto [train, val, test] = train_val_test_split(generated.data, {0.6, 0.2, 0.2}, 42);
    StandardScaler<float> scaler;
    scaler.fit(train.X);
    scaler.transform_inplace(train.X);
    scaler.transform_inplace(val.X);
    scaler.transform_inplace(test.X);
    auto model = small_wdnn(6);
    Adam<float> opt(3e-3);
    FitOptions o;
    o.epochs = 40;
    o.batch_size = 64;
    o.seed = 42;
    EarlyStopping stop{.patience = 10, .restore_best_weights = true};
    History h = fit(model, opt, BinaryCrossEntropy{}, train, val, o, stop);
    const double acc = evaluate(model, test, Accuracy{});
    MESSAGE("WDNN on generated Kryptonite-6: test accuracy ", acc, " after ", h.size(), " epochs");
    CHECK(acc > 0.8);
}

TEST_CASE("a Trainer on a model that was never initialized is an error, not training from zeros") {
    auto model = Sequential(Dense<float>(3, 2), ReLU(), Dense<float>(2, 1), Sigmoid());
    SGD<float> optimizer(0.1);
    CHECK_THROWS_WITH_AS(Trainer(model, optimizer, BinaryCrossEntropy{}), doctest::Contains("Trainer: parameter"),
                         xtnn::error);
    init_parameters(model, 1);
    CHECK_NOTHROW(Trainer(model, optimizer, BinaryCrossEntropy{}));
}

TEST_CASE("the same seed gives bit-identical weights twice in a row") {
    auto run = [] {
        auto data = make_xor<float>(3, 256, 0.1, 3);
        auto model = small_wdnn(3);
        Adam<float> opt(1e-3);
        FitOptions o;
        o.epochs = 3;
        o.batch_size = 32;
        o.seed = 7;
        fit(model, opt, BinaryCrossEntropy{}, data, o);
        auto w = parameters(model).all_values;
        return std::vector<float>(w.begin(), w.end());
    };
    const auto a = run();
    const auto b = run();
    CHECK(a == b);
}

TEST_CASE("EarlyStopping restores exactly the weights of the best epoch") {
    auto data = make_xor<double>(2, 128, 0.3, 1);
    auto model = Sequential(Dense<double>(2, 8), ReLU(), BatchNorm<double>(8), Dense<double>(8, 1), Sigmoid());
    SGD<double> opt(0.5);
    FitOptions o;
    o.epochs = 40;
    o.batch_size = 16;
    o.seed = 3;
    // Record the weights after every epoch, then check the final ones equal the best epoch's.
    struct Recorder {
        std::vector<std::vector<double>> snapshots;
        void on_epoch_end(TrainingState<double>& s) { snapshots.emplace_back(s.weights.begin(), s.weights.end()); }
    } recorder;
    EarlyStopping stop{.monitor = "loss", .patience = 3, .restore_best_weights = true, .restore_at_end = true};
    History h = fit(model, opt, BinaryCrossEntropy{}, data, o, recorder, stop);
    REQUIRE(stop.best_epoch() >= 1);
    const auto losses = h.series("loss");
    const auto best = std::min_element(losses.begin(), losses.end()) - losses.begin();
    CHECK(static_cast<std::size_t>(best + 1) == stop.best_epoch());
    auto w = parameters(model).all_values;
    CHECK(std::vector<double>(w.begin(), w.end()) == recorder.snapshots[stop.best_epoch() - 1]);
}

TEST_CASE("EarlyStopping stops after `patience` epochs without improvement") {
    auto data = make_xor<double>(2, 64, 0.1, 2);
    auto model = Sequential(Dense<double>(2, 4), ReLU(), Dense<double>(4, 1), Sigmoid());
    SGD<double> opt(0.0);  // nothing changes: no epoch after the first improves
    FitOptions o;
    o.epochs = 50;
    o.seed = 1;
    EarlyStopping stop{.monitor = "loss", .patience = 4};
    History h = fit(model, opt, BinaryCrossEntropy{}, data, o, stop);
    CHECK(h.size() == 5);
    CHECK(stop.stopped_epoch() == 5);
    CHECK(h.stop_reason.find("did not improve for 4 epochs") != std::string::npos);
}

TEST_CASE("StepLR halves the learning rate at the right epoch") {
    auto data = make_xor<float>(2, 32, 0.1, 2);
    auto model = Sequential(Dense<float>(2, 4), ReLU(), Dense<float>(4, 1), Sigmoid());
    Adam<float> opt(1e-3);
    FitOptions o;
    o.epochs = 8;
    o.batch_size = 32;
    History every = fit(model, opt, BinaryCrossEntropy{}, data, o, StepLR{.step = 3, .gamma = 0.5});
    CHECK(every.series("learning_rate") ==
          std::vector<double>{1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 2.5e-4, 2.5e-4});
    Adam<float> opt2(1e-3);
    History once = fit(model, opt2, BinaryCrossEntropy{}, data, o, StepLR{.step = 3, .gamma = 0.5, .once = true});
    CHECK(once.series("learning_rate") == std::vector<double>{1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 5e-4, 5e-4});
    CHECK(opt2.learning_rate() == 5e-4);
}
