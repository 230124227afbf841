# Finds the BLAS xtnn calls through <cblas.h> and makes sure it really exports
# cblas_sgemm / cblas_dgemm (FindBLAS only checks the Fortran sgemm_).
#
# In:  XTNN_BLAS_VENDOR (cache, default OpenBLAS); an explicit BLA_VENDOR wins.
# Out: BLAS::BLAS, BLA_VENDOR left set so that xtensor-blas (which calls
#      find_dependency(BLAS) and find_dependency(LAPACK)) picks the same library.
include_guard(GLOBAL)

if(NOT DEFINED BLA_VENDOR AND NOT "${XTNN_BLAS_VENDOR}" STREQUAL "")
  set(BLA_VENDOR "${XTNN_BLAS_VENDOR}")
endif()
find_package(BLAS REQUIRED)
message(STATUS "xtnn: BLAS (vendor '${BLA_VENDOR}'): ${BLAS_LIBRARIES}")

include(CheckCXXSourceCompiles)
include(CMakePushCheckState)
cmake_push_check_state(RESET)
set(CMAKE_REQUIRED_LIBRARIES BLAS::BLAS)
set(CMAKE_REQUIRED_QUIET ON)
string(MAKE_C_IDENTIFIER "XTNN_HAVE_CBLAS_${BLA_VENDOR}_${BLAS_LIBRARIES}" _xtnn_cblas_var)
check_cxx_source_compiles([[
#include <cblas.h>
int main() {
    float a = 1.0f, b = 2.0f, c = 0.0f;
    double da = 1.0, db = 2.0, dc = 0.0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0, &da, 1, &db, 1, 0.0, &dc, 1);
    return c == 2.0f && dc == 2.0 ? 0 : 1;
}
]] ${_xtnn_cblas_var})
cmake_pop_check_state()
if(NOT ${_xtnn_cblas_var})
  message(FATAL_ERROR
    "xtnn: the BLAS found (${BLAS_LIBRARIES}) does not provide cblas_sgemm/cblas_dgemm "
    "through <cblas.h>. Install libopenblas-dev (scripts/setup.sh) or set XTNN_BLAS_VENDOR "
    "to a vendor that ships CBLAS.")
endif()
unset(_xtnn_cblas_var)
