# ctest check of reproduce_paper_mpi: the smoke study of reproduce_paper_smoke.cmake (which
# checks that each output parses), run once by the serial program and once under mpirun by
# the MPI program, must give the same results.csv (but for the seconds column: wall time)
# and figure.dat, with only rank 0 printing. When DATA holds the real Kryptonite-9 set and
# its hidden set, a one-epoch study on it must also give the same hidden-set labels.
#   cmake -DSERIAL=<reproduce_paper> -DMPI_PROGRAM=<reproduce_paper_mpi> -DLAUNCHER=<mpiexec;flags...>
#         -DOUT=<dir> -DGNUPLOT=<gnuplot or ...-NOTFOUND> -DDATA=<Kryptonite-n dir> -P this file
set(dir "${OUT}")
set(mpi_launcher "${LAUNCHER}")

function(expect_same_results serial mpi)
  foreach(side serial mpi)
    file(STRINGS "${${side}}/results.csv" ${side}_rows)
    list(TRANSFORM ${side}_rows REPLACE ",[^,]*$" "")
  endforeach()
  if(NOT serial_rows STREQUAL mpi_rows)
    string(REPLACE ";" "\n" serial_rows "${serial_rows}")
    string(REPLACE ";" "\n" mpi_rows "${mpi_rows}")
    message(FATAL_ERROR "results.csv differs:\nserial\n${serial_rows}\nMPI\n${mpi_rows}")
  endif()
  foreach(name IN LISTS ARGN)
    file(SHA256 "${serial}/${name}" serial_hash)
    file(SHA256 "${mpi}/${name}" mpi_hash)
    if(NOT serial_hash STREQUAL mpi_hash)
      message(FATAL_ERROR "${name} differs between ${serial} and ${mpi}")
    endif()
  endforeach()
endfunction()

set(PROGRAM "${SERIAL}")
set(LAUNCHER "")
set(OUT "${dir}/serial")
include("${CMAKE_CURRENT_LIST_DIR}/reproduce_paper_smoke.cmake")
set(PROGRAM "${MPI_PROGRAM}")
set(LAUNCHER "${mpi_launcher}")
set(OUT "${dir}/mpi")
include("${CMAKE_CURRENT_LIST_DIR}/reproduce_paper_smoke.cmake")
# `output`: what the MPI job printed (the smoke script captured it).
string(REGEX MATCHALL "n=9: generated" data_lines "${output}")
list(LENGTH data_lines count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected rank 0 alone to print, found ${count} data-set lines:\n${output}")
endif()
expect_same_results("${dir}/serial" "${dir}/mpi" figure.dat)

if(EXISTS "${DATA}/kryptonite-9-X.npy" AND EXISTS "${DATA}/hidden-kryptonite-9-X.npy")
  set(serial_command "${SERIAL}")
  set(mpi_command ${mpi_launcher} "${MPI_PROGRAM}")
  foreach(side serial mpi)
    file(REMOVE_RECURSE "${dir}/real-${side}")
    execute_process(
      COMMAND ${${side}_command} --data "${DATA}" --quick --n 9 --epochs 1 --jobs 2 --out "${dir}/real-${side}"
      RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
    if(NOT status EQUAL 0)
      message(FATAL_ERROR "${side} study on ${DATA} failed (${status}):\n${output}\n${errors}")
    endif()
  endforeach()
  expect_same_results("${dir}/real-serial" "${dir}/real-mpi" hidden-kryptonite-9-y.npy)
else()
  message(STATUS "no Kryptonite-9 set in '${DATA}': hidden-set labels not compared")
endif()
