// save writes a model with optimizers' or scalers' state: an options struct is neither.
#include "fit_setup.hpp"

int main() {
    FitSetup s;
#ifdef XTNN_WELL_FORMED
    xtnn::save(s.model, "unused.npz", s.adam);
#else
    xtnn::save(s.model, "unused.npz", s.options);
#endif
}
