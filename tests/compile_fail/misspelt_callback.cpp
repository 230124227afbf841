// A callback whose only hook is misspelt would never be called: fit refuses it as not a Callback.
#include "fit_setup.hpp"

struct Counter {
    int epochs = 0;
#ifdef XTNN_WELL_FORMED
    void on_epoch_end(xtnn::TrainingState<float>&) { ++epochs; }
#else
    void on_epoch_ended(xtnn::TrainingState<float>&) { ++epochs; }
#endif
};

int main() {
    FitSetup s;
    xtnn::fit(s.model, s.adam, xtnn::BinaryCrossEntropy{}, s.data, s.options, Counter{});
}
