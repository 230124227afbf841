#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) in
# build-fuzz/ and runs each for a fixed time.
#
#   ./scripts/fuzz.sh               every target (npy npz csv checkpoint idx onnx_import), 45 s each
#   ./scripts/fuzz.sh npy csv       only these
#   XTNN_FUZZ_SECONDS=600 ./scripts/fuzz.sh
#
# Seeds come from xtnn's own writers (xtnn_make_seeds) on every run; corpora
# grow in build-fuzz/corpus/<target>. A crash, sanitizer report, input slower
# than 10 s, single allocation above 1 GiB or RSS above 2 GiB fails the run;
# the input is kept in build-fuzz/artifacts/<target>/ (replay:
# build-fuzz/fuzz_<target> <file>; then add it to tests/test_fuzz_regressions.cpp).
# Without a clang that links -fsanitize=fuzzer it says so and exits 0, or 1
# when XTNN_FUZZ_REQUIRED=1. (XTNN_SETUP_EXTRAS=fuzz ./scripts/setup.sh installs one.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${XTNN_FUZZ_SECONDS:-45}"
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(npy npz csv checkpoint idx onnx_import); fi
dir=build-fuzz

unavailable() {
  echo "fuzz: skipped: $*"
  if [[ "${XTNN_FUZZ_REQUIRED:-0}" != 0 ]]; then exit 1; fi
  exit 0
}

cxx="${XTNN_FUZZ_CXX:-}"
if [[ -z "$cxx" ]]; then
  for candidate in clang++-14 clang++; do
    if command -v "$candidate" >/dev/null; then cxx="$candidate"; break; fi
  done
fi
[[ -n "$cxx" ]] || unavailable "no clang++ found (install clang and libclang-rt-14-dev)"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$probe/probe.cpp"
if ! "$cxx" -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" 2>"$probe/log"; then
  unavailable "$cxx cannot link -fsanitize=fuzzer ($(head -n 1 "$probe/log")); install libclang-rt-14-dev"
fi

cmake -S tests/fuzz -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" --target xtnn_make_seeds \
  "${targets[@]/#/fuzz_}"
"$dir/xtnn_make_seeds" "$dir/corpus"

failed=()
for target in "${targets[@]}"; do
  mkdir -p "$dir/artifacts/$target" "$dir/logs"
  log="$dir/logs/$target.log"
  echo "=== fuzz: $target for ${seconds} s"
  if "$dir/fuzz_$target" "$dir/corpus/$target" -dict=tests/fuzz/tokens.dict \
      -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=1024 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/$target/" >"$log" 2>&1; then
    runs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$log")
    rss=$(awk '/^stat::peak_rss_mb/ {print $2}' "$log")
    echo "    $runs inputs, peak RSS $rss MB, $(find "$dir/corpus/$target" -type f | wc -l) corpus files"
  else
    tail -n 40 "$log"
    echo "=== fuzz: $target FAILED; input in $dir/artifacts/$target/, log $log"
    failed+=("$target")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "=== fuzz: failed: ${failed[*]}"
  exit 1
fi
echo "=== fuzz: ${#targets[@]} targets, ${seconds} s each, no findings"
