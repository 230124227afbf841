// BackupAndRestore: a run killed at any moment and restarted, as often as it
// takes, ends bit for bit where an uninterrupted run with the same seed ends;
// a backup of another run, or a damaged one, is refused and left as it was.
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <csignal>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <xtnn/xtnn.hpp>

#include "data_test_support.hpp"

using namespace xtnn;
using xtnn_test::check_error;
using xtnn_test::ScratchDir;

namespace {

// Dropout and BatchNorm in the fused Dense block and once more on their own.
auto make_model() {
    return Sequential(Dense<float>(6, 48), ReLU(), BatchNorm<float>(48), Dropout(0.3), Dense<float>(48, 16), ReLU(),
                      Dropout(0.2), Dense<float>(16, 1), Sigmoid());
}
using Model = decltype(make_model());

const Dataset<float>& training_data() {
    static const auto data = make_xor<float>(6, 2048, 0.4, 7);
    return data;
}
const Dataset<float>& validation_data() {
    static const auto data = make_xor<float>(6, 256, 0.4, 8);
    return data;
}

FitOptions options(std::uint64_t seed = 42) {
    FitOptions o;
    o.epochs = 24;
    o.batch_size = 32;
    o.seed = seed;
    return o;
}

// Adam, EarlyStopping restoring the best weights, a schedule, a plateau
// counter and a checkpoint: every kind of state a run carries.
template <class... Extra>
History train(Model& model, const FitOptions& o, Extra&&... extra) {
    Adam<float> adam(2e-3);
    return fit(model, adam, BinaryCrossEntropy{}, training_data(), validation_data(), o,
               EarlyStopping{.monitor = "val_loss", .min_delta = 1e-3, .patience = 5, .restore_best_weights = true,
                             .restore_at_end = true},
               StepLR{.step = 6, .gamma = 0.5}, ReduceLROnPlateau{.factor = 0.5, .patience = 2},
               std::forward<Extra>(extra)...);
}

std::vector<float> weights_of(Model& model) {
    const auto values = parameters(model).all_values;
    return {values.begin(), values.end()};
}

// Stops a fit with an exception after `epochs` epochs (as a crash would, but in-process).
struct ThrowAfter {
    std::size_t epochs;
    template <Real T>
    void on_epoch_begin(TrainingState<T>& state) const {
        if (state.epoch == epochs) throw std::runtime_error("interrupted");
    }
};

// Counts the epochs a fit trains itself (a resumed one skips those in its backup).
struct CountEpochs {
    std::size_t* count;
    template <Real T>
    void on_epoch_begin(TrainingState<T>&) const { ++*count; }
};

void check_same_run(const History& got, const History& expected) {
    REQUIRE(got.size() == expected.size());
    CHECK(got.series("loss") == expected.series("loss"));
    CHECK(got.series("val_loss") == expected.series("val_loss"));
    CHECK(got.series("val_accuracy") == expected.series("val_accuracy"));
    CHECK(got.series("learning_rate") == expected.series("learning_rate"));
    CHECK(got.best_epoch == expected.best_epoch);
    CHECK(got.stop_reason == expected.stop_reason);
}

// The inode of `path`, 0 while it does not exist: every atomic save makes a new one.
ino_t inode_of(const std::filesystem::path& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

// Writes a finished run's weights, losses, learning rates, best epoch, whether
// it was resumed and how many epochs it trained itself. Listed before
// BackupAndRestore, so that its on_train_end runs before the backup goes.
struct WriteResult {
    std::filesystem::path path;
    bool resumed;
    const std::size_t* trained;
    template <Real T>
    void on_train_end(TrainingState<T>& state) const {
        NpzWriter out;
        out.add("weights", state.weights.data(), {state.weights.size()});
        const History& history = *state.history;
        const std::vector<double> series[] = {history.series("loss"), history.series("val_loss"),
                                              history.series("learning_rate")};
        for (int i = 0; i < 3; ++i) out.add(std::string("series") + char('0' + i), series[i].data(), {series[i].size()});
        const std::int64_t facts[] = {static_cast<std::int64_t>(history.best_epoch), resumed,
                                      static_cast<std::int64_t>(*trained)};
        out.add("facts", facts, {3});
        out.save(path);
    }
};

// A child's whole run, or as much of it as it gets before the kill.
[[noreturn]] void run_child(const std::filesystem::path& backup_dir, const std::filesystem::path& result) {
    int code = 1;
    try {
        auto model = make_model();
        std::size_t trained = 0;
        const WriteResult write{result, std::filesystem::exists(backup_dir / "backup.npz"), &trained};
        train(model, options(), write, BackupAndRestore{.directory = backup_dir}, CountEpochs{&trained});
        code = 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "child: %s\n", e.what());
    }
    ::_exit(code);
}

}  // namespace

TEST_CASE("a run killed with SIGKILL at random moments and restarted ends bit-identical to an uninterrupted one") {
    using Clock = std::chrono::steady_clock;
    const ScratchDir dir("backup-kill");
    const auto backup = dir / "backup.npz";
    const auto result = dir / "result.npz";

    auto reference = make_model();
    const auto started = Clock::now();
    const History expected = train(reference, options());
    const auto run_time = Clock::now() - started;
    REQUIRE(expected.size() >= 10);

    Rng timing(2024);
    int kills = 0, kills_after_a_backup = 0, rounds = 0;
    bool exited = false;  // the last child ended by itself
    while (!std::filesystem::exists(result) && rounds < 60) {
        ++rounds;
        const ino_t before = inode_of(backup);
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) run_child(dir.path(), result);
        int status = 0;
        bool ended = false;  // on its own, before the kill
        // Even rounds kill at any moment of half a run's time; odd rounds once
        // the child has written a backup of its own, a little later.
        if (rounds % 2 == 0) {
            std::this_thread::sleep_for(std::chrono::duration_cast<Clock::duration>(run_time * timing.uniform(0, 0.5)));
        } else {
            const auto deadline = Clock::now() + std::chrono::seconds(20);
            while (Clock::now() < deadline && (inode_of(backup) == 0 || inode_of(backup) == before) &&
                   !(ended = ::waitpid(child, &status, WNOHANG) == child)) {
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
            std::this_thread::sleep_for(std::chrono::duration_cast<Clock::duration>(run_time * timing.uniform(0, 0.1)));
        }
        if (!ended) {
            ::kill(child, SIGKILL);
            REQUIRE(::waitpid(child, &status, 0) == child);
        }
        exited = WIFEXITED(status);
        if (exited) {
            REQUIRE_MESSAGE(WEXITSTATUS(status) == 0, "the child's fit failed (see its message above)");
        } else {
            ++kills;
            kills_after_a_backup += inode_of(backup) != 0;
        }
    }
    MESSAGE(kills << " kills, " << kills_after_a_backup << " of them after a backup");
    REQUIRE(std::filesystem::exists(result));
    CHECK(kills_after_a_backup >= 1);
    if (exited) CHECK_FALSE(std::filesystem::exists(backup));  // deleted when training ended normally

    const NpzArchive got = read_npz(result);
    CHECK(got.get("weights").values<float>() == weights_of(reference));
    CHECK(got.get("series0").values<double>() == expected.series("loss"));
    CHECK(got.get("series1").values<double>() == expected.series("val_loss"));
    CHECK(got.get("series2").values<double>() == expected.series("learning_rate"));
    const auto facts = got.get("facts").values<std::int64_t>();
    CHECK(facts[0] == static_cast<std::int64_t>(expected.best_epoch));
    CHECK(facts[1] == 1);  // the last child continued a backup ...
    CHECK(facts[2] < static_cast<std::int64_t>(expected.size()));  // ... and trained only the epochs left
}

TEST_CASE("a run interrupted by an exception resumes at the next epoch, however often, and ends as an uninterrupted one") {
    const ScratchDir dir("backup-resume");
    auto reference = make_model();
    const History expected = train(reference, options());
    REQUIRE(expected.size() >= 10);

    auto model = make_model();
    for (const std::size_t stop : {1, 2, 5, 9}) {
        auto fresh = make_model();  // a restarted process has a new model object
        CHECK_THROWS_AS(train(fresh, options(), BackupAndRestore{.directory = dir.path()}, ThrowAfter{stop}),
                        std::runtime_error);
        REQUIRE(std::filesystem::exists(dir / "backup.npz"));
    }
    std::size_t trained = 0;
    const History history = train(model, options(), BackupAndRestore{.directory = dir.path()}, CountEpochs{&trained});
    check_same_run(history, expected);
    CHECK(trained == expected.size() - 9);
    CHECK(weights_of(model) == weights_of(reference));
    CHECK_FALSE(std::filesystem::exists(dir / "backup.npz"));

    // With delete_at_end = false the finished run's backup stays, and a fit
    // resuming from it has nothing left to train.
    auto again = make_model();
    train(again, options(), BackupAndRestore{.directory = dir.path(), .delete_at_end = false});
    REQUIRE(std::filesystem::exists(dir / "backup.npz"));
    auto finished = make_model();
    check_same_run(train(finished, options(), BackupAndRestore{.directory = dir.path(), .delete_at_end = false},
                         CountEpochs{&trained}),
                   expected);
    CHECK(trained == expected.size() - 9);  // no epoch more
    CHECK(weights_of(finished) == weights_of(reference));
}

TEST_CASE("random streams inside run-time containers resume, and a learning rate cut on a plateau (DynamicSequential, double)") {
    const ScratchDir dir("backup-dynamic");
    const auto make = [] {
        DynamicSequential<double> model;
        model.add(Dense<double>(4, 16)).add(ReLU()).add(Dropout(0.4)).add(AnyModule<double>(Sequential(
            Dense<double>(16, 8), ReLU(), Dropout(0.3)))).add(Dense<double>(8, 1)).add(Sigmoid());
        return model;
    };
    const auto data = make_xor<double>(4, 256, 0.3, 5);
    FitOptions o;
    o.epochs = 8;
    o.seed = 9;
    const auto run = [&](DynamicSequential<double>& model, auto&&... extra) {
        SGD<double> sgd(0.05, 0.9);
        return fit(model, sgd, BinaryCrossEntropy{}, data, o,
                   ReduceLROnPlateau{.monitor = "loss", .factor = 0.5, .patience = 2, .min_delta = 0.01}, extra...);
    };
    auto reference = make();
    const History expected = run(reference);
    for (std::size_t stop = 1; stop < o.epochs; ++stop) {  // a restart after every epoch
        auto interrupted = make();
        CHECK_THROWS_AS(run(interrupted, BackupAndRestore{.directory = dir.path()}, ThrowAfter{stop}),
                        std::runtime_error);
    }
    auto resumed = make();
    std::size_t trained = 0;
    const History history = run(resumed, BackupAndRestore{.directory = dir.path()}, CountEpochs{&trained});
    CHECK(trained == 1);
    CHECK(history.series("loss") == expected.series("loss"));
    CHECK(history.series("learning_rate") == expected.series("learning_rate"));
    CHECK(expected.series("learning_rate").back() < 0.05);  // the plateau cut it
    const auto got = parameters(resumed).all_values;
    const auto want = parameters(reference).all_values;
    CHECK(std::equal(got.begin(), got.end(), want.begin(), want.end()));
}

namespace {

// Leaves the backup of an interrupted run in `dir` and returns its bytes.
std::string interrupted_backup(const ScratchDir& dir) {
    auto model = make_model();
    CHECK_THROWS_AS(train(model, options(), BackupAndRestore{.directory = dir.path()}, ThrowAfter{2}),
                    std::runtime_error);
    return read_file(dir / "backup.npz");
}

}  // namespace

TEST_CASE("a backup of another model, optimizer or seed is refused, naming the file and what differs; it stays") {
    const ScratchDir dir("backup-mismatch");
    const auto path = dir / "backup.npz";
    const std::string bytes = interrupted_backup(dir);
    const BackupAndRestore callback{.directory = dir.path()};

    SUBCASE("another model") {
        auto other = Sequential(Dense<float>(6, 32), ReLU(), Dense<float>(32, 1), Sigmoid());
        Adam<float> adam(2e-3);
        check_error([&] { fit(other, adam, BinaryCrossEntropy{}, training_data(), options(), callback); },
                    {path.string(), "the backup does not match the model", "'0.kernel' has shape (6, 48) in the file",
                     "unexpected '4.kernel'"});
    }
    SUBCASE("another optimizer") {
        auto model = make_model();
        SGD<float> sgd(0.01, 0.9);
        check_error([&] {
            fit(model, sgd, BinaryCrossEntropy{}, training_data(), validation_data(), options(),
                EarlyStopping{.patience = 5, .restore_best_weights = true}, StepLR{.step = 6, .gamma = 0.5},
                ReduceLROnPlateau{.factor = 0.5, .patience = 2}, callback);
        }, {path.string(), "the backup does not match this run", "optimizer: adam in the backup, sgd here",
            "unexpected 'optimizer.m'"});
    }
    SUBCASE("another seed, and other callbacks") {
        auto model = make_model();
        Adam<float> adam(2e-3);
        check_error([&] {
            fit(model, adam, BinaryCrossEntropy{}, training_data(), validation_data(), options(7), callback);
        }, {path.string(), "FitOptions::seed: 42 in the backup, 7 here", "unexpected 'backup.callbacks.0.wait'"});
    }
    SUBCASE("another model's weights stay where they were") {
        auto model = make_model();
        init_parameters(model, 5);
        const auto before = weights_of(model);
        auto fit_with_seed_7 = [&] { train(model, options(7), callback); };
        check_error(fit_with_seed_7, {"FitOptions::seed"});
        CHECK(weights_of(model) == before);
    }
    CHECK(read_file(path) == bytes);
}

TEST_CASE("a corrupt, truncated or foreign backup is an error naming the file; nothing is overwritten") {
    const ScratchDir dir("backup-corrupt");
    const auto path = dir / "backup.npz";
    const std::string bytes = interrupted_backup(dir);
    const auto resume_fails_with = [&](const std::string& damaged, std::initializer_list<std::string_view> parts) {
        write_file_atomically(path, damaged);
        auto model = make_model();
        check_error([&] { train(model, options(), BackupAndRestore{.directory = dir.path()}); }, parts);
        CHECK(read_file(path) == damaged);
    };
    std::string flipped = bytes;
    flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 0x40);
    resume_fails_with(flipped, {path.string(), "CRC-32 mismatch"});
    resume_fails_with(bytes.substr(0, bytes.size() / 2), {path.string(), "truncated"});
    resume_fails_with("", {path.string(), "not a zip archive"});

    auto model = make_model();
    init_parameters(model, 1);
    save(model, path);
    resume_fails_with(read_file(path), {path.string(), "not a backup written by BackupAndRestore"});
}

TEST_CASE("BackupAndRestore refuses an empty directory, a second instance, and a directory it cannot create") {
    const ScratchDir dir("backup-settings");
    auto model = make_model();
    check_error([&] { train(model, options(), BackupAndRestore{}); }, {"BackupAndRestore: directory is empty"});
    check_error([&] {
        train(model, options(), BackupAndRestore{.directory = dir / "a"}, BackupAndRestore{.directory = dir / "b"});
    }, {"BackupAndRestore: a fit takes one"});
    write_file_atomically(dir / "file", "x");
    check_error([&] { train(model, options(), BackupAndRestore{.directory = dir / "file" / "sub"}); },
                {"BackupAndRestore: cannot create directory"});
}

TEST_CASE("data-parallel training refuses BackupAndRestore before its first epoch") {
    // distributed::fit runs fit's loop with its own strategy; any strategy but
    // training in one process is refused the same way.
    struct OtherProcesses : detail::LocalTraining {};
    const ScratchDir dir("backup-distributed");
    auto model = make_model();
    Adam<float> adam(2e-3);
    BackupAndRestore callback{.directory = dir.path()};
    check_error([&] {
        detail::fit_with(OtherProcesses{}, model, adam, BinaryCrossEntropy{}, training_data(), validation_data(),
                         options(), callback);
    }, {"BackupAndRestore: distributed::fit cannot resume runs"});
    CHECK_FALSE(std::filesystem::exists(dir / "backup.npz"));
}

// A home-made callback that sets the backup without saying so would
// otherwise never be resumed; one that says so is.
struct SilentBackup {
    std::filesystem::path file;
    void on_train_begin(TrainingState<float>& state) const { state.backup = file; }
};
struct DeclaredBackup : SilentBackup {
    static constexpr bool backs_up_runs = true;
};
static_assert(BacksUpRuns<BackupAndRestore> && BacksUpRuns<const BackupAndRestore&> && BacksUpRuns<DeclaredBackup>);
static_assert(!BacksUpRuns<SilentBackup> && !BacksUpRuns<EarlyStopping>);

TEST_CASE("fit keeps a run backup only for a callback that declares BacksUpRuns, and refuses one that does not") {
    const ScratchDir dir("backup-undeclared");
    auto model = make_model();
    FitOptions o = options();
    o.epochs = 2;
    check_error([&] { train(model, o, SilentBackup{dir / "backup.npz"}); },
                {"fit: a callback set TrainingState::backup to", "backs_up_runs"});
    CHECK_FALSE(std::filesystem::exists(dir / "backup.npz"));

    train(model, o, DeclaredBackup{{dir / "backup.npz"}});
    CHECK(std::filesystem::exists(dir / "backup.npz"));
}
