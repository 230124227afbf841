# Optional precompiled <xtnn/xtnn.hpp> for the project's own tests and examples.
#
# xtnn_use_precompiled_header(<target>...)
#
# With XTNN_PRECOMPILED_HEADER=ON the umbrella header is parsed once, in the
# OBJECT library xtnn_pch, and every listed target reuses that PCH: about 2 s of
# parsing saved per translation unit (docs/benchmarks.md, "Compile time").
# Off by default, because a PCH is force-included first and would hide a test's
# or example's missing #include; CI's Release build goes without it (its
# sanitizer build, run for memory errors, uses it). Only targets compiled with
# exactly xtnn_pch's flags and definitions may reuse it (GCC rejects a PCH built
# with other macros, and -Winvalid-pch is an error under XTNN_WERROR): the unit
# tests and the serial examples. Doc snippets and the standalone-header check
# never use it, since they exist to compile user-facing code as written.
include_guard(GLOBAL)

option(XTNN_PRECOMPILED_HEADER
  "Precompile <xtnn/xtnn.hpp> once for the project's tests and serial examples" OFF)

if(XTNN_PRECOMPILED_HEADER)
  set(_xtnn_pch_source "${PROJECT_BINARY_DIR}/xtnn_pch.cpp")
  file(CONFIGURE OUTPUT "${_xtnn_pch_source}" CONTENT "// xtnn_pch: owns the precompiled <xtnn/xtnn.hpp>\n")
  add_library(xtnn_pch OBJECT "${_xtnn_pch_source}")
  target_link_libraries(xtnn_pch PRIVATE xtnn::xtnn xtnn_project_options)
  target_precompile_headers(xtnn_pch PRIVATE <xtnn/xtnn.hpp>)
endif()

function(xtnn_use_precompiled_header)
  if(XTNN_PRECOMPILED_HEADER)
    foreach(target IN LISTS ARGN)
      target_precompile_headers(${target} REUSE_FROM xtnn_pch)
    endforeach()
  endif()
endfunction()
