#!/usr/bin/env bash
# Installs whatever of xtnn's build and test dependencies is missing (Debian 12).
# Idempotent: a machine that has everything runs no apt-get at all.
set -euo pipefail

packages=(
  cmake g++ make
  libxtensor-dev libxtensor-blas-dev xtl-dev libxsimd-dev
  libopenblas-dev doctest-dev libbenchmark-dev
  libeigen3-dev libxsmm-dev   # the eigen/libxsmm/auto gemm backends (tests/test_gemm_backends.cpp)
  libdnnl-dev   # the oneDNN Conv2D backend (XTNN_CONV_BACKEND=onednn, tests/onednn)
  gnuplot-nox
  libopenmpi-dev openmpi-bin
  zlib1g-dev dataset-fashion-mnist
  python3-torch python3-numpy   # tests/test_pytorch_parity.cpp: PyTorch autograd as the reference
  python3-sklearn   # tests/test_preprocessing.cpp: scikit-learn as the preprocessing reference
  libonnx-dev libprotobuf-dev python3-onnx   # the xtnn::onnx component and its tests
)
if [[ "${XTNN_SETUP_EXTRAS:-}" == *fuzz* ]]; then packages+=(clang libclang-rt-14-dev); fi
# scripts/bench.sh: the other BLAS backends it compares, and PyTorch for the side-by-side run;
# scripts/bench_peers.sh: the C++ peers (dlib, tiny-dnn with the stb and cereal headers it needs, Eigen).
if [[ "${XTNN_SETUP_EXTRAS:-}" == *bench* ]]; then
  packages+=(libopenblas0-openmp libopenblas0-serial libblis4-pthread libatlas3-base)
  packages+=(libdlib-dev tiny-dnn libstb-dev libcereal-dev libeigen3-dev)
fi

# tests/onnx and examples/onnx run xtnn's ONNX exports in onnxruntime, from npm (below).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all Debian packages present"
else
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# onnxruntime-node, once, outside the source tree (CMake's XTNN_ONNXRUNTIME_NODE_MODULES
# points there). --ignore-scripts: its install script fetches extra execution
# providers from a host that may be unreachable; the CPU binaries ship in the package.
onnxruntime_version=1.22.0
onnxruntime_dir="${XTNN_ONNXRUNTIME_DIR:-$HOME/.cache/xtnn/onnxruntime}"
onnxruntime_package="$onnxruntime_dir/node_modules/onnxruntime-node/package.json"
if ! grep -q "\"version\": \"$onnxruntime_version\"" "$onnxruntime_package" 2>/dev/null; then
  echo "setup: installing onnxruntime-node $onnxruntime_version into $onnxruntime_dir"
  mkdir -p "$onnxruntime_dir"
  npm install --prefix "$onnxruntime_dir" --ignore-scripts --no-save --no-audit --no-fund \
    "onnxruntime-node@$onnxruntime_version" >/dev/null ||
    echo "setup: npm could not install onnxruntime-node; the onnxruntime tests will skip" >&2
fi
