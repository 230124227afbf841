// Faults during training: a loss that turns NaN, a process killed in the
// middle of saving, writes that fail. None of them may crash, hang, or cost
// the last good checkpoint.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>

#include <csignal>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
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

auto small_model() { return Sequential(Dense<float>(3, 8), ReLU(), Dense<float>(8, 1), Sigmoid()); }

FitOptions options(std::size_t epochs) {
    FitOptions o;
    o.epochs = epochs;
    o.batch_size = 16;
    o.seed = 3;
    return o;
}

// Makes every weight NaN after batch `batch` (1-based) of epoch `epoch`, so
// the next batch's loss is NaN. (One NaN weight is not enough: a ReLU can hide it.)
struct PoisonWeights {
    std::size_t epoch;
    std::size_t batch;
    template <Real T>
    void on_batch_end(TrainingState<T>& state, double) const {
        if (state.epoch + 1 == epoch && state.batch + 1 == batch) {
            std::fill(state.weights.begin(), state.weights.end(), std::numeric_limits<T>::quiet_NaN());
        }
    }
};

int leftover_temporaries(const std::filesystem::path& dir) {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().filename().string().find(".tmp.") != std::string::npos) ++count;
    }
    return count;
}

// Lowers the file size limit, so every write past `bytes` fails (EFBIG): a
// disk filling up, for this process only. Restores the limit when destroyed.
class FileSizeLimit {
public:
    FileSizeLimit() {
        ::getrlimit(RLIMIT_FSIZE, &saved_);
        previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // fail the write, not the process
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, previous_handler_);
    }
    void arm(rlim_t bytes) {
        rlimit limit = saved_;
        limit.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
    }

private:
    rlimit saved_{};
    void (*previous_handler_)(int);
};

// Fills the "disk" (see FileSizeLimit) at the end of epoch `epoch`, before
// the callbacks after it save.
struct FillDiskAfter {
    FileSizeLimit* limit;
    std::size_t epoch;
    template <Real T>
    void on_epoch_end(TrainingState<T>& state) const {
        if (state.epoch + 1 == epoch) limit->arm(1024);
    }
};

}  // namespace

TEST_CASE("TerminateOnNaN stops at the first NaN loss and names the epoch and batch; without it fit reports the divergence") {
    const auto data = make_xor<float>(3, 128, 0.1, 1);  // 8 batches of 16
    auto model = small_model();
    Adam<float> adam(1e-2);
    const History stopped = fit(model, adam, BinaryCrossEntropy{}, data, options(10), PoisonWeights{2, 3}, TerminateOnNaN{});
    CHECK(stopped.diverged);
    CHECK(stopped.size() == 2);
    // The NaN's sign (printed "nan" or "-nan") depends on the code generated.
    CHECK(stopped.stop_reason.starts_with("TerminateOnNaN: loss became "));
    CHECK(stopped.stop_reason.ends_with("nan at epoch 2, batch 4 of 8"));

    auto model2 = small_model();
    Adam<float> adam2(1e-2);
    const History diverged = fit(model2, adam2, BinaryCrossEntropy{}, data, options(10), PoisonWeights{2, 3});
    CHECK(diverged.diverged);
    CHECK(diverged.size() == 2);
    CHECK(diverged.stop_reason.starts_with("training diverged: the loss became "));
    CHECK(diverged.stop_reason.ends_with("nan in epoch 2"));

    // A real divergence (the loss overflows to inf, then NaN) is caught the same way.
    const auto regression = make_xor<double>(2, 64, 0.1, 2);
    auto linear = Sequential(Dense<double>(2, 4), Dense<double>(4, 1));
    SGD<double> sgd(1e6);
    const History exploded = fit(linear, sgd, MeanSquaredError{}, regression, options(50), TerminateOnNaN{});
    CHECK(exploded.diverged);
    CHECK(exploded.size() < 50);
    CHECK(exploded.stop_reason.starts_with("TerminateOnNaN: loss became "));
}

TEST_CASE("ModelCheckpoint saves every epoch, or the best epoch of the monitored quantity") {
    const ScratchDir dir("checkpoint");
    const auto data = make_xor<float>(3, 256, 0.2, 1);
    const auto [train, val] = train_test_split(data, 0.25, 1);
    auto model = small_model();
    Adam<float> adam(2e-2);
    ModelCheckpoint every{.path = dir / "last.npz"};
    ModelCheckpoint best{.path = dir / "best.npz", .save_best_only = true};
    ModelCheckpoint best_accuracy{.path = dir / "best-acc.npz", .monitor = "val_accuracy", .save_best_only = true};
    EarlyStopping restore{.patience = 100, .restore_best_weights = true, .restore_at_end = true};
    const History h = fit(model, adam, BinaryCrossEntropy{}, train, val, options(12), every, best, best_accuracy, restore);

    CHECK(every.saved_epoch() == 12);
    const auto val_loss = h.series("val_loss");
    const auto best_loss = std::min_element(val_loss.begin(), val_loss.end());
    CHECK(best.saved_epoch() == static_cast<std::size_t>(best_loss - val_loss.begin()) + 1);
    CHECK(best.best() == *best_loss);
    const auto val_accuracy = h.series("val_accuracy");
    CHECK(best_accuracy.saved_epoch() ==
          static_cast<std::size_t>(std::max_element(val_accuracy.begin(), val_accuracy.end()) - val_accuracy.begin()) + 1);

    // The best checkpoint holds the weights EarlyStopping restored.
    auto from_best = small_model();
    load(from_best, dir / "best.npz");
    CHECK(predict(from_best, val.X) == predict(model, val.X));
    // The last one resumes the optimizer too.
    auto from_last = small_model();
    Adam<float> resumed(2e-2);
    load(from_last, dir / "last.npz", resumed);
    CHECK(resumed.iterations() == adam.iterations());
}

TEST_CASE("a diverged epoch never replaces the last good checkpoint") {
    const ScratchDir dir("checkpoint-nan");
    const auto data = make_xor<float>(3, 128, 0.1, 1);
    auto model = small_model();
    Adam<float> adam(1e-2);
    ModelCheckpoint checkpoint{.path = dir / "model.npz"};
    const History h = fit(model, adam, BinaryCrossEntropy{}, data, options(10), PoisonWeights{3, 1}, checkpoint);
    CHECK(h.diverged);
    CHECK(checkpoint.saved_epoch() == 2);
    auto restored = small_model();
    load(restored, dir / "model.npz");
    const auto outputs = predict(restored, data.X);
    CHECK(std::all_of(outputs.begin(), outputs.end(), [](float v) { return std::isfinite(v); }));
}

TEST_CASE("a process killed in the middle of a save loop leaves the last complete checkpoint loadable") {
    const ScratchDir dir("checkpoint-kill");
    const auto path = dir / "model.npz";
    const auto make_model = [] { return Sequential(Dense<float>(3, 256), ReLU(), Dense<float>(256, 64), ReLU(), Dense<float>(64, 1)); };
    const auto data = make_xor<float>(3, 32, 0.1, 1);
    using Clock = std::chrono::steady_clock;
    int interrupted_saves = 0;
    for (int round = 0; round < 10; ++round) {
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {  // saves after every epoch until killed
            try {
                auto model = make_model();
                SGD<float> sgd(1e-3);
                fit(model, sgd, MeanSquaredError{}, data, options(1'000'000), ModelCheckpoint{.path = path});
            } catch (...) {
            }
            ::_exit(1);
        }
        // Odd rounds kill at some moment; even rounds wait, once a checkpoint
        // exists, until the next save has its temporary file open.
        if (round % 2 == 1) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20 + 17 * round));
        } else {
            const auto deadline = Clock::now() + std::chrono::seconds(20);
            while (Clock::now() < deadline && !(std::filesystem::exists(path) && leftover_temporaries(dir.path()) > 0)) {
            }
        }
        ::kill(child, SIGKILL);
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE_MESSAGE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL), "the save loop ended before the kill");

        interrupted_saves += leftover_temporaries(dir.path()) > 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
            if (entry.path() != path) std::filesystem::remove(entry.path());
        }
        if (round % 2 == 0) REQUIRE(std::filesystem::exists(path));
        if (!std::filesystem::exists(path)) continue;  // killed before the first save
        auto model = make_model();
        SGD<float> sgd(1e-3);
        REQUIRE_NOTHROW(load(model, path, sgd));
        CHECK(sgd.iterations() > 0);
    }
    MESSAGE(interrupted_saves << " of 10 kills left a save half-written");
    CHECK(interrupted_saves >= 1);
}

TEST_CASE("the next save removes the temporaries of writers that no longer run, and only those") {
    const ScratchDir dir("stale-temporaries");
    const auto path = dir / "model.npz";
    const pid_t child = ::fork();  // a pid that has certainly ended: a child reaped below
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(0);
    REQUIRE(::waitpid(child, nullptr, 0) == child);
    const auto temporary_of = [&](const std::string& target, long pid) {
        return dir / (target + ".tmp." + std::to_string(pid) + ".0");
    };
    const auto dead = temporary_of("model.npz", child);
    const auto live = temporary_of("model.npz", 1);  // init runs as long as the machine does
    const auto own = temporary_of("model.npz", ::getpid());
    const auto other_target = temporary_of("other.npz", child);
    const auto not_ours = dir / "model.npz.tmp.notes";
    for (const auto& p : {dead, live, own, other_target, not_ours}) write_file_atomically(p, "partial");
    write_file_atomically(path, "complete");
    CHECK_FALSE(std::filesystem::exists(dead));
    CHECK(std::filesystem::exists(live));
    CHECK(std::filesystem::exists(own));
    CHECK(std::filesystem::exists(other_target));
    CHECK(std::filesystem::exists(not_ours));
    CHECK(read_file(path) == "complete");
}

TEST_CASE("a failed write raises, names the file and the reason, and leaves the previous checkpoint intact") {
    const ScratchDir dir("checkpoint-full");
    const auto path = dir / "model.npz";
    auto model = small_model();
    init_parameters(model, 1);
    save(model, path);
    const std::string before = read_file(path);
    init_parameters(model, 2);
    {
        FileSizeLimit limit;
        limit.arm(before.size() / 2);
        check_error([&] { save(model, path); }, {"cannot write '" + path.string() + "': write failed: File too large"});
    }
    CHECK(read_file(path) == before);
    CHECK(leftover_temporaries(dir.path()) == 0);

    // The same through fit: the save after epoch 2 fails and ends training
    // with the error; epoch 1's checkpoint is still there and loads.
    const auto data = make_xor<float>(3, 64, 0.1, 1);
    auto trained = small_model();
    Adam<float> adam(1e-2);
    ModelCheckpoint checkpoint{.path = dir / "fit.npz"};
    {
        FileSizeLimit limit;
        check_error([&] { fit(trained, adam, BinaryCrossEntropy{}, data, options(5), FillDiskAfter{&limit, 2}, checkpoint); },
                    {"cannot write '" + (dir / "fit.npz").string() + "'", "File too large"});
    }
    CHECK(checkpoint.saved_epoch() == 1);
    auto restored = small_model();
    CHECK_NOTHROW(load(restored, dir / "fit.npz"));
    CHECK(leftover_temporaries(dir.path()) == 0);
}

TEST_CASE("paths that cannot take a checkpoint: /proc, a pipe, a missing directory") {
    auto model = small_model();
    init_parameters(model, 1);
    check_error([&] { save(model, "/proc/xtnn-checkpoint.npz"); },
                {"cannot write '/proc/xtnn-checkpoint.npz': cannot create temporary file"});
    const ScratchDir dir("checkpoint-special");
    const auto pipe = dir / "pipe";
    REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
    check_error([&] { save(model, pipe); }, {"cannot write '" + pipe.string() + "': it is a device, pipe or socket"});
    CHECK(std::filesystem::is_fifo(pipe));
    check_error([&] { save(model, dir / "missing" / "m.npz"); }, {"missing", "No such file or directory"});
}

TEST_CASE("a full file system and a read-only one (a tiny tmpfs, where this process may mount)") {
    // A private mount namespace keeps the mounts to this test process.
    const ScratchDir dir("checkpoint-tmpfs");
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=64k") != 0) {
        const std::string reason = std::strerror(errno);
        MESSAGE("skipped: cannot mount a tmpfs here (" << reason << "); the file-size-limit and "
                "permission tests cover failed writes");
        return;
    }
    const auto path = dir / "model.npz";
    auto small = small_model();
    init_parameters(small, 1);
    save(small, path);
    const std::string before = read_file(path);

    auto big = Sequential(Dense<float>(3, 4096), Dense<float>(4096, 1));  // 80 KB of weights
    init_parameters(big, 1);
    check_error([&] { save(big, path); }, {"cannot write '" + path.string() + "'", "No space left on device"});
    CHECK(read_file(path) == before);
    CHECK(leftover_temporaries(dir.path()) == 0);

    REQUIRE(::mount(nullptr, dir.path().c_str(), nullptr, MS_REMOUNT | MS_RDONLY, "size=64k") == 0);
    check_error([&] { save(small, path); }, {"cannot write '" + path.string() + "'", "Read-only file system"});
    CHECK(read_file(path) == before);
    ::umount(dir.path().c_str());
}

TEST_CASE("a read-only directory (permission bits, which only a non-root user feels)") {
    if (::geteuid() == 0) {
        MESSAGE("skipped: running as root, which ignores permission bits; the tmpfs test remounts read-only instead");
        return;
    }
    const ScratchDir dir("checkpoint-readonly");
    const auto path = dir / "model.npz";
    auto model = small_model();
    init_parameters(model, 1);
    save(model, path);
    const std::string before = read_file(path);
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    check_error([&] { save(model, path); }, {"cannot write '" + path.string() + "'", "Permission denied"});
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
    CHECK(read_file(path) == before);
}
