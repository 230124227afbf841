#pragma once
// What every peer program shares (benchmarks/peers/): the one data set and
// batch order they all train on, and the benchmark that times an epoch.
//
// Data: 7,200 rows of Kryptonite-9 (the size of its 40 % training split), made
// by xtnn's generator with a fixed seed, cut in order into batches of 64 (the
// last one 32 rows). Nothing is shuffled, so every peer sees the same batches
// in the same order, and every one of them gets its batches ready before the
// clock starts, in its own format.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace peers {

inline constexpr std::size_t features = 9;
inline constexpr std::size_t rows = 7200;
inline constexpr std::size_t batch_size = 64;

struct Batch {
    std::size_t begin = 0;  // first row
    std::size_t size = 0;   // rows
};

struct Data {
    std::vector<float> x;        // rows × features, row major
    std::vector<float> y;        // rows labels, 0 or 1
    std::vector<Batch> batches;  // in training order
};

// Made on the first call, the same for every program.
const Data& data();

// One epoch of training over data().batches; the model and its batches live
// in the closure. make() builds them (outside the timed loop).
using Epoch = std::function<void()>;

struct Model {
    std::string name;  // MLP, FCNN or WDNN
    std::function<Epoch()> make;
};

// Registers "epoch/<model>/n9/b64" per model: one iteration is one epoch (one
// optimizer step per batch) after a warm-up epoch; the counter "steps" turns
// the epoch time into a time per step. `peer` names the library and version in
// the output context, e.g. "dlib 19.24".
void register_peer(const std::string& peer, const std::vector<Model>& models);

}  // namespace peers
