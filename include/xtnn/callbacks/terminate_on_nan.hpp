#pragma once
// TerminateOnNaN: stops training at the first batch whose loss is NaN or
// infinite, and says where.
#include <cmath>

#include "../train/training_state.hpp"

namespace xtnn {

struct TerminateOnNaN {
    template <Real T>
    void on_batch_end(TrainingState<T>& state, double loss) const {
        if (std::isfinite(loss)) return;
        state.history->diverged = true;
        state.request_stop(detail::concat("TerminateOnNaN: loss became ", loss, " at epoch ",
                                          state.epoch + 1, ", batch ", state.batch + 1, " of ",
                                          state.batches_per_epoch));
    }
};

}  // namespace xtnn
