// Something with a learning rate but no step is not an Optimizer.
#include "fit_setup.hpp"

struct JustARate {
    using value_type = float;
    double learning_rate() const { return 0.1; }
    void set_learning_rate(double) {}
};

int main() {
    FitSetup s;
#ifdef XTNN_WELL_FORMED
    xtnn::fit(s.model, s.adam, xtnn::BinaryCrossEntropy{}, s.data, s.options);
#else
    JustARate rate;
    xtnn::fit(s.model, rate, xtnn::BinaryCrossEntropy{}, s.data, s.options);
#endif
}
