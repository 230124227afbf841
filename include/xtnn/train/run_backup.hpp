#pragma once
// A run's backup: one .npz with everything fit needs to continue a killed run
// as if it had never stopped. It is a checkpoint (io/checkpoint.hpp: weights,
// state arrays, the optimizer's state) plus, under "backup.", the run state
// (core/run_state.hpp): fit's position (next epoch, learning rates, stop flag),
// the History, the shuffle stream, every module's random stream (Dropout), and
// every callback's state; and the settings a resumed run must share with the
// one that wrote it. BackupAndRestore asks for it through TrainingState::backup;
// fit writes it after each epoch's hooks and reads it after on_train_begin.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../compose/children.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/run_state.hpp"
#include "../io/checkpoint.hpp"
#include "../io/npz.hpp"
#include "../io/run_state_archive.hpp"
#include "../data/dataset.hpp"
#include "fit_options.hpp"
#include "history.hpp"
#include "training_state.hpp"

namespace xtnn::detail {

inline constexpr std::string_view backup_prefix = "backup.";

// What a resumed run must share with the run that wrote the backup, or it
// would not continue that run.
struct RunSettings {
    static constexpr std::uint64_t current_format = 1;
    std::uint64_t format = current_format;
    std::string optimizer;
    std::uint64_t value_bytes = 0;  // 4: float, 8: double
    std::uint64_t seed = 0;
    std::uint64_t batch_size = 0;
    bool shuffle = true;
    std::uint64_t training_rows = 0;
    std::uint64_t validation_rows = 0;

    void visit_run_state(RunStateVisitor& v) {
        v.field("format", format);
        v.field("optimizer", optimizer);
        v.field("value_bytes", value_bytes);
        v.field("seed", seed);
        v.field("batch_size", batch_size);
        v.field("shuffle", shuffle);
        v.field("training_rows", training_rows);
        v.field("validation_rows", validation_rows);
    }

    // One line per setting that differs from `backup`'s.
    std::vector<std::string> differences(const RunSettings& backup) const {
        std::vector<std::string> lines;
        const auto compare = [&](std::string_view what, const auto& in_backup, const auto& here) {
            if (in_backup != here) lines.push_back(concat(what, ": ", in_backup, " in the backup, ", here, " here"));
        };
        compare("backup format", backup.format, format);
        compare("optimizer", backup.optimizer, optimizer);
        compare("value type bytes", backup.value_bytes, value_bytes);
        compare("FitOptions::seed", backup.seed, seed);
        compare("FitOptions::batch_size", backup.batch_size, batch_size);
        compare("FitOptions::shuffle", backup.shuffle, shuffle);
        compare("training rows", backup.training_rows, training_rows);
        compare("validation rows", backup.validation_rows, validation_rows);
        return lines;
    }
};

// The settings of this fit (RunBackup fills in the optimizer and value type).
template <Real T>
RunSettings run_settings(const FitOptions& options, const Dataset<T>& train, const Dataset<T>& validation) {
    RunSettings settings;
    settings.seed = options.seed;
    settings.batch_size = options.batch_size;
    settings.shuffle = options.shuffle;
    settings.training_rows = train.size();
    settings.validation_rows = validation.size();
    return settings;
}

// A History as columns, one value per epoch.
struct HistoryColumns {
    std::vector<double> loss, val_loss, learning_rate, seconds;
    std::vector<std::string> metric_names;  // those of the first epoch: fit logs the same every epoch
    std::vector<std::vector<double>> metrics;

    explicit HistoryColumns(const History& history) {
        if (!history.epochs.empty()) {
            for (const auto& [name, value] : history.epochs.front().metrics) metric_names.push_back(name);
        }
        metrics.resize(metric_names.size());
        for (const EpochLog& log : history.epochs) {
            loss.push_back(log.loss);
            val_loss.push_back(log.val_loss);
            learning_rate.push_back(log.learning_rate);
            seconds.push_back(log.seconds);
            for (std::size_t m = 0; m < metric_names.size(); ++m) metrics[m].push_back(log.get(metric_names[m]));
        }
    }

    // The epochs again, after their columns were restored through `v`.
    std::vector<EpochLog> epochs(const RunStateVisitor& v) const {
        const std::size_t count = loss.size();
        const auto check_length = [&](std::string_view name, std::size_t size) {
            if (size != count) fail("'", v.key(name), "' holds ", size, " epochs, 'loss' ", count);
        };
        check_length("val_loss", val_loss.size());
        check_length("learning_rate", learning_rate.size());
        check_length("seconds", seconds.size());
        for (std::size_t m = 0; m < metric_names.size(); ++m) check_length("metric." + metric_names[m], metrics[m].size());
        std::vector<EpochLog> logs(count);
        for (std::size_t e = 0; e < count; ++e) {
            logs[e] = {.epoch = e + 1, .loss = loss[e], .val_loss = val_loss[e], .metrics = {},
                       .learning_rate = learning_rate[e], .seconds = seconds[e]};
            for (std::size_t m = 0; m < metric_names.size(); ++m) logs[e].metrics[metric_names[m]] = metrics[m][e];
        }
        return logs;
    }
};

// The History's run state: its columns (which arrays there are follows the
// metric names, so a restore reads the names first) and its summary fields.
inline void visit_history(RunStateVisitor& v, History& history) {
    HistoryColumns columns(history);
    std::string names;  // '\n' after each
    for (const std::string& name : columns.metric_names) names += name + '\n';
    v.field("metric_names", names);
    columns.metric_names.clear();
    for (std::size_t at = 0, end; (end = names.find('\n', at)) != std::string::npos; at = end + 1) {
        columns.metric_names.push_back(names.substr(at, end - at));
    }
    columns.metrics.resize(columns.metric_names.size());
    for (std::size_t m = 0; m < columns.metric_names.size(); ++m) {
        v.field("metric." + columns.metric_names[m], columns.metrics[m]);
    }
    v.field("loss", columns.loss);
    v.field("val_loss", columns.val_loss);
    v.field("learning_rate", columns.learning_rate);
    v.field("seconds", columns.seconds);
    v.field("stop_reason", history.stop_reason);
    v.field("diverged", history.diverged);
    v.field("best_epoch", history.best_epoch);
    if (v.restoring()) history.epochs = columns.epochs(v);
}

// Every callback's run state, as "callbacks.<index in fit's argument list>".
template <class... Cs>
void visit_callbacks(RunStateVisitor& v, Cs&... callbacks) {
    std::size_t index = 0;
    [[maybe_unused]] const auto one = [&](auto& callback) {
        if constexpr (HasRunState<std::remove_cvref_t<decltype(callback)>>) v.nested(std::to_string(index), callback);
        ++index;
    };
    (one(callbacks), ...);
}

// Saves and restores one fit's run. Holds references to fit's locals.
template <Model M, class O, class... Cs>
class RunBackup {
public:
    using T = value_type_t<M>;

    RunBackup(RunSettings settings, M& model, O& optimizer, TrainingState<T>& state, History& history,
              Rng& shuffle_rng, Cs&... callbacks)
        : settings_(std::move(settings)), model_(model), optimizer_(optimizer), state_(state), history_(history),
          shuffle_rng_(shuffle_rng), callbacks_(callbacks...) {
        settings_.optimizer = std::string(optimizer.name());
        settings_.value_bytes = sizeof(T);
    }

    // Writes the backup of the epoch that just ended, atomically.
    void save(const std::filesystem::path& path) {
        NpzWriter out;
        add_checkpoint(out, model_, optimizer_);
        RunStateWriter writer(out, std::string(backup_prefix));
        writer.nested("settings", settings_);
        std::size_t next_epoch = state_.epoch + 1;
        visit_run(writer, next_epoch);
        writer.nested("history", [&](RunStateVisitor& v) { visit_history(v, history_); });
        out.save(path);
    }

    // Continues the run `path` holds: model, optimizer, History, streams,
    // callbacks and state.epoch (the next epoch). Everything is checked before
    // anything changes; a backup from another run is refused naming what differs.
    void restore(const std::filesystem::path& path) {
        const NpzArchive archive = read_npz(path);
        const std::string& source = archive.source();
        if (!archive.contains(concat(backup_prefix, "settings.format"))) {
            fail(source, ": not a backup written by BackupAndRestore (no '", backup_prefix, "settings.format')");
        }
        const NpzArchive checkpoint = checkpoint_part(archive);
        fail_on_problems(source, "the backup does not match the model", checkpoint_problems(model_, checkpoint));
        History restored;  // read first: which arrays it has depends on the metric names it holds
        RunStateReader history_reader(archive, std::string(backup_prefix), RunStateReader::Mode::restore);
        history_reader.nested("history", [&](RunStateVisitor& v) { visit_history(v, restored); });
        fail_on_problems(source, "the backup does not match this run", run_problems(archive, history_reader.visited()));
        load(model_, checkpoint, optimizer_);
        RunStateReader reader(archive, std::string(backup_prefix), RunStateReader::Mode::restore);
        std::size_t next_epoch = 0;
        visit_run(reader, next_epoch);
        history_ = std::move(restored);
        state_.epoch = next_epoch;
    }

private:
    // Everything but the settings, the History and the checkpoint.
    void visit_run(RunStateVisitor& v, std::size_t& next_epoch) {
        v.field("next_epoch", next_epoch);
        v.field("learning_rate", state_.learning_rate);
        v.field("initial_learning_rate", state_.initial_learning_rate);
        v.field("stop", state_.stop);
        v.nested("shuffle_rng", shuffle_rng_);
        v.nested("model", [&](RunStateVisitor& inner) { visit_module_run_states(model_, inner); });
        v.nested("callbacks", [&](RunStateVisitor& inner) {
            std::apply([&](auto&... callbacks) { visit_callbacks(inner, callbacks...); }, callbacks_);
        });
    }

    // The arrays `load` reads: all but the run state.
    static NpzArchive checkpoint_part(const NpzArchive& archive) {
        std::vector<std::pair<std::string, NpyArray>> arrays;
        for (const std::string& name : archive.names()) {
            if (!name.starts_with(backup_prefix)) arrays.emplace_back(name, archive.get(name));
        }
        return NpzArchive(archive.source(), std::move(arrays));
    }

    // Settings that differ, run state missing or malformed, and arrays of the
    // run state or the optimizer that this run does not have.
    std::vector<std::string> run_problems(const NpzArchive& archive, const std::vector<std::string>& history_names) {
        RunSettings saved;
        RunStateReader settings_reader(archive, std::string(backup_prefix), RunStateReader::Mode::check);
        settings_reader.nested("settings", saved);
        std::vector<std::string> problems = settings_reader.problems();
        if (problems.empty()) {
            RunStateReader read(archive, std::string(backup_prefix), RunStateReader::Mode::restore);
            read.nested("settings", saved);
            problems = settings_.differences(saved);
        }
        RunStateReader reader(archive, std::string(backup_prefix), RunStateReader::Mode::check);
        std::size_t next_epoch = 0;
        visit_run(reader, next_epoch);
        problems.insert(problems.end(), reader.problems().begin(), reader.problems().end());
        std::vector<std::string> expected = settings_reader.visited();
        expected.insert(expected.end(), history_names.begin(), history_names.end());
        expected.insert(expected.end(), reader.visited().begin(), reader.visited().end());
        optimizer_.visit_state([&](std::string_view name, auto&) { expected.push_back(concat("optimizer.", name)); });
        expected.push_back("optimizer.iterations");
        for (const std::string& name : archive.names()) {
            const bool ours = name.starts_with("optimizer.") || name.starts_with(backup_prefix);
            if (ours && std::find(expected.begin(), expected.end(), name) == expected.end()) {
                problems.push_back(concat("unexpected '", name, "'"));
            }
        }
        return problems;
    }

    RunSettings settings_;
    M& model_;
    O& optimizer_;
    TrainingState<T>& state_;
    History& history_;
    Rng& shuffle_rng_;
    std::tuple<Cs&...> callbacks_;
};

// Stands in for RunBackup when no callback of the fit declares BacksUpRuns:
// a backup asked for anyway is refused rather than silently not kept.
template <Model M, class O, class... Cs>
class NoRunBackup {
public:
    NoRunBackup(const RunSettings&, M&, O&, TrainingState<value_type_t<M>>& state, History&, Rng&, Cs&...) {
        if (!state.backup.empty()) refuse(state.backup);
    }
    [[noreturn]] void save(const std::filesystem::path& path) const { refuse(path); }
    [[noreturn]] void restore(const std::filesystem::path& path) const { refuse(path); }

private:
    [[noreturn]] static void refuse(const std::filesystem::path& path) {
        fail("fit: a callback set TrainingState::backup to '", path.string(),
             "', but none of fit's callbacks declares `static constexpr bool backs_up_runs = true` (BacksUpRuns)");
    }
};

// What fit keeps of its run: all of it when a callback resumes runs, else nothing.
template <Model M, class O, class... Cs>
using RunBackupFor =
    std::conditional_t<(BacksUpRuns<Cs> || ...), RunBackup<M, O, Cs...>, NoRunBackup<M, O, Cs...>>;

}  // namespace xtnn::detail
