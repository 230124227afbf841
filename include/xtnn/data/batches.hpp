#pragma once
// Mini-batches over a Dataset, reshuffled every epoch from a caller's Rng.
// Batches are gathered into buffers owned by the iterator and reused: full
// batches and the smaller last one each have their own, so after the first
// epoch no step allocates (one shared buffer would be resized twice an epoch).
#include <algorithm>
#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/tensor.hpp"
#include "dataset.hpp"
#include "gather_rows.hpp"

namespace xtnn {

// Holds a reference: `data` must outlive the iterator.
//
//   BatchIterator<float> batches(train, 64, true);
//   for (int epoch = 0; epoch < epochs; ++epoch) {
//       batches.start_epoch(rng);
//       while (batches.next()) step(batches.X(), batches.y());
//   }
template <Real T>
class BatchIterator {
public:
    // The last, smaller batch of an epoch is kept unless `drop_last`.
    BatchIterator(const Dataset<T>& data, std::size_t batch_size, bool shuffle,
                  bool drop_last = false)
        : data_(data),
          batch_size_(batch_size),
          shuffle_(shuffle),
          drop_last_(drop_last),
          order_(data.size()) {
        if (batch_size == 0) detail::fail("BatchIterator: batch_size must be at least 1, got 0");
    }
    BatchIterator(Dataset<T>&&, std::size_t, bool, bool = false) = delete;  // would dangle

    // Restarts from the first batch; with shuffling on, draws this epoch's
    // order from `rng` (and only then touches it).
    void start_epoch(Rng& rng) {
        std::iota(order_.begin(), order_.end(), std::size_t{0});
        if (shuffle_) shuffle(order_.begin(), order_.end(), rng);
        position_ = 0;
        started_ = true;
    }

    // Gathers the next batch into X() and y(); false once the epoch is over.
    bool next() {
        if (!started_) detail::fail("BatchIterator: next() called before start_epoch()");
        const std::size_t remaining = order_.size() - position_;
        const std::size_t count = std::min(batch_size_, remaining);
        if (count == 0 || (drop_last_ && count < batch_size_)) return false;
        const std::span<const std::size_t> rows(order_.data() + position_, count);
        partial_ = count < batch_size_;
        gather_rows(data_.X, rows, current().X);
        gather_rows(data_.y, rows, current().y);
        position_ += count;
        return true;
    }

    // The batch gathered by the last successful next().
    const Tensor<T>& X() const { return current().X; }
    const Tensor<T>& y() const { return current().y; }

    std::size_t batches_per_epoch() const {
        const std::size_t n = order_.size();
        return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
    }

private:
    struct Buffers {
        Tensor<T> X;
        Tensor<T> y;
    };

    Buffers& current() { return partial_ ? last_ : full_; }
    const Buffers& current() const { return partial_ ? last_ : full_; }

    const Dataset<T>& data_;
    std::size_t batch_size_;
    bool shuffle_;
    bool drop_last_;
    std::vector<std::size_t> order_;
    std::size_t position_ = 0;
    bool started_ = false;
    Buffers full_;
    Buffers last_;
    bool partial_ = false;  // the current batch is the smaller last one
};

}  // namespace xtnn
