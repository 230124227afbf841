#!/usr/bin/env bash
# xtnn against the C++ peers that Debian packages (dlib, tiny-dnn) and a
# hand-written Eigen MLP, on the same models, data and batches
# (benchmarks/peers/). Builds the peer programs twice, with the compiler's
# default flags (build-peers/default) and with -march=native
# (build-peers/native), then runs them side by side, pinned to one core with
# one BLAS thread, and prints medians and each peer's ratio to xtnn.
#
#   ./scripts/bench_peers.sh                 5 rounds of 0.5 s per program and build
#   ./scripts/bench_peers.sh --quick         1 round, shorter runs
#   ./scripts/bench_peers.sh --rounds N      N rounds
#
# The environment is passed on: OPENBLAS_CORETYPE=SkylakeX ./scripts/bench_peers.sh
# runs every OpenBLAS user (xtnn, dlib, Eigen on OpenBLAS) on those kernels.
# The peers' packages: XTNN_SETUP_EXTRAS=bench ./scripts/setup.sh; a missing one is skipped.
# Results: build-peers/results/<date>-<time>/peers.{md,json}.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rounds=5 min_time=0.5
while (($#)); do
  case "$1" in
    --quick) rounds=1 min_time=0.1 ;;
    --rounds) rounds="$2"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench_peers.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

builds=()
for config in default:'' native:native; do
  name="${config%%:*}" arch="${config#*:}"
  dir="build-peers/$name"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DXTNN_BUILD_BENCHMARKS=ON -DXTNN_BENCH_PEERS=ON \
    -DXTNN_BUILD_TESTS=OFF -DXTNN_BUILD_EXAMPLES=OFF -DXTNN_WERROR=ON -DXTNN_BENCH_ARCH="$arch" \
    -DXTNN_BENCH_BACKENDS=openblas-pthread >/dev/null
  cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" --target bench_peers
  builds+=(--build "$name=$dir")
done

out="build-peers/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
echo "bench_peers.sh: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 benchmarks/peers/compare.py "${builds[@]}" --rounds "$rounds" --min-time "$min_time" \
  --json "$out/peers.json" | tee "$out/peers.md"
echo "bench_peers.sh: load at the end: $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
