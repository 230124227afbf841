// A model, data and optimizer that fit accepts, for the compile-fail cases to misuse one at a time.
#pragma once
#include <xtnn/layers/activations.hpp>
#include <xtnn/layers/dense.hpp>
#include <xtnn/compose/sequential.hpp>
#include <xtnn/data/generators.hpp>
#include <xtnn/losses/binary_crossentropy.hpp>
#include <xtnn/metrics/accuracy.hpp>
#include <xtnn/optim/adam.hpp>
#include <xtnn/train/fit.hpp>
#include <xtnn/train/predict.hpp>

struct FitSetup {
    xtnn::Dataset<float> data = xtnn::make_xor<float>(2, 16, 0.1, 1);
    xtnn::Sequential<xtnn::Dense<float>, xtnn::Sigmoid> model{xtnn::Dense<float>(2, 1), xtnn::Sigmoid()};
    xtnn::Adam<float> adam{1e-2};
    xtnn::FitOptions options{};
};
