# cmake -DXTNN_WORK_DIR=<scratch dir> -P XtnnCheckLayeringSelfTest.cmake
#
# Shows that XtnnCheckLayering.cmake can fail: it must reject a generated tree
# with upward includes (quoted and <xtnn/...>, and a folder outside the order)
# naming file, include and both layers, and must accept the same tree with
# only downward and same-folder includes.
cmake_minimum_required(VERSION 3.21)
set(_checker "${CMAKE_CURRENT_LIST_DIR}/XtnnCheckLayering.cmake")

function(_xtnn_write_tree root)
  file(REMOVE_RECURSE "${root}")
  file(WRITE "${root}/core/error.hpp" "#pragma once\n#include <string>\n")
  file(WRITE "${root}/core/tensor.hpp" "#pragma once\n#include \"error.hpp\"\n")
  file(WRITE "${root}/layers/dense.hpp"
    "#pragma once\n#include \"../core/tensor.hpp\"\n#  include <xtnn/core/error.hpp>\n")
  file(WRITE "${root}/train/fit.hpp" "#pragma once\n#include \"../layers/dense.hpp\"\n")
  file(WRITE "${root}/xtnn.hpp" "#pragma once\n#include \"train/fit.hpp\"\n")
endfunction()

function(_xtnn_run_checker root out_result out_text)
  execute_process(COMMAND "${CMAKE_COMMAND}" "-DXTNN_INCLUDE_DIR=${root}" -P "${_checker}"
    RESULT_VARIABLE _result OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  set(${out_result} "${_result}" PARENT_SCOPE)
  set(${out_text} "${_out}${_err}" PARENT_SCOPE)
endfunction()

set(_clean "${XTNN_WORK_DIR}/clean")
_xtnn_write_tree("${_clean}")
_xtnn_run_checker("${_clean}" _result _text)
if(NOT _result EQUAL 0)
  message(FATAL_ERROR "the checker rejected a tree without upward includes:\n${_text}")
endif()

set(_bad "${XTNN_WORK_DIR}/violations")
_xtnn_write_tree("${_bad}")
file(APPEND "${_bad}/layers/dense.hpp" "#include \"../train/fit.hpp\"\n")
file(APPEND "${_bad}/core/tensor.hpp" "#include <xtnn/layers/dense.hpp>\n")
file(WRITE "${_bad}/extras/thing.hpp" "#pragma once\n")
_xtnn_run_checker("${_bad}" _result _text)
if(_result EQUAL 0)
  message(FATAL_ERROR "the checker accepted a tree with upward includes:\n${_text}")
endif()
# The messages are wrapped by CMake: compare with the whitespace collapsed.
string(REGEX REPLACE "[ \t\r\n]+" " " _text "${_text}")
foreach(_expected IN ITEMS
    "3 offence(s) against the order core < kernels"
    "layers/dense.hpp (layer layers) includes \"../train/fit.hpp\" (layer train, above it)"
    "core/tensor.hpp (layer core) includes <xtnn/layers/dense.hpp> (layer layers, above it)"
    "extras/thing.hpp: folder 'extras' is not in the layer order")
  string(FIND "${_text}" "${_expected}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "the checker's report lacks '${_expected}':\n${_text}")
  endif()
endforeach()
foreach(_allowed IN ITEMS "train/fit.hpp (layer" "xtnn.hpp" "\"error.hpp\"")
  string(FIND "${_text}" "${_allowed}" _at)
  if(NOT _at EQUAL -1)
    message(FATAL_ERROR "the checker flagged an allowed include ('${_allowed}'):\n${_text}")
  endif()
endforeach()
message(STATUS "xtnn layering checker: rejects upward includes, accepts the rest")
