# Checks that every public header stands alone (docs/api.md promises it).
#
# xtnn_add_standalone_header_check(TARGET <name> INCLUDE_DIR <dir> LINK <targets>...
#                                  [MPI_LINK <targets>...] [ONNX_LINK <targets>...])
#
# For each header below <INCLUDE_DIR>/xtnn, writes a translation unit that
# includes it twice (the second time checks its include guard) and compiles all
# of them as one OBJECT library <name>, built with the tests. Headers of
# distributed/ and the umbrella distributed.hpp need MPI: they are checked with
# MPI_LINK, and skipped when it is empty; likewise onnx/ and onnx.hpp with ONNX_LINK. The header list is globbed with
# CONFIGURE_DEPENDS, so a new header is checked from the next build on.
include_guard(GLOBAL)

function(xtnn_add_standalone_header_check)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "TARGET;INCLUDE_DIR" "LINK;MPI_LINK;ONNX_LINK")
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE "${ARG_INCLUDE_DIR}"
       "${ARG_INCLUDE_DIR}/xtnn/*.hpp")
  list(SORT headers)
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}")
  set(sources "")
  set(mpi_sources "")
  set(onnx_sources "")
  foreach(header IN LISTS headers)
    string(REGEX REPLACE "[/.]" "_" stem "${header}")
    set(source "${out_dir}/${stem}.cpp")
    # file(CONFIGURE) rewrites only on change: reconfiguring rebuilds nothing.
    file(CONFIGURE OUTPUT "${source}"
         CONTENT "#include <${header}>\n#include <${header}>\n" @ONLY)
    if(header MATCHES "^xtnn/distributed(/|\\.hpp$)")
      list(APPEND mpi_sources "${source}")
    elseif(header MATCHES "^xtnn/onnx(/|\\.hpp$)")
      list(APPEND onnx_sources "${source}")
    else()
      list(APPEND sources "${source}")
    endif()
  endforeach()

  # Units of deleted or renamed headers would otherwise linger in the build tree.
  file(GLOB stale "${out_dir}/*.cpp")
  list(REMOVE_ITEM stale ${sources} ${mpi_sources} ${onnx_sources})
  if(stale)
    file(REMOVE ${stale})
  endif()

  add_library(${ARG_TARGET} OBJECT ${sources})
  target_link_libraries(${ARG_TARGET} PRIVATE ${ARG_LINK})
  if(ARG_MPI_LINK AND mpi_sources)
    add_library(${ARG_TARGET}_mpi OBJECT ${mpi_sources})
    target_link_libraries(${ARG_TARGET}_mpi PRIVATE ${ARG_LINK} ${ARG_MPI_LINK})
  endif()
  if(ARG_ONNX_LINK AND onnx_sources)
    add_library(${ARG_TARGET}_onnx OBJECT ${onnx_sources})
    target_link_libraries(${ARG_TARGET}_onnx PRIVATE ${ARG_LINK} ${ARG_ONNX_LINK})
  endif()
endfunction()
