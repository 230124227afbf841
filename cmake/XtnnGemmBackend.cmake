# The kernel behind xtnn::gemm (include/xtnn/kernels/gemm.hpp), chosen at configure time.
#
# In:  XTNN_GEMM_BACKEND (cache): blas (default: CBLAS), eigen (Eigen's products,
#      compiled with the user's flags), libxsmm (JIT kernels for small products,
#      CBLAS for the rest), auto (per shape: libxsmm or Eigen; needs both).
#      Needs BLAS::BLAS (XtnnBlas.cmake) first.
# Out: XTNN_GEMM_BACKEND_DEFINITION  the macro gemm.hpp selects on (empty for blas)
#      XTNN_GEMM_BACKEND_LIBRARIES   what xtnn::xtnn links for it (Eigen3::Eigen, LIBXSMM::LIBXSMM)
#      XTNN_GEMM_AVAILABLE_BACKENDS  every backend this machine can build ("blas;eigen;libxsmm;auto"),
#                                    for the tests and benchmarks that compare them side by side
#      XTNN_GEMM_AVAILABLE_LIBRARIES the libraries of all of them
# A backend whose library is missing is a configure error that says what to install.
include_guard(GLOBAL)

include(XtnnCacheChoice)
xtnn_cache_choice(XTNN_GEMM_BACKEND "Kernel behind xtnn::gemm: blas, eigen, libxsmm or auto" blas blas eigen libxsmm auto)

find_package(Eigen3 3.3 CONFIG QUIET)
find_package(LIBXSMM QUIET)

set(XTNN_GEMM_AVAILABLE_BACKENDS blas)
set(XTNN_GEMM_AVAILABLE_LIBRARIES "")
if(TARGET Eigen3::Eigen)
  list(APPEND XTNN_GEMM_AVAILABLE_BACKENDS eigen)
  list(APPEND XTNN_GEMM_AVAILABLE_LIBRARIES Eigen3::Eigen)
endif()
if(TARGET LIBXSMM::LIBXSMM)
  list(APPEND XTNN_GEMM_AVAILABLE_BACKENDS libxsmm)
  list(APPEND XTNN_GEMM_AVAILABLE_LIBRARIES LIBXSMM::LIBXSMM)
endif()
if(TARGET Eigen3::Eigen AND TARGET LIBXSMM::LIBXSMM)
  list(APPEND XTNN_GEMM_AVAILABLE_BACKENDS auto)
endif()

set(XTNN_GEMM_BACKEND_DEFINITION "")
set(XTNN_GEMM_BACKEND_LIBRARIES "")
if(XTNN_GEMM_BACKEND STREQUAL "eigen")
  if(NOT TARGET Eigen3::Eigen)
    message(FATAL_ERROR "xtnn: XTNN_GEMM_BACKEND=eigen, but Eigen 3.3 or newer was not found "
      "(install libeigen3-dev, or point Eigen3_DIR at its Eigen3Config.cmake)")
  endif()
  set(XTNN_GEMM_BACKEND_DEFINITION XTNN_GEMM_BACKEND_EIGEN)
  set(XTNN_GEMM_BACKEND_LIBRARIES Eigen3::Eigen)
elseif(XTNN_GEMM_BACKEND STREQUAL "libxsmm")
  if(NOT TARGET LIBXSMM::LIBXSMM)
    message(FATAL_ERROR "xtnn: XTNN_GEMM_BACKEND=libxsmm, but libxsmm was not found "
      "(install libxsmm-dev, or set LIBXSMM_INCLUDE_DIR and LIBXSMM_LIBRARY)")
  endif()
  set(XTNN_GEMM_BACKEND_DEFINITION XTNN_GEMM_BACKEND_LIBXSMM)
  set(XTNN_GEMM_BACKEND_LIBRARIES LIBXSMM::LIBXSMM)
elseif(XTNN_GEMM_BACKEND STREQUAL "auto")
  if(NOT TARGET Eigen3::Eigen OR NOT TARGET LIBXSMM::LIBXSMM)
    message(FATAL_ERROR "xtnn: XTNN_GEMM_BACKEND=auto needs both Eigen 3.3+ and libxsmm "
      "(install libeigen3-dev and libxsmm-dev); found here: ${XTNN_GEMM_AVAILABLE_BACKENDS}")
  endif()
  set(XTNN_GEMM_BACKEND_DEFINITION XTNN_GEMM_BACKEND_AUTO)
  set(XTNN_GEMM_BACKEND_LIBRARIES Eigen3::Eigen LIBXSMM::LIBXSMM)
endif()
message(STATUS "xtnn: gemm backend '${XTNN_GEMM_BACKEND}' (available here: ${XTNN_GEMM_AVAILABLE_BACKENDS})")
