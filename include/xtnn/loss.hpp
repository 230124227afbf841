#pragma once
// All losses. Each offers value, value_and_gradient, validate_targets and name;
// the cross-entropies add a fused *_from_logits path for models ending in
// Sigmoid or Softmax.
#include "losses/binary_crossentropy.hpp"
#include "losses/cross_entropy.hpp"
#include "losses/mean_squared_error.hpp"
