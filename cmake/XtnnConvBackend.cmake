# The kernel behind Conv2D (include/xtnn/layers/conv2d_backend.hpp), chosen at configure time.
#
# In:  XTNN_CONV_BACKEND (cache): im2col (default: im2col + xtnn::gemm per image, no
#      extra dependency), onednn (oneDNN's convolutions for Conv2D<float>, from
#      Debian's libdnnl-dev; Conv2D<double> stays on im2col).
# Out: XTNN_CONV_BACKEND_DEFINITION  the macro conv2d_backend.hpp selects on (empty for im2col)
#      XTNN_CONV_BACKEND_LIBRARIES   what xtnn::xtnn links for it (DNNL::dnnl)
#      XTNN_ONEDNN_FOUND             oneDNN is installed (tests and benchmarks comparing both paths)
# A backend whose library is missing is a configure error that says what to install.
include_guard(GLOBAL)

include(XtnnCacheChoice)
xtnn_cache_choice(XTNN_CONV_BACKEND "Kernel behind Conv2D: im2col or onednn" im2col im2col onednn)

find_package(dnnl 2.6 CONFIG QUIET)
set(XTNN_ONEDNN_FOUND OFF)
if(TARGET DNNL::dnnl)
  set(XTNN_ONEDNN_FOUND ON)
endif()

set(XTNN_CONV_BACKEND_DEFINITION "")
set(XTNN_CONV_BACKEND_LIBRARIES "")
if(XTNN_CONV_BACKEND STREQUAL "onednn")
  if(NOT XTNN_ONEDNN_FOUND)
    message(FATAL_ERROR "xtnn: XTNN_CONV_BACKEND=onednn, but oneDNN 2.6 or newer was not found "
      "(install libdnnl-dev, or point dnnl_DIR at its dnnl-config.cmake)")
  endif()
  set(XTNN_CONV_BACKEND_DEFINITION XTNN_CONV_BACKEND_ONEDNN)
  set(XTNN_CONV_BACKEND_LIBRARIES DNNL::dnnl)
endif()
message(STATUS "xtnn: conv backend '${XTNN_CONV_BACKEND}' (oneDNN found: ${XTNN_ONEDNN_FOUND})")
