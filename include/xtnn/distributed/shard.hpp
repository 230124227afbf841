#pragma once
// Which rows of a dataset a rank holds. Rows are dealt in blocks of
// `block` rows, round robin: rank r gets blocks r, r + p, r + 2p, ... With
// block = the per-rank batch size and no shuffling, the union of the ranks'
// k-th batches is exactly the k-th global batch of a one-rank run, which is
// what makes multi-rank runs comparable to single-rank ones.
#include <cstddef>
#include <vector>

#include "../data/dataset.hpp"
#include "../core/error.hpp"

namespace xtnn::distributed {

template <Real T>
Dataset<T> shard(const Dataset<T>& data, int rank, int ranks, std::size_t block) {
    if (ranks < 1 || rank < 0 || rank >= ranks) {
        xtnn::detail::fail("shard: rank ", rank, " is not in [0, ", ranks, ")");
    }
    if (block == 0) xtnn::detail::fail("shard: block must be >= 1");
    std::vector<std::size_t> rows;
    const auto p = static_cast<std::size_t>(ranks), r = static_cast<std::size_t>(rank);
    for (std::size_t start = r * block; start < data.size(); start += p * block) {
        for (std::size_t i = start; i < std::min(start + block, data.size()); ++i) rows.push_back(i);
    }
    return data.subset(rows);
}

}  // namespace xtnn::distributed
