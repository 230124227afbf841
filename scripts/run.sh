#!/usr/bin/env bash
# The main job: builds the example programs in build/ (Release) and runs the paper
# reproduction, `reproduce_paper --quick`, or, while that program does not exist yet,
# `wdnn --n 9`. Arguments are passed on to the program.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup.sh

if [[ -f examples/reproduce_paper.cpp ]]; then
  target=reproduce_paper; args=(--quick)
elif [[ -f examples/wdnn.cpp ]]; then
  target=wdnn; args=(--n 9)
else
  echo "run.sh: neither examples/reproduce_paper.cpp nor examples/wdnn.cpp exists yet;" >&2
  echo "run.sh: nothing to run (the example programs are still being written)." >&2
  exit 1
fi

dir=build
if [[ -f "$dir/CMakeCache.txt" ]]; then
  # Reuse the existing build dir (and its test/werror settings); just make sure examples are on.
  cmake -S . -B "$dir" -DXTNN_BUILD_EXAMPLES=ON >/dev/null
else
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DXTNN_BUILD_EXAMPLES=ON -DXTNN_BUILD_TESTS=OFF
fi
cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" --target "$target"

echo "run.sh: build/examples/$target ${args[*]} $*"
exec "$dir/examples/$target" "${args[@]}" "$@"
