# Compiles and runs the C++ examples of the documentation.
#
# Every fenced block opened by a line that is exactly ```cpp (leading spaces and
# trailing blanks allowed) in the given Markdown files is a complete program
# (it has a main). At configure time each block is written to
#   <OUTPUT_DIR>/<file>_<k>.cpp       (<file>: path below the repo root with
#                                      / and . turned into _, no .md; k from 1)
# starting with a #line directive so that compiler errors point into the .md
# file. Each becomes an executable `xtnn_doc_<file>_<k>` and a ctest of the same
# name (working directory: the build dir). Blocks opened with ```cpp-fragment,
# ```c++, ```text, ... are not compiled. Editing or adding a Markdown file
# re-runs CMake on the next build, so the snippets never go stale.
#
# xtnn_add_doc_snippets(OUTPUT_DIR <dir> [FILES <md>...] [GLOB <pattern>...]
#                       [LINK <targets>...] [TIMEOUT <s>] [ENVIRONMENT <VAR=v>...])
include_guard(GLOBAL)

function(_xtnn_write_if_different path content)
  if(EXISTS "${path}")
    file(READ "${path}" old)
    if(old STREQUAL content)
      return()
    endif()
  endif()
  file(WRITE "${path}" "${content}")
endfunction()

function(xtnn_add_doc_snippets)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "OUTPUT_DIR;TIMEOUT" "FILES;GLOB;LINK;ENVIRONMENT")
  if(NOT ARG_OUTPUT_DIR)
    message(FATAL_ERROR "xtnn_add_doc_snippets: OUTPUT_DIR is required")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()

  set(md_files "")
  foreach(f IN LISTS ARG_FILES)
    # Watch listed files even when they do not exist yet is impossible; watch the
    # existing ones, and the directory glob below catches new docs/*.md files.
    if(EXISTS "${f}")
      list(APPEND md_files "${f}")
    endif()
  endforeach()
  if(ARG_GLOB)
    file(GLOB globbed CONFIGURE_DEPENDS ${ARG_GLOB})
    list(SORT globbed)
    list(APPEND md_files ${globbed})
  endif()
  list(REMOVE_DUPLICATES md_files)

  file(MAKE_DIRECTORY "${ARG_OUTPUT_DIR}")
  # Characters that CMake lists would mangle are swapped for control characters
  # while a file is split into lines, and restored when a block is written.
  string(ASCII 1 semi_token)
  string(ASCII 2 lbracket_token)
  string(ASCII 3 rbracket_token)

  set(written "")
  foreach(md IN LISTS md_files)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${md}")
    file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${md}")
    string(REGEX REPLACE "\\.md$" "" stem "${rel}")
    string(MAKE_C_IDENTIFIER "${stem}" stem)

    file(READ "${md}" text)
    string(REPLACE "\r" "" text "${text}")
    string(REPLACE ";" "${semi_token}" text "${text}")
    string(REPLACE "[" "${lbracket_token}" text "${text}")
    string(REPLACE "]" "${rbracket_token}" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")

    set(in_block OFF)
    set(in_other_fence OFF)
    set(k 0)
    set(lineno 0)
    foreach(line IN LISTS lines)
      math(EXPR lineno "${lineno} + 1")
      if(in_block)
        if(line MATCHES "^[ \t]*```[ \t]*$")
          set(in_block OFF)
          string(REPLACE "${semi_token}" ";" block "${block}")
          string(REPLACE "${lbracket_token}" "[" block "${block}")
          string(REPLACE "${rbracket_token}" "]" block "${block}")
          if(NOT block MATCHES "(^|[^A-Za-z0-9_])main[ \t]*\\(")
            message(SEND_ERROR
              "${rel}:${block_line}: a ```cpp block must be a complete program with main(); "
              "mark partial code ```cpp-fragment instead.")
          endif()
          set(out "${ARG_OUTPUT_DIR}/${stem}_${k}.cpp")
          _xtnn_write_if_different("${out}" "${block}")
          list(APPEND written "${out}")

          set(target "xtnn_doc_${stem}_${k}")
          add_executable(${target} "${out}")
          target_link_libraries(${target} PRIVATE ${ARG_LINK})
          set_target_properties(${target} PROPERTIES
            RUNTIME_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}/bin")
          add_test(NAME ${target} COMMAND ${target} WORKING_DIRECTORY "${PROJECT_BINARY_DIR}")
          set_tests_properties(${target} PROPERTIES
            TIMEOUT ${ARG_TIMEOUT} LABELS "docs" ENVIRONMENT "${ARG_ENVIRONMENT}")
        else()
          string(APPEND block "${line}\n")
        endif()
      elseif(in_other_fence)
        if(line MATCHES "^[ \t]*```[ \t]*$")
          set(in_other_fence OFF)
        endif()
      elseif(line MATCHES "^[ \t]*```cpp[ \t]*$")
        set(in_block ON)
        math(EXPR k "${k} + 1")
        math(EXPR block_line "${lineno} + 1")
        set(block "#line ${block_line} \"${md}\"\n")
      elseif(line MATCHES "^[ \t]*```")
        set(in_other_fence ON)
      endif()
    endforeach()
    if(in_block)
      message(SEND_ERROR "${rel}: unterminated ```cpp block (opened at line ${block_line})")
    endif()
  endforeach()

  # Drop snippets of blocks that no longer exist.
  file(GLOB existing "${ARG_OUTPUT_DIR}/*.cpp")
  foreach(f IN LISTS existing)
    if(NOT f IN_LIST written)
      file(REMOVE "${f}")
    endif()
  endforeach()
  list(LENGTH written n)
  message(STATUS "xtnn: ${n} documentation snippet(s) compiled as tests")
endfunction()
