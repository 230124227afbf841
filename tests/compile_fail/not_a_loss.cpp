// A loss without validate_targets and name() is not a Loss.
#include "fit_setup.hpp"

struct HalfALoss {
    template <class T>
    double value(const xtnn::Tensor<T>&, const xtnn::Tensor<T>&) const { return 0; }
    template <class T>
    double value_and_gradient(const xtnn::Tensor<T>&, const xtnn::Tensor<T>&, xtnn::Tensor<T>&) const { return 0; }
};

int main() {
    FitSetup s;
#ifdef XTNN_WELL_FORMED
    xtnn::fit(s.model, s.adam, xtnn::BinaryCrossEntropy{}, s.data, s.options);
#else
    xtnn::fit(s.model, s.adam, HalfALoss{}, s.data, s.options);
#endif
}
