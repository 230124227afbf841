#pragma once
// Hyperparameter search (docs/tuning.md): a search space, trials, ASHA early
// stopping, a resumable results file and run_study. Includes <xtnn/xtnn.hpp>;
// the MPI version of run_study is in <xtnn/distributed.hpp>.
#include "xtnn.hpp"

#include "tune/asha.hpp"
#include "tune/config.hpp"
#include "tune/coordinator.hpp"
#include "tune/results_file.hpp"
#include "tune/space.hpp"
#include "tune/study.hpp"
#include "tune/study_options.hpp"
#include "tune/study_result.hpp"
#include "tune/trial.hpp"
