#pragma once
// Every classification metric: accuracy, precision/recall/F1, AUC, the
// confusion matrix, and the registry of metrics fit measures by name.
#include "accuracy.hpp"
#include "auc.hpp"
#include "binary_scores.hpp"
#include "confusion_matrix.hpp"
#include "named_metric.hpp"
