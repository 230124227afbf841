#!/usr/bin/env bash
# ctest xtnn_example_onnx_serve: train_and_export, then serve.js on the same rows;
# onnxruntime's outputs must match xtnn's within 1e-5. Exit 77 (skipped) without
# node or onnxruntime-node.
#   serve_matches.sh <train_and_export> <node> <node_modules> <serve.js> <dir>
set -euo pipefail
train_and_export="$1" node="$2" node_modules="$3" serve="$4" dir="$5"
if [[ ! -x "$node" || ! -d "$node_modules/onnxruntime-node" ]]; then
  echo "skipped: needs node and onnxruntime-node in $node_modules (scripts/setup.sh installs it)"
  exit 77
fi
"$train_and_export" "$dir"
NODE_PATH="$node_modules" "$node" "$serve" "$dir/model.onnx" "$dir/samples.json" | tee "$dir/served.txt"
paste -d' ' "$dir/expected.txt" "$dir/served.txt" | awk '
  { d = $1 - $2; if (d < 0) d = -d; if (d > 1e-5) { print "row " NR ": xtnn " $1 ", onnxruntime " $2; bad = 1 } }
  END { if (NR != 5 || bad) exit 1; print "onnxruntime matches xtnn on " NR " rows" }'
