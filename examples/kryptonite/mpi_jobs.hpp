#pragma once
// reproduce_paper over MPI (target reproduce_paper_mpi): every rank plans the
// same study, runs its share of the runs on its own threads, and sends the
// results to rank 0, which alone prints and writes. Runs are independent, so
// that gather is the only communication, and since a run depends on nothing
// but its configuration the results equal those of one process.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include <xtnn/distributed.hpp>

#include "result_bytes.hpp"
#include "study.hpp"

namespace paper {

using xtnn::distributed::check_mpi;

// Deals runs, given most expensive first, each to the rank with the least cost
// so far (longest processing time first); returns `rank`'s runs in that order.
inline std::vector<std::size_t> deal(const std::vector<std::size_t>& order, const std::vector<double>& costs,
                                     int ranks, int rank) {
    std::vector<double> load(static_cast<std::size_t>(ranks), 0.0);
    std::vector<std::size_t> mine;
    for (std::size_t i : order) {
        const auto lightest = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
        load[lightest] += costs[i];
        if (lightest == static_cast<std::size_t>(rank)) mine.push_back(i);
    }
    return mine;
}

class MpiJobs {
public:
    MpiJobs(int& argc, char**& argv) : init_(argc, argv) {}
    MpiJobs(const MpiJobs&) = delete;
    MpiJobs& operator=(const MpiJobs&) = delete;
    ~MpiJobs() { MPI_Finalize(); }

    bool root() const { return comm_.is_root(); }
    int ranks() const { return comm_.size(); }
    std::string program() const { return "mpirun -np " + std::to_string(ranks()) + " reproduce_paper_mpi"; }
    std::string workers(std::size_t threads) const {
        return std::to_string(ranks()) + " ranks × " + std::to_string(threads) +
               " threads (progress: rank 0's own runs; the others' are listed when gathered)";
    }

    // The ranks on one host share its cores.
    std::size_t default_threads() const {
        MPI_Comm host = MPI_COMM_NULL;
        check_mpi(MPI_Comm_split_type(comm_.native(), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &host),
                  "MPI_Comm_split_type");
        int on_host = 1;
        check_mpi(MPI_Comm_size(host, &on_host), "MPI_Comm_size");
        MPI_Comm_free(&host);
        return std::max<std::size_t>(1, std::thread::hardware_concurrency() / static_cast<unsigned>(on_host));
    }

    std::vector<std::size_t> share(const std::vector<std::size_t>& order, const std::vector<double>& costs) const {
        return deal(order, costs, ranks(), comm_.rank());
    }

    // Moves the other ranks' results into rank 0's study; returns, on rank 0,
    // the indices of the runs it received.
    std::vector<std::size_t> gather(Study& study, const std::vector<std::size_t>& mine) const {
        wait_for_all();
        ByteWriter out;
        if (!root())
            for (std::size_t i : mine) write_result(out, i, study.runs[i].result);
        int size = xtnn::distributed::mpi_count(out.bytes().size(), "MPI_Gatherv");
        std::vector<int> sizes(static_cast<std::size_t>(ranks())), offsets(sizes.size());
        check_mpi(MPI_Gather(&size, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, comm_.native()), "MPI_Gather");
        int total = 0;
        for (std::size_t r = 0; r < sizes.size(); ++r) {
            offsets[r] = total;
            total += sizes[r];
        }
        std::string all(root() ? static_cast<std::size_t>(total) : 0, '\0');
        check_mpi(MPI_Gatherv(out.bytes().data(), size, MPI_BYTE, all.data(), sizes.data(), offsets.data(), MPI_BYTE,
                              0, comm_.native()),
                  "MPI_Gatherv");
        std::vector<std::size_t> received;
        for (ByteReader in(all); !in.done();) {
            auto [i, result] = read_result(in);
            study.runs.at(i).result = std::move(result);
            received.push_back(i);
        }
        return received;
    }

    double sum(double value) const { return comm_.allreduce_sum(value); }

    // Ends every rank: the others may be waiting for this one's results.
    [[noreturn]] int fail(const std::string& message) const { comm_.abort(message); }

private:
    struct Init {
        Init(int& argc, char**& argv) {
            int provided = 0;
            MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);  // runs use threads; main calls MPI
            if (provided < MPI_THREAD_FUNNELED) {
                xtnn::distributed::Communicator().abort("MPI does not allow threads (MPI_THREAD_FUNNELED)");
            }
        }
    };

    // Open MPI busy-polls inside blocking calls, so a rank that finished its
    // share early would take a core from the ranks still training; it waits
    // for them with a nonblocking barrier and sleeps instead.
    void wait_for_all() const {
        MPI_Request request = MPI_REQUEST_NULL;
        check_mpi(MPI_Ibarrier(comm_.native(), &request), "MPI_Ibarrier");
        for (int done = 0;;) {
            check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
            if (done) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    Init init_;
    xtnn::distributed::Communicator comm_;
};

}  // namespace paper
