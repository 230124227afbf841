#pragma once
// The umbrella header: everything xtnn offers, layer by layer from the bottom
// (docs/architecture.md). The optional MPI component has its own umbrella,
// <xtnn/distributed.hpp>.
#include "core/check_finite.hpp"
#include "core/error.hpp"
#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"

#include "kernels/blas_info.hpp"
#include "kernels/gemm.hpp"

#include "params/initializers.hpp"
#include "params/model_parameters.hpp"
#include "params/param.hpp"
#include "params/regularizers.hpp"

#include "io/atomic_file.hpp"
#include "io/checkpoint.hpp"
#include "io/npy.hpp"
#include "io/npz.hpp"

#include "layers/activations.hpp"
#include "layers/batch_norm.hpp"
#include "layers/batch_norm_2d.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/identity.hpp"
#include "layers/log_softmax.hpp"
#include "layers/softmax.hpp"

#include "compose/any_module.hpp"
#include "compose/final_layer.hpp"
#include "compose/dynamic_sequential.hpp"
#include "compose/parallel.hpp"
#include "compose/sequential.hpp"

#include "losses/binary_crossentropy.hpp"
#include "losses/cross_entropy.hpp"
#include "losses/loss.hpp"
#include "losses/mean_squared_error.hpp"
#include "losses/nll_loss.hpp"

#include "optim/adam.hpp"
#include "optim/adamw.hpp"
#include "optim/rmsprop.hpp"
#include "optim/sgd.hpp"

#include "metrics/classification.hpp"
#include "metrics/metric.hpp"

#include "data/batches.hpp"
#include "data/csv.hpp"
#include "data/dataset.hpp"
#include "data/generators.hpp"
#include "data/load_dataset.hpp"
#include "data/scaler.hpp"
#include "data/split.hpp"

#include "train/check_gradients.hpp"
#include "train/fit.hpp"
#include "train/fit_options.hpp"
#include "train/fusion.hpp"
#include "train/history.hpp"
#include "train/trainer.hpp"
#include "train/training_state.hpp"

#include "callbacks/csv_logger.hpp"
#include "callbacks/early_stopping.hpp"
#include "callbacks/model_checkpoint.hpp"
#include "callbacks/progress_bar.hpp"
#include "callbacks/schedules.hpp"
#include "callbacks/terminate_on_nan.hpp"
