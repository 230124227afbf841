# xtnn_cache_choice(<variable> <doc> <default> <choice>...): a cache string that may
# only hold one of the choices (cmake-gui offers them); anything else is a configure
# error that lists them.
include_guard(GLOBAL)

function(xtnn_cache_choice variable doc default)
  set(${variable} "${default}" CACHE STRING "${doc}")
  set(choices ${ARGN})
  set_property(CACHE ${variable} PROPERTY STRINGS ${choices})
  if(NOT "${${variable}}" IN_LIST choices)
    list(JOIN choices ", " listed)
    message(FATAL_ERROR "xtnn: ${variable}='${${variable}}' is not one of: ${listed}")
  endif()
endfunction()
