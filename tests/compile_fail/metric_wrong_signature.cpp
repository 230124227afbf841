// A metric must score predictions against targets: one taking only the predictions is not a Metric.
#include "fit_setup.hpp"

struct MeanOutput {
    double operator()(const xtnn::Tensor<float>& pred) const { return pred(0, 0); }
};

int main() {
    FitSetup s;
#ifdef XTNN_WELL_FORMED
    return xtnn::evaluate(s.model, s.data, xtnn::Accuracy{}) > 2;
#else
    return xtnn::evaluate(s.model, s.data, MeanOutput{}) > 2;
#endif
}
