#!/usr/bin/env bash
# Builds and runs every test: unit tests (tests/test_*.cpp), the documentation
# snippets, the installed-package consumer check, and (Release build) the MPI
# tests under mpirun with 2 ranks; then (Release) the oneDNN Conv2D backend in a
# small second build, build-onednn/: only its tests and the package consumer.
#
#   ./scripts/test.sh              Release build in build/ (warnings are errors)
#   ./scripts/test.sh --sanitize   ASan+UBSan build (-Og -g1) in build-asan/, no examples
#                                  (same as XTNN_TEST_SANITIZE=1 ./scripts/test.sh)
# Extra arguments after `--` go to ctest, e.g. ./scripts/test.sh -- -R sanity
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sanitize="${XTNN_TEST_SANITIZE:-0}"
ctest_args=()
while (($#)); do
  case "$1" in
    --sanitize) sanitize=1 ;;
    --) shift; ctest_args+=("$@"); break ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

./scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
extra=()
# Data elsewhere than ../shared/data/kryptonite: XTNN_KRYPTONITE_DIR=/path ./scripts/test.sh
if [[ -n "${XTNN_KRYPTONITE_DIR:-}" ]]; then extra+=(-DXTNN_KRYPTONITE_DIR="$XTNN_KRYPTONITE_DIR"); fi
if [[ "$sanitize" != 0 ]]; then
  dir=build-asan
  # -Og -g1, not -O1 -g: with UBSan, GCC 12 needs ~5x the CPU time for -O1 -g on
  # xtensor-heavy test files (100 s vs 20 s for test_compose.cpp); -g1 still gives
  # file:line in sanitizer stack traces. The tests reuse one precompiled <xtnn/xtnn.hpp>
  # here (about 2 s of parsing less per test): the Release build, without it, is the
  # one that catches a missing #include.
  cmake -S . -B "$dir" \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-Og -g1" -DXTNN_PRECOMPILED_HEADER=ON \
    -DXTNN_SANITIZE=ON -DXTNN_WERROR=ON -DXTNN_BUILD_TESTS=ON -DXTNN_BUILD_EXAMPLES=OFF -DXTNN_WITH_ONNX=ON "${extra[@]}"
else
  dir=build
  cmake -S . -B "$dir" \
    -DCMAKE_BUILD_TYPE=Release -DXTNN_SANITIZE=OFF \
    -DXTNN_WERROR=ON -DXTNN_BUILD_TESTS=ON -DXTNN_BUILD_EXAMPLES=ON -DXTNN_WITH_MPI=ON -DXTNN_WITH_ONNX=ON "${extra[@]}"
fi

cmake --build "$dir" -j"$jobs"
ctest --test-dir "$dir" --output-on-failure -j"$jobs" "${ctest_args[@]}"

# XTNN_CONV_BACKEND=onednn and XTNN_INFERENCE_BACKEND=onednn: rebuilding every test
# with them would double the Release build's ~10 minutes; their own tests (tests/onednn:
# oneDNN against im2col and against module-by-module evaluation, gradients, Adam
# steps, heap use) and the installed-package consumer take about a minute.
if [[ "$sanitize" == 0 ]]; then
  cmake -S . -B build-onednn \
    -DCMAKE_BUILD_TYPE=Release -DXTNN_SANITIZE=OFF -DXTNN_WERROR=ON -DXTNN_BUILD_TESTS=ON \
    -DXTNN_BUILD_EXAMPLES=OFF -DXTNN_CHECK_STANDALONE_HEADERS=OFF -DXTNN_CONV_BACKEND=onednn \
    -DXTNN_INFERENCE_BACKEND=onednn "${extra[@]}"
  cmake --build build-onednn -j"$jobs" --target xtnn_onednn_tests
  ctest --test-dir build-onednn --output-on-failure -j"$jobs" -R 'xtnn_onednn_|xtnn_package_consumer' "${ctest_args[@]}"
fi
