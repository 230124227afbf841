#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>
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

// Feeds a callback one epoch log per value of `quantity`, as fit would at each
// epoch's end; returns the learning rate after each epoch.
template <class C>
std::vector<double> feed(C& callback, std::string_view quantity, const std::vector<double>& values) {
    History history;
    TrainingState<float> state;
    state.history = &history;
    state.learning_rate = 1.0;
    callback.on_train_begin(state);
    std::vector<double> rates;
    for (const double value : values) {
        if (state.stop) break;
        EpochLog log;
        log.epoch = history.size() + 1;
        if (quantity == "val_loss") log.val_loss = value;
        else log.metrics[std::string(quantity)] = value;
        history.epochs.push_back(log);
        callback.on_epoch_end(state);
        rates.push_back(state.learning_rate);
    }
    return rates;
}

}  // namespace

TEST_CASE("Monitor's automatic mode maximizes the named metrics and minimizes everything else") {
    for (const char* score : {"accuracy", "val_accuracy", "val_auc", "precision", "val_recall", "f1"}) {
        CHECK(Monitor::maximizes(score, MonitorMode::automatic));
    }
    for (const char* other : {"loss", "val_loss", "learning_rate", "seconds", "val_acc", "val_"}) {
        CHECK_FALSE(Monitor::maximizes(other, MonitorMode::automatic));
    }
    CHECK(Monitor::maximizes("val_loss", MonitorMode::max));
    CHECK_FALSE(Monitor::maximizes("val_accuracy", MonitorMode::min));
}

TEST_CASE("Monitor counts an improvement only beyond min_delta, in its direction; non-finite never") {
    Monitor loss("val_loss", MonitorMode::automatic, 0.1, "test");
    CHECK_FALSE(loss.improve(std::nan("")));
    CHECK(std::isnan(loss.best()));
    CHECK(loss.improve(1.0));
    CHECK_FALSE(loss.improve(0.95));  // better, but not by more than min_delta
    CHECK_FALSE(loss.improve(1.5));
    CHECK_FALSE(loss.improve(-std::numeric_limits<double>::infinity()));
    CHECK(loss.best() == 1.0);
    CHECK(loss.improve(0.85));
    CHECK(loss.best() == 0.85);

    Monitor accuracy("val_accuracy", MonitorMode::automatic, 0.0, "test");
    CHECK(accuracy.maximizing());
    CHECK(accuracy.improve(0.5));
    CHECK_FALSE(accuracy.improve(0.5));  // equal is not better
    CHECK(accuracy.improve(0.6));
    CHECK_FALSE(accuracy.improve(0.4));

    CHECK_THROWS_WITH_AS(Monitor("loss", MonitorMode::min, -1.0, "EarlyStopping"),
                         "xtnn: EarlyStopping: min_delta must be finite and >= 0, got -1", xtnn::error);
}

TEST_CASE("EarlyStopping follows the mode: the same values stop it at another epoch") {
    const std::vector<double> accuracy = {0.5, 0.6, 0.55, 0.58, 0.57};
    EarlyStopping automatic{.monitor = "val_accuracy", .patience = 2};
    feed(automatic, "val_accuracy", accuracy);
    CHECK(automatic.best_epoch() == 2);
    CHECK(automatic.stopped_epoch() == 4);
    CHECK(automatic.best() == 0.6);

    EarlyStopping minimizing{.monitor = "val_accuracy", .mode = MonitorMode::min, .patience = 2};
    feed(minimizing, "val_accuracy", accuracy);
    CHECK(minimizing.best_epoch() == 1);
    CHECK(minimizing.stopped_epoch() == 3);

    EarlyStopping tolerant{.monitor = "val_accuracy", .min_delta = 0.05, .patience = 3};
    feed(tolerant, "val_accuracy", {0.5, 0.54, 0.56, 0.58, 0.6});
    CHECK(tolerant.best_epoch() == 3);  // 0.54 is within min_delta of 0.5, 0.56 is not
    CHECK(tolerant.stopped_epoch() == 0);
}

TEST_CASE("a callback object serves a second fit as a fresh one would") {
    Run first_run, second_run;
    Adam<float> first_opt(1e-2), second_opt(1e-2);
    // min_delta 10 on the loss: only the first epoch improves, so it stops after 1 + patience epochs.
    EarlyStopping stop{.monitor = "loss", .min_delta = 10.0, .patience = 2};
    const History first =
        fit(first_run.model, first_opt, BinaryCrossEntropy{}, first_run.data, first_run.options(), stop);
    const std::size_t first_best = stop.best_epoch(), first_stop = stop.stopped_epoch();
    CHECK(first_stop == 3);
    const History second =
        fit(second_run.model, second_opt, BinaryCrossEntropy{}, second_run.data, second_run.options(), stop);
    CHECK(second.size() == first.size());
    CHECK(second.series("loss") == first.series("loss"));
    CHECK(stop.best_epoch() == first_best);
    CHECK(stop.stopped_epoch() == first_stop);

    ReduceLROnPlateau plateau{.factor = 0.5, .patience = 1, .min_delta = 0.0};
    const std::vector<double> losses = {1.0, 1.1, 0.9, 0.95, 0.97};
    const auto rates = feed(plateau, "val_loss", losses);
    CHECK(rates == std::vector<double>{1.0, 0.5, 0.5, 0.25, 0.125});
    CHECK(feed(plateau, "val_loss", losses) == rates);
}

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

TEST_CASE("every built-in callback is a Callback; a type without a well-formed hook is not") {
    static_assert(Callback<EarlyStopping, float> && Callback<ModelCheckpoint, double>);
    static_assert(Callback<StepLR, float> && Callback<const StepLR, float> && Callback<CosineDecay, float>);
    static_assert(Callback<ReduceLROnPlateau, float> && Callback<CSVLogger, float>);
    static_assert(Callback<ProgressBar, float> && Callback<TerminateOnNaN, double>);
    struct FloatOnly {
        void on_epoch_end(TrainingState<float>&) {}
    };
    struct NoLoss {
        void on_batch_end(TrainingState<float>&) {}
    };
    static_assert(Callback<FloatOnly, float> && !Callback<FloatOnly, double>);
    CHECK_FALSE(Callback<NoLoss, float>);
    CHECK_FALSE(Callback<Monitor, float>);
}
