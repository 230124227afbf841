#pragma once
// What tune_kryptonite searches: the FCNN/WDNN family of the paper, its inputs
// and its training, as one xtnn::tune::SearchSpace, and how a sampled
// configuration becomes prepared data, a model and a fit.
//
//   prep        standard (the paper's StandardScaler), binarize (threshold 0.5,
//               then standardize: every feature is a noisy bit), quantile (normal
//               output of a QuantileTransformer)
//   model       fcnn, or wdnn (a wide Dense+ReLU branch of `width` beside the deep stack)
//   depth       deep blocks Dense → ReLU → BatchNorm → Dropout, widths halving from `width`
//   width, dropout, l2 (on every hidden kernel), lr (Adam), halve_after (the
//   learning rate halves once after that epoch; 0: never), batch
//
// The epoch cap is the study's (ASHA stops weak trials early); patience is not
// searched: the final runs restore the best validation epoch instead.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <xtnn/tune.hpp>

#include "fail.hpp"

namespace paper {

inline xtnn::tune::SearchSpace kryptonite_space() {
    xtnn::tune::SearchSpace space;
    space.choice("prep", {"standard", "binarize", "quantile"})
        .choice("model", {"fcnn", "wdnn"})
        .integer("depth", 1, 3)
        .integer("width", 64, 512, xtnn::tune::Scale::log)
        .uniform("dropout", 0.0, 0.5)
        .log_uniform("l2", 1e-6, 1e-2)
        .log_uniform("lr", 1e-4, 1e-2)
        .choice("halve_after", {0, 30, 60})
        .choice("batch", {32, 64, 128, 256});
    return space;
}

// The three parts of one split, transformed as the configuration says; every
// transform is fitted on the training part alone.
struct PreparedSplit {
    xtnn::Dataset<float> train, val, test;
};

template <class Transform>
void fit_and_apply(Transform transform, PreparedSplit& parts) {
    transform.fit(parts.train.X);
    for (auto* part : {&parts.train, &parts.val, &parts.test}) transform.transform_inplace(part->X);
}

inline PreparedSplit prepare(const xtnn::tune::Config& c, const xtnn::Dataset<float>& data, std::uint64_t seed) {
    auto [train, val, test] = xtnn::train_val_test_split(data, {0.4, 0.3, 0.3}, seed);
    PreparedSplit parts{std::move(train), std::move(val), std::move(test)};
    const auto prep = c.get<std::string>("prep");
    if (prep == "quantile") {
        fit_and_apply(xtnn::QuantileTransformer<float>({.output = xtnn::QuantileOutput::normal}), parts);
        return parts;
    }
    if (prep == "binarize") fit_and_apply(xtnn::Binarizer<float>(0.5f), parts);
    else if (prep != "standard") fail("unknown prep '", prep, "'");
    fit_and_apply(xtnn::StandardScaler<float>(), parts);
    return parts;
}

// The deep stack: `depth` blocks, widths halving from `width` (at least 16); its
// output width goes to `out_width`.
inline xtnn::DynamicSequential<float> deep_stack(const xtnn::tune::Config& c, std::size_t n, std::size_t& out_width) {
    using namespace xtnn;
    const auto l2 = c.get<double>("l2");
    const auto dropout = c.get<double>("dropout");
    DynamicSequential<float> deep;
    std::size_t in = n, width = c.get<std::size_t>("width");
    for (std::size_t block = 0; block < c.get<std::size_t>("depth"); ++block) {
        // One AnyModule per block: a static Sequential, so the fused dense block runs inside it.
        deep.add(Sequential(Dense<float>(in, width, L2(l2)), ReLU(), BatchNorm<float>(width), Dropout(dropout)));
        in = width;
        width = std::max<std::size_t>(16, width / 2);
    }
    out_width = in;
    return deep;
}

inline xtnn::DynamicSequential<float> build_model(const xtnn::tune::Config& c, std::size_t n) {
    using namespace xtnn;
    std::size_t deep_width = 0;
    DynamicSequential<float> deep = deep_stack(c, n, deep_width);
    DynamicSequential<float> model;
    const auto kind = c.get<std::string>("model");
    if (kind == "fcnn") {
        model.add(std::move(deep)).add(Dense<float>(deep_width, 1)).add(Sigmoid());
        return model;
    }
    if (kind != "wdnn") fail("unknown model '", kind, "'");
    const auto wide_width = c.get<std::size_t>("width");
    DynamicParallel<float> branches;
    branches.add(Sequential(Dense<float>(n, wide_width, L2(c.get<double>("l2"))), ReLU())).add(std::move(deep));
    model.add(std::move(branches)).add(Dense<float>(wide_width + deep_width, 1)).add(Sigmoid());
    return model;
}

// Trains the configuration's model on `parts` for up to `epochs` with `seed`;
// extra callbacks (a trial reporter, early stopping) come last.
template <class... Callbacks>
xtnn::DynamicSequential<float> train_configuration(const xtnn::tune::Config& c, const PreparedSplit& parts,
                                                   std::size_t epochs, std::uint64_t seed, Callbacks&&... callbacks) {
    using namespace xtnn;
    DynamicSequential<float> model = build_model(c, parts.train.features());
    Adam<float> optimizer(c.get<double>("lr"));
    FitOptions options;
    options.epochs = epochs;
    options.batch_size = c.get<std::size_t>("batch");
    options.seed = seed;
    const auto halve_after = c.get<std::size_t>("halve_after");
    // A step beyond the cap never fires: "never halve".
    const StepLR schedule{.step = halve_after == 0 ? epochs + 1 : halve_after, .gamma = 0.5, .once = true};
    fit(model, optimizer, BinaryCrossEntropy{}, parts.train, parts.val, options, schedule,
        std::forward<Callbacks>(callbacks)...);
    return model;
}

}  // namespace paper
