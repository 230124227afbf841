// A hook with the wrong parameters (on_batch_end without the batch loss) is not a Callback hook.
#include "fit_setup.hpp"

struct BatchCounter {
    int batches = 0;
#ifdef XTNN_WELL_FORMED
    void on_batch_end(xtnn::TrainingState<float>&, double) { ++batches; }
#else
    void on_batch_end(xtnn::TrainingState<float>&) { ++batches; }
#endif
};

int main() {
    FitSetup s;
    xtnn::fit(s.model, s.adam, xtnn::BinaryCrossEntropy{}, s.data, s.options, BatchCounter{});
}
