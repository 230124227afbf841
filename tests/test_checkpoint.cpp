#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

#include <xtnn/xtnn.hpp>

using namespace xtnn;

namespace {

std::filesystem::path temp_path(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("xtnn_checkpoint_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / name;
}

auto model_with_bn() {
    return Sequential(Dense<float>(3, 8, L2(1e-3)), ReLU(), BatchNorm<float>(8), Dropout(0.2), Dense<float>(8, 1),
                      Sigmoid());
}

// Trains `model` with `optimizer` for `epochs` and saves both to `path`.
template <class Model, class Data>
void train_and_save(Model& model, Adam<float>& optimizer, const Data& data, std::size_t epochs,
                    const std::filesystem::path& path) {
    FitOptions o;
    o.epochs = epochs;
    fit(model, optimizer, BinaryCrossEntropy{}, data, o);
    save(model, path, optimizer);
}

// Copies the archive at `from` to `to` with element 0 of `key` set to `value`.
void rewrite_with(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& key,
                  float value) {
    const auto archive = read_npz(from);
    NpzWriter writer;
    for (const std::string& name : archive.names()) {
        const NpyArray& array = archive.get(name);
        if (array.dtype == DType::int64) {
            std::vector<std::int64_t> values(array.size());
            array.copy_values(std::span(values));
            writer.add(name, values.data(), array.shape);
        } else {
            std::vector<float> values(array.size());
            array.copy_values(std::span(values));
            if (name == key) values[0] = value;
            writer.add(name, values.data(), array.shape);
        }
    }
    writer.save(to);
}

}  // namespace

TEST_CASE("save/load round trip: predictions of the loaded model equal the saved model's bit for bit") {
    auto data = make_xor<float>(3, 256, 0.2, 1);
    auto model = model_with_bn();
    Adam<float> opt(1e-2);
    const auto path = temp_path("model.npz");
    train_and_save(model, opt, data, 3, path);

    auto loaded = model_with_bn();
    Adam<float> opt2(1e-2);
    load(loaded, path, opt2);
    CHECK(predict(loaded, data) == predict(model, data));
    CHECK(opt2.iterations() == opt.iterations());
    // Every parameter and BatchNorm statistic is in the archive under its stable name.
    const auto archive = read_npz(path);
    CHECK(archive.contains("0.kernel"));
    CHECK(archive.contains("2.running_mean"));
    CHECK(archive.contains("2.running_var"));
    CHECK(archive.contains("optimizer.m"));
    CHECK(archive.get("0.kernel").shape == std::vector<std::size_t>{3, 8});
}

TEST_CASE("loading into a model with other names or shapes lists every mismatch and changes nothing") {
    auto model = model_with_bn();
    init_parameters(model, 4);
    const auto path = temp_path("mismatch.npz");
    save(model, path);
    auto other = Sequential(Dense<float>(3, 6), ReLU(), Dense<float>(6, 1), Dense<float>(1, 1));
    init_parameters(other, 5);
    const auto before = std::vector<float>(parameters(other).all_values.begin(), parameters(other).all_values.end());
    try {
        load(other, path);
        FAIL("load should have thrown");
    } catch (const xtnn::error& e) {
        const std::string what = e.what();
        CHECK(what.find("'0.kernel' has shape (3, 8) in the file, the model needs (3, 6)") != std::string::npos);
        CHECK(what.find("missing '3.kernel'") != std::string::npos);
        CHECK(what.find("unexpected '2.gamma'") != std::string::npos);
    }
    const auto after = std::vector<float>(parameters(other).all_values.begin(), parameters(other).all_values.end());
    CHECK(before == after);
}

TEST_CASE("a negative variance or Adam second moment in a checkpoint is an error that changes nothing") {
    auto model = model_with_bn();
    Adam<float> opt(1e-2);
    const auto path = temp_path("valid.npz");
    train_and_save(model, opt, make_xor<float>(3, 128, 0.2, 1), 1, path);
    const auto before = std::vector<float>(parameters(model).all_values.begin(), parameters(model).all_values.end());

    const auto bad_variance = temp_path("negative_variance.npz");
    rewrite_with(path, bad_variance, "2.running_var", -0.5f);
    CHECK_THROWS_WITH_AS(load(model, bad_variance, opt),
                         doctest::Contains("'2.running_var' holds a negative value (-0.5) at index 0"), xtnn::error);
    const auto bad_moment = temp_path("negative_moment.npz");
    rewrite_with(path, bad_moment, "optimizer.v", -1e-3f);
    CHECK_THROWS_WITH_AS(load(model, bad_moment, opt), doctest::Contains("'optimizer.v' holds a negative value"),
                         xtnn::error);
    const auto after = std::vector<float>(parameters(model).all_values.begin(), parameters(model).all_values.end());
    CHECK(before == after);
    // A zero variance is allowed.
    const auto zero_variance = temp_path("zero_variance.npz");
    rewrite_with(path, zero_variance, "2.running_var", 0.0f);
    CHECK_NOTHROW(load(model, zero_variance, opt));
}

TEST_CASE("a corrupt or truncated checkpoint raises an error naming the file") {
    auto model = model_with_bn();
    init_parameters(model, 4);
    const auto path = temp_path("good.npz");
    save(model, path);
    std::string bytes = read_file(path);
    const auto truncated = temp_path("truncated.npz");
    write_file_atomically(truncated, std::string_view(bytes).substr(0, bytes.size() / 2));
    CHECK_THROWS_WITH_AS(load(model, truncated), doctest::Contains("truncated.npz"), xtnn::error);
    CHECK_THROWS_AS(load(model, temp_path("does_not_exist.npz")), xtnn::error);
}

TEST_CASE("saving a model that was never initialized is an error, not a file of zeros") {
    auto model = model_with_bn();
    const auto path = temp_path("uninitialized.npz");
    std::filesystem::remove(path);
    CHECK_THROWS_WITH_AS(save(model, path), doctest::Contains("is not initialized"), xtnn::error);
    CHECK_FALSE(std::filesystem::exists(path));
}

namespace {

// Has the state a checkpoint needs (OptimizerState) but cannot step: not an Optimizer.
struct StepCounter {
    using value_type = float;
    std::vector<float> momentum;
    std::uint64_t steps = 0;
    void visit_state(auto&& f) { f("momentum", momentum); }
    std::uint64_t iterations() const { return steps; }
    void set_iterations(std::uint64_t n) { steps = n; }
};

}  // namespace

TEST_CASE("save/load take optimizers and scalers as extras, through one shared OptimizerState concept") {
    static_assert(Optimizer<Adam<float>> && OptimizerState<Adam<float>>);
    static_assert(CheckpointExtra<Adam<float>> && CheckpointExtra<SGD<double>> && CheckpointExtra<RMSProp<float>>);
    static_assert(CheckpointExtra<AdamW<double>> && CheckpointExtra<StandardScaler<float>>);
    static_assert(!CheckpointExtra<FitOptions> && !CheckpointExtra<const Adam<float>>);
    static_assert(OptimizerState<StepCounter> && !Optimizer<StepCounter>);

    // Such an object round-trips through a checkpoint like an optimizer's state.
    auto model = model_with_bn();
    init_missing_parameters(model, 1);
    StepCounter saved{{0.5f, -2.0f}, 17};
    const auto path = temp_path("step_counter.npz");
    save(model, path, saved);
    auto loaded_model = model_with_bn();
    StepCounter loaded;
    load(loaded_model, path, loaded);
    CHECK(loaded.momentum == saved.momentum);
    CHECK(loaded.steps == 17);
}
