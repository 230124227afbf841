# Finds libxsmm (Debian libxsmm-dev: /usr/include/libxsmm.h, /usr/lib/libxsmm.a).
# Installed with xtnn's package config, so find_package(xtnn) finds it the same way.
#
# Out: LIBXSMM_FOUND, LIBXSMM_INCLUDE_DIR, LIBXSMM_LIBRARY, LIBXSMM_VERSION and the
#      imported target LIBXSMM::LIBXSMM. libxsmm calls the BLAS for the products it
#      does not generate code for, so the target links BLAS::BLAS after it.
find_path(LIBXSMM_INCLUDE_DIR libxsmm.h)
find_library(LIBXSMM_LIBRARY NAMES xsmm)
if(LIBXSMM_INCLUDE_DIR AND EXISTS "${LIBXSMM_INCLUDE_DIR}/libxsmm_version.h")
  file(STRINGS "${LIBXSMM_INCLUDE_DIR}/libxsmm_version.h" _libxsmm_version
       REGEX "^#define LIBXSMM_CONFIG_VERSION \"[^\"]*\"")
  string(REGEX REPLACE ".*\"([0-9.]+).*" "\\1" LIBXSMM_VERSION "${_libxsmm_version}")
  unset(_libxsmm_version)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LIBXSMM
  REQUIRED_VARS LIBXSMM_LIBRARY LIBXSMM_INCLUDE_DIR
  VERSION_VAR LIBXSMM_VERSION)
mark_as_advanced(LIBXSMM_INCLUDE_DIR LIBXSMM_LIBRARY)

if(LIBXSMM_FOUND AND NOT TARGET LIBXSMM::LIBXSMM)
  if(NOT TARGET BLAS::BLAS)
    find_package(BLAS REQUIRED)
  endif()
  find_package(Threads REQUIRED)
  add_library(LIBXSMM::LIBXSMM UNKNOWN IMPORTED)
  set_target_properties(LIBXSMM::LIBXSMM PROPERTIES
    IMPORTED_LOCATION "${LIBXSMM_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBXSMM_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "BLAS::BLAS;Threads::Threads;${CMAKE_DL_LIBS};rt;m")
endif()
