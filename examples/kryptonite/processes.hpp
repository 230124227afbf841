#pragma once
// Where reproduce_paper's runs go. Built as reproduce_paper: all of them to
// this process. Built as reproduce_paper_mpi (XTNN_REPRODUCE_WITH_MPI): dealt
// to MPI ranks and gathered on rank 0 (mpi_jobs.hpp). The program is written
// once, against what both offer.
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "study.hpp"

#ifdef XTNN_REPRODUCE_WITH_MPI
#include "mpi_jobs.hpp"
namespace paper {
using Processes = MpiJobs;
}
#else
namespace paper {

class Processes {
public:
    Processes(int&, char**&) {}

    bool root() const { return true; }
    int ranks() const { return 1; }
    std::string program() const { return "reproduce_paper"; }
    std::string workers(std::size_t threads) const { return std::to_string(threads) + " threads"; }
    std::size_t default_threads() const { return std::max(1U, std::thread::hardware_concurrency()); }
    std::vector<std::size_t> share(const std::vector<std::size_t>& order, const std::vector<double>&) const {
        return order;
    }
    std::vector<std::size_t> gather(Study&, const std::vector<std::size_t>&) const { return {}; }
    double sum(double value) const { return value; }

    int fail(const std::string& message) const {
        std::fprintf(stderr, "reproduce_paper: %s\n", message.c_str());
        return 1;
    }
};

}  // namespace paper
#endif
