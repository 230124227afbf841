#include "peer_common.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>

#include <xtnn/data/generators.hpp>

namespace peers {

const Data& data() {
    static const Data made = [] {
        const auto kryptonite = xtnn::make_kryptonite<float>(features, {.rows = rows, .seed = 7});
        Data d;
        d.x.assign(kryptonite.data.X.begin(), kryptonite.data.X.end());
        d.y.assign(kryptonite.data.y.begin(), kryptonite.data.y.end());
        for (std::size_t begin = 0; begin < rows; begin += batch_size) {
            d.batches.push_back({begin, std::min(batch_size, rows - begin)});
        }
        return d;
    }();
    return made;
}

void register_peer(const std::string& peer, const std::vector<Model>& models) {
    benchmark::AddCustomContext("peer", peer);
    for (const Model& model : models) {
        const std::string name =
            "epoch/" + model.name + "/n" + std::to_string(features) + "/b" + std::to_string(batch_size);
        benchmark::RegisterBenchmark(name.c_str(), [make = model.make](benchmark::State& state) {
            const Epoch epoch = make();
            epoch();  // warm-up: sizes every buffer, initializes lazily built layers
            for (auto _ : state) epoch();
            state.counters["steps"] = static_cast<double>(data().batches.size());
        })->UseRealTime()->Unit(benchmark::kMillisecond);
    }
}

}  // namespace peers
