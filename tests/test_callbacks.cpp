#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <numbers>
#include <sstream>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

namespace {

struct Run {
    Dataset<float> data = make_xor<float>(2, 64, 0.1, 2);
    Sequential<Dense<float>, ReLU, Dense<float>, Sigmoid> model{Dense<float>(2, 4), ReLU(), Dense<float>(4, 1),
                                                                Sigmoid()};
    FitOptions options() const {
        FitOptions o;
        o.epochs = 6;
        o.batch_size = 16;
        return o;
    }
};

}  // namespace

TEST_CASE("CosineDecay follows the half cosine from the initial rate to alpha times it") {
    Run r;
    Adam<float> opt(1e-2);
    History h = fit(r.model, opt, BinaryCrossEntropy{}, r.data, r.options(), CosineDecay{.epochs = 4, .alpha = 0.1});
    const auto lr = h.series("learning_rate");
    for (std::size_t e = 0; e < lr.size(); ++e) {
        const double t = std::min(static_cast<double>(e), 4.0) / 4.0;
        CHECK(lr[e] == doctest::Approx(1e-2 * (0.1 + 0.9 * 0.5 * (1 + std::cos(std::numbers::pi * t)))));
    }
    CHECK(lr.back() == doctest::Approx(1e-3));
}

TEST_CASE("ReduceLROnPlateau cuts the rate after `patience` epochs without improvement") {
    History history;
    TrainingState<float> state;
    state.history = &history;
    state.learning_rate = 1.0;
    ReduceLROnPlateau plateau{.monitor = "val_loss", .factor = 0.5, .patience = 2, .min_delta = 0.0};
    plateau.on_train_begin(state);
    std::vector<double> rates;
    // val_loss: improves, then stalls for 4 epochs, improves, stalls 2.
    for (double loss : {1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.5, 0.6, 0.7}) {
        EpochLog log;
        log.epoch = history.size() + 1;
        log.val_loss = loss;
        history.epochs.push_back(log);
        plateau.on_epoch_end(state);
        rates.push_back(state.learning_rate);
    }
    CHECK(rates == std::vector<double>{1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125});
}

TEST_CASE("CSVLogger writes a header and one row per epoch") {
    Run r;
    Adam<float> opt(1e-2);
    const auto path = std::filesystem::temp_directory_path() / ("xtnn_log_" + std::to_string(::getpid()) + ".csv");
    fit(r.model, opt, BinaryCrossEntropy{}, r.data, r.data, r.options(), CSVLogger{path});
    std::istringstream text(read_file(path));
    std::string header, line;
    std::getline(text, header);
    CHECK(header == "epoch,loss,val_loss,accuracy,val_accuracy,learning_rate,seconds");
    std::size_t rows = 0;
    while (std::getline(text, line)) {
        ++rows;
        CHECK(line.starts_with(std::to_string(rows) + ","));
    }
    CHECK(rows == 6);
    std::filesystem::remove(path);
}

TEST_CASE("ProgressBar prints one line per epoch and the stop reason") {
    Run r;
    Adam<float> opt(1e-2);
    std::FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    fit(r.model, opt, BinaryCrossEntropy{}, r.data, r.options(), ProgressBar{.prefix = "xor", .stream = out},
        EarlyStopping{.monitor = "loss", .min_delta = 10.0, .patience = 0});
    std::rewind(out);
    std::string text;
    for (int c; (c = std::fgetc(out)) != EOF;) text += static_cast<char>(c);
    std::fclose(out);
    CHECK(text.find("xor: epoch 1/6 - loss ") != std::string::npos);
    CHECK(text.find("s to epoch 6\n") != std::string::npos);  // the ETA names what it estimates
    CHECK(text.find("xor: EarlyStopping: loss did not improve") != std::string::npos);
}
