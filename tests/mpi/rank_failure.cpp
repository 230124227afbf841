// Rank 1 fails in the middle of data-parallel training; the job must end
// with its message instead of leaving rank 0 waiting in a collective.
#include <mpi.h>

#include <xtnn/distributed.hpp>
#include <xtnn/xtnn.hpp>

using namespace xtnn;

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    distributed::Communicator comm;
    auto data = make_xor<float>(3, 256, 0.1, 1);
    if (comm.rank() == 1) data.X(5, 1) = std::numeric_limits<float>::quiet_NaN();  // a corrupt shard
    auto model = Sequential(Dense<float>(3, 8), ReLU(), Dense<float>(8, 1), Sigmoid());
    Adam<float> opt(1e-3);
    FitOptions o;
    o.epochs = 3;
    distributed::fit(comm, model, opt, BinaryCrossEntropy{}, data, Dataset<float>{}, o);
    MPI_Finalize();
    return 0;
}
