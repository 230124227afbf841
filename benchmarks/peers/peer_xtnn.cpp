// xtnn's side of the peer comparison: the MLP 9→128→64→1 (ReLU, sigmoid output,
// binary cross-entropy, Adam 1e-3) and the paper's FCNN and WDNN
// (examples/kryptonite/models.hpp), trained with Trainer::step on peers::data().
#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <xtnn/xtnn.hpp>

#include "models.hpp"
#include "peer_common.hpp"

namespace {

using namespace xtnn;

auto make_mlp() {
    return Sequential(Dense<float>(peers::features, 128), ReLU(), Dense<float>(128, 64), ReLU(), Dense<float>(64, 1),
                      Sigmoid());
}

template <class Model>
struct Run {
    explicit Run(Model m) : model(initialized(std::move(m))) {
        const auto& d = peers::data();
        for (const auto& b : d.batches) {
            Tensor<float> x = Tensor<float>::from_shape({b.size, peers::features});
            Tensor<float> y = Tensor<float>::from_shape({b.size, 1});
            std::copy_n(d.x.begin() + static_cast<std::ptrdiff_t>(b.begin * peers::features), x.size(), x.begin());
            std::copy_n(d.y.begin() + static_cast<std::ptrdiff_t>(b.begin), y.size(), y.begin());
            xs.push_back(std::move(x));
            ys.push_back(std::move(y));
        }
    }

    void epoch() {
        for (std::size_t i = 0; i < xs.size(); ++i) trainer.step(xs[i], ys[i]);
    }

    static Model initialized(Model m) {
        init_parameters(m, 1);
        return m;
    }

    Model model;
    Adam<float> optimizer{1e-3};
    BinaryCrossEntropy loss;
    Trainer<Model, Adam<float>, BinaryCrossEntropy> trainer{model, optimizer, loss};
    std::vector<Tensor<float>> xs, ys;
};

template <class Make>
peers::Model model(const char* name, Make make) {
    return {name, [make] {
                using M = decltype(make());
                auto run = std::make_shared<Run<M>>(make());
                return peers::Epoch([run] { run->epoch(); });
            }};
}

[[maybe_unused]] const bool registered = [] {
    peers::register_peer(std::string("xtnn, gemm ").append(xtnn::gemm_backend),
                         {model("MLP", make_mlp),
                          model("FCNN", [] { return paper::make_fcnn<float>(peers::features); }),
                          model("WDNN", [] { return paper::make_wdnn<float>(peers::features); })});
    return true;
}();

}  // namespace
