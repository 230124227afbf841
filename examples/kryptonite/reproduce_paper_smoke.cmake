# ctest smoke test of reproduce_paper: a --quick study on small generated data
# (600 rows, 3 epochs), then checks that results.csv, results.md and figure.png
# exist and parse. Not a timing, and not a check of any accuracy.
#   cmake -DPROGRAM=<reproduce_paper> -DOUT=<dir> -DGNUPLOT=<gnuplot or ...-NOTFOUND> -P this file
# LAUNCHER (a list, e.g. mpiexec and its flags) runs PROGRAM under it; reproduce_paper_mpi.cmake
# includes this file with it set.
file(REMOVE_RECURSE "${OUT}")
execute_process(
  COMMAND ${LAUNCHER} "${PROGRAM}" --quick --n 9 --rows 600 --epochs 3 --jobs 2 --out "${OUT}"
  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "reproduce_paper failed (${status}):\n${output}\n${errors}")
endif()

# results.csv: the header, then one row per model x learning rate (one seed in --quick).
file(STRINGS "${OUT}/results.csv" lines)
list(POP_FRONT lines header)
if(NOT header STREQUAL "model,n,data,lr,seed,train_accuracy,val_accuracy,test_accuracy,epochs,best_epoch,stop,seconds")
  message(FATAL_ERROR "results.csv: unexpected header '${header}'")
endif()
list(LENGTH lines rows)
if(NOT rows EQUAL 8)
  message(FATAL_ERROR "results.csv: expected 8 runs (2 models x 4 learning rates), found ${rows}")
endif()
foreach(line IN LISTS lines)
  string(REGEX REPLACE "\"[^\"]*\"" "quoted" line "${line}")  # "generated, seed 42" is one field
  string(REPLACE "," ";" fields "${line}")
  list(LENGTH fields count)
  if(NOT count EQUAL 12)
    message(FATAL_ERROR "results.csv: expected 12 fields, got ${count} in '${line}'")
  endif()
  list(GET fields 0 model)
  list(SUBLIST fields 5 3 accuracies)
  if(NOT model MATCHES "^(fcnn|wdnn)$")
    message(FATAL_ERROR "results.csv: unknown model '${model}'")
  endif()
  foreach(a IN LISTS accuracies)
    if(NOT a MATCHES "^[01]\\.[0-9]+$" OR a GREATER 1)
      message(FATAL_ERROR "results.csv: '${a}' is not an accuracy in '${line}'")
    endif()
  endforeach()
endforeach()

# results.md: the main table with both models, the claims, the learning-rate table.
file(READ "${OUT}/results.md" md)
foreach(expected "## Test accuracy per n" "| 9 | generated, seed 42 |" "| FCNN |" "| WDNN |" "## The paper's claims"
                 "## Appendix A" "| 0.0001 |")
  string(FIND "${md}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "results.md: '${expected}' is missing:\n${md}")
  endif()
endforeach()

if(GNUPLOT)
  file(READ "${OUT}/figure.png" signature LIMIT 8 HEX)
  if(NOT signature STREQUAL "89504e470d0a1a0a")
    message(FATAL_ERROR "figure.png is not a PNG (starts with ${signature})")
  endif()
else()
  message(STATUS "gnuplot not found: figure.png not checked")
endif()
