#!/usr/bin/env bash
# The main job: builds the example programs in build/ (Release) and runs the paper
# reproduction, build/examples/reproduce_paper, writing results/ (results.md, results.csv,
# figure.png).
#
#   ./scripts/run.sh           quick study: n = 9 and 12, seed 42, four learning rates (minutes)
#   ./scripts/run.sh --full    the whole study: every n, seeds 40/42/44 (see docs/reproduction.md)
#
# The real Kryptonite-n sets in ../shared/data/kryptonite are used when that folder exists
# (generated data otherwise). Other arguments go to reproduce_paper and win over these
# defaults, e.g. ./scripts/run.sh --full --out results-full --start-from-epoch 25
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

args=(--quick)
if [[ "${1:-}" == "--full" ]]; then
  args=()
  shift
fi
data=../shared/data/kryptonite
if [[ -d "$data" ]]; then args+=(--data "$data"); fi

./scripts/setup.sh

dir=build
if [[ -f "$dir/CMakeCache.txt" ]]; then
  # Reuse the existing build dir (and its test/werror settings); just make sure examples are on.
  cmake -S . -B "$dir" -DXTNN_BUILD_EXAMPLES=ON >/dev/null
else
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DXTNN_BUILD_EXAMPLES=ON -DXTNN_BUILD_TESTS=OFF
fi
cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" --target reproduce_paper

echo "run.sh: build/examples/reproduce_paper ${args[*]} $*"
exec "$dir/examples/reproduce_paper" "${args[@]}" "$@"
