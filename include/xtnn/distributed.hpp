#pragma once
// Data-parallel training, hyperparameter search and helpers over MPI (optional: link xtnn::mpi).
#include "distributed/communicator.hpp"
#include "distributed/data_parallel.hpp"
#include "distributed/shard.hpp"
#include "distributed/sync_batch_norm.hpp"
#include "distributed/tune.hpp"
