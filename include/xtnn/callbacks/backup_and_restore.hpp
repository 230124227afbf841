#pragma once
// BackupAndRestore: makes a run survive being killed (Keras's BackupAndRestore).
// After every epoch fit writes, atomically, everything the run needs to go on
// to `directory`/backup.npz: weights and state arrays, the optimizer's state,
// the epoch, the History, every callback's state and every random stream
// (train/run_backup.hpp). A fit given the same callback, the same model
// architecture, optimizer, data sizes and FitOptions resumes from it at the
// next epoch, and ends with the same weights, bit for bit, as a run never
// interrupted. When training ends normally (budget spent or stopped by a
// callback, not an exception) the backup is deleted, so the next fit starts
// afresh. A backup of another run (other model, optimizer, seed, ...) or a
// damaged one is an error naming the file and what differs, before anything changes.
#include <filesystem>
#include <system_error>

#include "../core/error.hpp"
#include "../train/training_state.hpp"

namespace xtnn {

struct BackupAndRestore {
    static constexpr bool backs_up_runs = true;  // fit builds its run backup (BacksUpRuns)

    std::filesystem::path directory;
    // Keras's delete_checkpoint: remove the backup when training ends normally.
    bool delete_at_end = true;

    /// The backup file.
    std::filesystem::path path() const { return directory / "backup.npz"; }

    template <Real T>
    void on_train_begin(TrainingState<T>& state) const {
        if (directory.empty()) detail::fail("BackupAndRestore: directory is empty");
        if (!state.backup.empty()) {
            detail::fail("BackupAndRestore: a fit takes one; another already backs up to '", state.backup.string(), "'");
        }
        std::error_code error;
        std::filesystem::create_directories(directory, error);
        if (error) {
            detail::fail("BackupAndRestore: cannot create directory '", directory.string(), "': ", error.message());
        }
        state.backup = path();
    }

    template <Real T>
    void on_train_end(TrainingState<T>&) const {
        std::error_code ignored;  // a backup already gone is no failure
        if (delete_at_end) std::filesystem::remove(path(), ignored);
    }
};

}  // namespace xtnn
