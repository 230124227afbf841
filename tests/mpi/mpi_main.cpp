// doctest main for the MPI tests: every rank runs every test case between
// MPI_Init (MPI_Init_thread with MPI_THREAD_FUNNELED when
// XTNN_MPI_TEST_THREAD_FUNNELED is defined) and MPI_Finalize; only rank 0 reports.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <mpi.h>

int main(int argc, char** argv) {
#ifdef XTNN_MPI_TEST_THREAD_FUNNELED
    int provided = 0;  // threads beside MPI calls made by the main thread only
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
#else
    MPI_Init(&argc, &argv);
#endif
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    doctest::Context context(argc, argv);
    if (rank != 0) context.setOption("reporters", "xml");  // keep other ranks quiet on the console
    if (rank != 0) context.setOption("out", "/dev/null");
    const int failed = context.run();
    int any_failed = 0;
    MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any_failed;
}
