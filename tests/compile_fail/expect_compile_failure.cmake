# Runs by ctest: compiles SOURCE twice with CXX. With -DXTNN_WELL_FORMED it must
# compile (so the failure below is the misuse, not a broken test); without, it
# must fail with a message matching EXPECT (the concept the misuse breaks).
# INCLUDES is a |-separated list of include directories.
string(REPLACE "|" ";" include_dirs "${INCLUDES}")
set(args -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror)
foreach(dir IN LISTS include_dirs)
  list(APPEND args "-I${dir}")
endforeach()

# LC_ALL=C: plain quotes in the compiler's messages, whatever the locale.
execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C ${CXX} ${args} -DXTNN_WELL_FORMED "${SOURCE}"
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the well-formed variant of ${SOURCE} does not compile:\n${output}")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C ${CXX} ${args} "${SOURCE}"
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but the misuse in it must be a compile error")
endif()
if(NOT output MATCHES "${EXPECT}")
  message(FATAL_ERROR "${SOURCE} failed to compile, but not with /${EXPECT}/:\n${output}")
endif()
