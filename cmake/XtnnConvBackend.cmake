# The kernels oneDNN may take over, chosen at configure time.
#
# In:  XTNN_CONV_BACKEND (cache): im2col (default: im2col + xtnn::gemm per image, no
#      extra dependency), onednn (oneDNN's convolutions for Conv2D<float>, from
#      Debian's libdnnl-dev; Conv2D<double> stays on im2col)
#      (include/xtnn/layers/conv2d_backend.hpp).
#      XTNN_INFERENCE_BACKEND (cache): gemm (default: Dense layers evaluate through
#      xtnn::gemm and xtnn's passes), onednn (a Sequential<float> of Dense layers,
#      activations, BatchNorm and Dropout evaluates as oneDNN matmuls with the bias and
#      activation fused; training is unchanged) (include/xtnn/compose/dense_chain.hpp).
# Out: XTNN_ONEDNN_DEFINITIONS  the macros the headers select on (empty for the defaults)
#      XTNN_ONEDNN_LIBRARIES    what xtnn::xtnn links for them (DNNL::dnnl)
#      XTNN_ONEDNN_FOUND        oneDNN is installed (tests and benchmarks comparing both paths)
# A backend whose library is missing is a configure error that says what to install.
include_guard(GLOBAL)

include(XtnnCacheChoice)
xtnn_cache_choice(XTNN_CONV_BACKEND "Kernel behind Conv2D: im2col or onednn" im2col im2col onednn)
xtnn_cache_choice(XTNN_INFERENCE_BACKEND
  "What evaluates chains of Dense layers: gemm or onednn (fused bias and activation)" gemm gemm onednn)

find_package(dnnl 2.6 CONFIG QUIET)
set(XTNN_ONEDNN_FOUND OFF)
if(TARGET DNNL::dnnl)
  set(XTNN_ONEDNN_FOUND ON)
endif()

set(XTNN_ONEDNN_DEFINITIONS "")
set(XTNN_ONEDNN_LIBRARIES "")
foreach(kind CONV INFERENCE)
  if(XTNN_${kind}_BACKEND STREQUAL "onednn")
    if(NOT XTNN_ONEDNN_FOUND)
      message(FATAL_ERROR "xtnn: XTNN_${kind}_BACKEND=onednn, but oneDNN 2.6 or newer was not found "
        "(install libdnnl-dev, or point dnnl_DIR at its dnnl-config.cmake)")
    endif()
    list(APPEND XTNN_ONEDNN_DEFINITIONS XTNN_${kind}_BACKEND_ONEDNN)
    set(XTNN_ONEDNN_LIBRARIES DNNL::dnnl)
  endif()
endforeach()
message(STATUS "xtnn: conv backend '${XTNN_CONV_BACKEND}', inference backend '${XTNN_INFERENCE_BACKEND}' "
  "(oneDNN found: ${XTNN_ONEDNN_FOUND})")
