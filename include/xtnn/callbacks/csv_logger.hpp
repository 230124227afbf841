#pragma once
// CSVLogger: the epoch logs as CSV (epoch, loss, val_loss, metrics..., lr,
// seconds). The whole file is rewritten atomically after every epoch, so a
// crash never leaves a torn file.
#include <cstddef>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>

#include "../io/atomic_file.hpp"
#include "../train/history.hpp"
#include "../train/training_state.hpp"

namespace xtnn {

struct CSVLogger {
    std::filesystem::path path;

    template <Real T>
    void on_epoch_end(TrainingState<T>& state) const {
        const History& h = *state.history;
        std::ostringstream out;
        out.precision(std::numeric_limits<double>::max_digits10);
        out << "epoch,loss,val_loss";
        for (const auto& [name, value] : h.epochs.front().metrics) out << ',' << name;
        out << ",learning_rate,seconds\n";
        for (const EpochLog& e : h.epochs) {
            out << e.epoch << ',' << e.loss << ',' << e.val_loss;
            for (const auto& [name, value] : e.metrics) out << ',' << value;
            out << ',' << e.learning_rate << ',' << e.seconds << '\n';
        }
        write_file_atomically(path, out.str());
    }
};

}  // namespace xtnn
