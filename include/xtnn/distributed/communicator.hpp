#pragma once
// Communicator: the few MPI collectives xtnn needs, typed for float/double,
// with errors that name the call. Only <xtnn/distributed.hpp> includes MPI;
// the rest of the library never depends on it.
// The C API only: Open MPI's deprecated C++ bindings do not build warning-free.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"

namespace xtnn::distributed {

namespace detail {

template <class T>
MPI_Datatype mpi_type() {
    if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
    else if constexpr (std::is_same_v<T, double>) return MPI_DOUBLE;
    else if constexpr (std::is_same_v<T, int>) return MPI_INT;
    else {
        static_assert(std::is_same_v<T, unsigned long long>, "unsupported MPI element type");
        return MPI_UNSIGNED_LONG_LONG;
    }
}

}  // namespace detail

// For programs that make their own MPI calls next to a Communicator's: turns an
// MPI return code into xtnn::error ("MPI: MPI_Gather failed: <MPI's text>").
// Only codes come back when the communicator's error handler is
// MPI_ERRORS_RETURN, which Communicator sets.
inline void check_mpi(int code, const char* call) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    xtnn::detail::fail("MPI: ", call, " failed: ", std::string(text, static_cast<std::size_t>(length)));
}

// A size as MPI's int element count, or xtnn::error naming `call` when it does
// not fit (MPI counts are int: 2^31 - 1 elements at most per call).
inline int mpi_count(std::size_t n, const char* call) {
    if (n > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        xtnn::detail::fail("MPI: ", call, ": ", n, " elements exceed MPI's int count");
    }
    return static_cast<int>(n);
}

class Communicator {
public:
    // Wraps an initialized communicator (MPI_COMM_WORLD by default). Errors
    // come back as codes (MPI_ERRORS_RETURN) so they become xtnn::error.
    explicit Communicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
        int initialized = 0;
        MPI_Initialized(&initialized);
        if (!initialized) xtnn::detail::fail("MPI: Communicator created before MPI_Init");
        MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
        check_mpi(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
        check_mpi(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    }

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool is_root() const { return rank_ == 0; }
    MPI_Comm native() const { return comm_; }

    // Element-wise sum across ranks, in place.
    template <class T>
    void allreduce_sum(std::span<T> values) const {
        check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), mpi_count(values.size(), "MPI_Allreduce"),
                                detail::mpi_type<T>(), MPI_SUM, comm_),
                  "MPI_Allreduce");
    }

    template <class T>
    T allreduce_sum(T value) const {
        allreduce_sum(std::span<T>(&value, 1));
        return value;
    }

    template <class T>
    void broadcast(std::span<T> values, int root = 0) const {
        check_mpi(MPI_Bcast(values.data(), mpi_count(values.size(), "MPI_Bcast"), detail::mpi_type<T>(), root,
                            comm_),
                  "MPI_Bcast");
    }

    // Every rank's rows of a row-major matrix, concatenated in rank order on every rank.
    template <Real T>
    void allgather_rows(const Tensor<T>& local, Tensor<T>& all) const {
        const int cols = mpi_count(local.shape(1), "MPI_Allgatherv");
        std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
        int mine = mpi_count(local.size(), "MPI_Allgatherv");
        check_mpi(MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_), "MPI_Allgather");
        int total = 0;
        for (std::size_t r = 0; r < counts.size(); ++r) {
            offsets[r] = total;
            total += counts[r];
        }
        ensure_shape(all, static_cast<std::size_t>(cols == 0 ? 0 : total / cols), local.shape(1));
        check_mpi(MPI_Allgatherv(local.data(), mine, detail::mpi_type<T>(), all.data(), counts.data(),
                                 offsets.data(), detail::mpi_type<T>(), comm_),
                  "MPI_Allgatherv");
    }

    void barrier() const { check_mpi(MPI_Barrier(comm_), "MPI_Barrier"); }

    // Ends the whole job (every rank) with a message, instead of leaving the
    // other ranks waiting forever in a collective this rank will never join.
    [[noreturn]] void abort(const std::string& message) const {
        std::fprintf(stderr, "xtnn: rank %d of %d failed: %s\n", rank_, size_, message.c_str());
        std::fflush(stderr);
        MPI_Abort(comm_, 1);
        std::abort();
    }

private:
    MPI_Comm comm_;
    int rank_ = 0;
    int size_ = 1;
};

}  // namespace xtnn::distributed
