// dlib's side of the peer comparison (Debian libdlib-dev): the MLP, the
// paper's FCNN and its WDNN (wide and deep branches joined by dlib's
// inception2 concatenation), trained one batch at a time with the network's
// own compute_parameter_gradients and update_parameters. (dnn_trainer would
// run the steps on a second thread, which a one-core comparison must not.)
//
// Differences that cost next to nothing: dlib's binary log loss takes ±1
// labels; its batch normalization keeps running statistics over a window
// instead of a momentum; the L2 penalty λ·Σw² is Adam's weight decay 2λ on
// the hidden kernels (dlib applies none to biases and BatchNorm by default).
#include <dlib/dnn.h>
#include <dlib/revision.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "peer_common.hpp"

namespace {

using dlib::bn_fc;
using dlib::dropout;
using dlib::fc;
using dlib::relu;

using Sample = dlib::matrix<float, 0, 1>;
using Input = dlib::input<Sample>;

template <long N, typename SUBNET>
using block = dropout<bn_fc<relu<fc<N, SUBNET>>>>;

using MlpNet = dlib::loss_binary_log<fc<1, relu<fc<64, relu<fc<128, Input>>>>>>;
using FcnnNet = dlib::loss_binary_log<fc<1, block<64, block<128, Input>>>>;

template <typename SUBNET>
using wide = relu<fc<256, SUBNET>>;
template <typename SUBNET>
using deep = block<64, block<128, block<256, SUBNET>>>;
using WdnnNet = dlib::loss_binary_log<fc<1, dlib::inception2<wide, deep, Input>>>;

constexpr double l2 = 1e-3;

template <class Net>
struct Run {
    explicit Run(double weight_decay) : solvers(Net::num_computational_layers, dlib::adam(weight_decay, 0.9, 0.999)) {
        dlib::visit_computational_layers(net, [](auto& layer) {
            if constexpr (std::is_same_v<std::decay_t<decltype(layer)>, dlib::dropout_>) layer = dlib::dropout_(0.3f);
        });
        dlib::layer<1>(net).layer_details().set_weight_decay_multiplier(0);  // the output layer is not penalized
        const auto& d = peers::data();
        for (const auto& b : d.batches) {
            std::vector<Sample> samples(b.size, Sample(static_cast<long>(peers::features)));
            std::vector<float> batch_labels(b.size);
            for (std::size_t r = 0; r < b.size; ++r) {
                for (std::size_t c = 0; c < peers::features; ++c) {
                    samples[r](static_cast<long>(c)) = d.x[(b.begin + r) * peers::features + c];
                }
                batch_labels[r] = d.y[b.begin + r] > 0.5f ? 1.0f : -1.0f;
            }
            dlib::resizable_tensor x;
            net.to_tensor(samples.begin(), samples.end(), x);
            xs.push_back(std::move(x));
            labels.push_back(std::move(batch_labels));
        }
    }

    void epoch() {
        for (std::size_t i = 0; i < xs.size(); ++i) {
            net.compute_parameter_gradients(xs[i], labels[i].begin());
            net.update_parameters(solvers, 1e-3);
        }
    }

    Net net;
    std::vector<dlib::adam> solvers;
    std::vector<dlib::resizable_tensor> xs;
    std::vector<std::vector<float>> labels;
};

template <class Net>
peers::Model model(const char* name, double weight_decay) {
    return {name, [weight_decay] {
                auto run = std::make_shared<Run<Net>>(weight_decay);
                return peers::Epoch([run] { run->epoch(); });
            }};
}

[[maybe_unused]] const bool registered = [] {
    peers::register_peer("dlib " + std::to_string(DLIB_MAJOR_VERSION) + "." + std::to_string(DLIB_MINOR_VERSION),
                         {model<MlpNet>("MLP", 0.0), model<FcnnNet>("FCNN", 2 * l2), model<WdnnNet>("WDNN", 2 * l2)});
    return true;
}();

}  // namespace
