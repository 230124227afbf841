// tiny-dnn's side of the peer comparison (Debian tiny-dnn, header-only): the
// MLP and the paper's FCNN, one epoch per call of network::fit (batches of 64
// in order, no shuffling). One thread (CNN_SINGLE_THREAD); its AVX kernels
// (CNN_USE_AVX) when the program is compiled for a CPU that has AVX.
//
// Differences that cost next to nothing: tiny-dnn's optimizers have no weight
// decay, so its FCNN trains without the L2 penalty; fit() restarts Adam's
// moments at every call, here every epoch; it copies the epoch's samples once
// per call.
#define CNN_SINGLE_THREAD
#define CNN_NO_SERIALIZATION
#ifdef __AVX__
#define CNN_USE_AVX
#endif
#include <tiny_dnn/config.h>
// config.h turns on the quantized kernels' gemmlowp, which Debian's package
// does not depend on and which these float models never use.
#undef CNN_USE_GEMMLOWP
#include <tiny_dnn/tiny_dnn.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "peer_common.hpp"

namespace {

using namespace tiny_dnn;
using namespace tiny_dnn::activation;

void add_deep_block(network<sequential>& net, serial_size_t in, serial_size_t out) {
    net << fully_connected_layer<relu>(in, out) << batch_normalization_layer(1, out) << dropout_layer(out, 0.3f);
}

network<sequential> make_mlp() {
    network<sequential> net;
    net << fully_connected_layer<relu>(peers::features, 128) << fully_connected_layer<relu>(128, 64)
        << fully_connected_layer<sigmoid>(64, 1);
    return net;
}

network<sequential> make_fcnn() {
    network<sequential> net;
    add_deep_block(net, peers::features, 128);
    add_deep_block(net, 128, 64);
    net << fully_connected_layer<sigmoid>(64, 1);
    return net;
}

struct Run {
    explicit Run(network<sequential> n) : net(std::move(n)) {
        const auto& d = peers::data();
        for (std::size_t r = 0; r < peers::rows; ++r) {
            const auto* row = d.x.data() + r * peers::features;
            inputs.push_back(tensor_t{vec_t(row, row + peers::features)});
            targets.push_back(tensor_t{vec_t{d.y[r]}});
        }
    }

    void epoch() { net.fit<cross_entropy>(optimizer, inputs, targets, peers::batch_size, 1); }

    network<sequential> net;
    adam optimizer;
    std::vector<tensor_t> inputs, targets;
};

peers::Model model(const char* name, network<sequential> (*make)()) {
    return {name, [make] {
                auto run = std::make_shared<Run>(make());
                return peers::Epoch([run] { run->epoch(); });
            }};
}

[[maybe_unused]] const bool registered = [] {
    peers::register_peer("tiny-dnn 1.0.0a3", {model("MLP", make_mlp), model("FCNN", make_fcnn)});
    return true;
}();

}  // namespace
