# ctest script (cmake -P): install the configured xtnn build tree into a private
# prefix, build tests/consumer against it with find_package(xtnn), run it.
#
# -D XTNN_BUILD_DIR=<configured xtnn build dir>   -D XTNN_CONSUMER_SOURCE_DIR=<tests/consumer>
# -D XTNN_WORK_DIR=<scratch dir, wiped>           [-D XTNN_GENERATOR=..] [-D XTNN_CXX_COMPILER=..]
# [-D XTNN_BUILD_TYPE=..] [-D XTNN_CONSUMER_WERROR=ON|OFF]
cmake_minimum_required(VERSION 3.21)

foreach(var XTNN_BUILD_DIR XTNN_CONSUMER_SOURCE_DIR XTNN_WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "XtnnConsumerTest: -D${var}=... is required")
  endif()
endforeach()
if(NOT XTNN_BUILD_TYPE)
  set(XTNN_BUILD_TYPE Release)
endif()

set(prefix "${XTNN_WORK_DIR}/prefix")
set(build "${XTNN_WORK_DIR}/build")
file(REMOVE_RECURSE "${XTNN_WORK_DIR}")
file(MAKE_DIRECTORY "${XTNN_WORK_DIR}")

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc COMMAND_ECHO STDOUT)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "XtnnConsumerTest: ${what} failed (exit ${rc})")
  endif()
endfunction()

run("install" "${CMAKE_COMMAND}" --install "${XTNN_BUILD_DIR}" --prefix "${prefix}"
    --config "${XTNN_BUILD_TYPE}")

set(configure_args -S "${XTNN_CONSUMER_SOURCE_DIR}" -B "${build}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_BUILD_TYPE=${XTNN_BUILD_TYPE}"
    "-DCONSUMER_WERROR=${XTNN_CONSUMER_WERROR}"
    # Only the installed package may satisfy find_package(xtnn).
    "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF")
if(XTNN_GENERATOR)
  list(APPEND configure_args -G "${XTNN_GENERATOR}")
endif()
if(XTNN_CXX_COMPILER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${XTNN_CXX_COMPILER}")
endif()
run("configure" "${CMAKE_COMMAND}" ${configure_args})

# The installed package, not the source tree, must have been used.
file(STRINGS "${build}/CMakeCache.txt" xtnn_dir REGEX "^xtnn_DIR:")
string(REGEX REPLACE "^xtnn_DIR:[A-Z]*=" "" xtnn_dir "${xtnn_dir}")
file(REAL_PATH "${prefix}" real_prefix)
file(REAL_PATH "${xtnn_dir}" real_xtnn_dir)
string(FIND "${real_xtnn_dir}" "${real_prefix}/" pos)
if(NOT pos EQUAL 0)
  message(FATAL_ERROR "XtnnConsumerTest: xtnn_DIR=${xtnn_dir} is not inside ${prefix}")
endif()

run("build" "${CMAKE_COMMAND}" --build "${build}" --config "${XTNN_BUILD_TYPE}")

foreach(name IN ITEMS xtnn_consumer xtnn_consumer_onnx)  # the second only with the onnx component
  set(consumer_exe "${build}/${name}")
  if(NOT EXISTS "${consumer_exe}")  # multi-config generators
    set(consumer_exe "${build}/${XTNN_BUILD_TYPE}/${name}")
  endif()
  if(EXISTS "${consumer_exe}" OR name STREQUAL "xtnn_consumer")
    run("run ${name}" "${consumer_exe}")
  endif()
endforeach()
message(STATUS "XtnnConsumerTest: find_package(xtnn) from ${xtnn_dir}: OK")
