#!/usr/bin/env bash
# Builds the benchmark suite once per installed BLAS backend (build-bench/ for
# -march=native, build-bench-<arch>/ otherwise, build-bench-base/ for --arch ''), runs
# every program at 1 and 2 BLAS threads, and prints a markdown table plus a PNG
# plot (gnuplot) of the results; then runs the PyTorch side-by-side comparison
# and measures the peak memory of a Kryptonite-45 training run.
#
#   ./scripts/bench.sh                   everything (about an hour on a busy 2-core machine)
#   ./scripts/bench.sh --quick           fewer repetitions, shorter runs
#   ./scripts/bench.sh --coretype-unset  also rerun the default backend (openblas-pthread)
#                                        with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset
#   ./scripts/bench.sh --filter REGEX    only benchmarks matching REGEX (Google Benchmark filter)
#   ./scripts/bench.sh --no-pytorch      skip the PyTorch comparison
#   ./scripts/bench.sh --arch ARCH       compile the benchmarks with -march=ARCH (default: native,
#                                        as PyTorch picks its AVX2/AVX-512 kernels at run time);
#                                        --arch '' keeps the compiler's x86-64 baseline (SSE2)
#
# XTNN_BENCH_BACKENDS='openblas-pthread;blis' limits the backends (default: every one installed).
# The gemm backends found (Eigen, libxsmm; XTNN_BENCH_GEMM_BACKENDS='eigen' limits them) run
# side by side inside bench_gemm, and bench_training once more each, as the columns
# openblas-pthread+eigen, +libxsmm and +auto. With libdnnl-dev, bench_cnn, bench_conv and
# bench_training run once more with oneDNN as the Conv2D and inference backend, beside
# bench_epilogue (openblas-pthread+onednn; XTNN_BENCH_CONV_BACKENDS), and the CNN against
# PyTorch too (rows named after openblas-pthread+onednn in pytorch-<threads>t.md).
# Results go to <build dir>/results/<date>-<time>/ (JSON per backend, thread count and
# program; table.md, bench.png, pytorch-<threads>t.md, memory.txt).
# Extra backends: XTNN_SETUP_EXTRAS=bench ./scripts/setup.sh installs BLIS, ATLAS,
# the OpenBLAS openmp/serial builds and PyTorch.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=0 coretype_unset=0 pytorch=1 filter="" arch=native
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --coretype-unset) coretype_unset=1 ;;
    --no-pytorch) pytorch=0 ;;
    --filter) filter="$2"; shift ;;
    --arch) arch="$2"; shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# One build directory per -march, so native and baseline runs do not rebuild each other.
dir=build-bench
if [[ "$arch" != native ]]; then dir="build-bench-${arch:-base}"; fi
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DXTNN_BUILD_BENCHMARKS=ON \
  -DXTNN_BUILD_TESTS=OFF -DXTNN_BUILD_EXAMPLES=ON -DXTNN_WERROR=ON -DXTNN_BENCH_ARCH="$arch" \
  -DXTNN_BENCH_BACKENDS="${XTNN_BENCH_BACKENDS:-}" -DXTNN_BENCH_GEMM_BACKENDS="${XTNN_BENCH_GEMM_BACKENDS:-}" \
  -DXTNN_BENCH_CONV_BACKENDS="${XTNN_BENCH_CONV_BACKENDS:-}" >/dev/null
cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)"

out="$dir/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
if ((quick)); then reps=1 min_time=0.05; else reps=3 min_time=0.1; fi
bench_args=(--benchmark_repetitions="$reps" --benchmark_min_time="$min_time" --benchmark_format=json)
if ((reps > 1)); then bench_args+=(--benchmark_report_aggregates_only=true); fi
if [[ -n "$filter" ]]; then bench_args+=(--benchmark_filter="$filter"); fi

echo "bench.sh: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-(unset)} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-(unset)} -march=${arch:-(compiler default)}"
echo "bench.sh: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"

# run_backend BACKEND_DIR COLUMN_NAME THREADS [env assignments for `env`...]
run_backend() {
  local bin_dir="$1" column="$2" threads="$3"; shift 3
  local dest="$out/$column/${threads}t"
  mkdir -p "$dest"
  for program in "$bin_dir"/bench_*; do
    echo "bench.sh: $column, $threads thread(s): $(basename "$program")"
    env "$@" XTNN_BENCH_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
      BLIS_NUM_THREADS="$threads" "$program" "${bench_args[@]}" >"$dest/$(basename "$program").json"
  done
}

for threads in 1 2; do
  for bin_dir in "$dir"/benchmarks/*/; do
    bin_dir="${bin_dir%/}"
    backend="$(basename "$bin_dir")"
    [[ "$backend" == CMakeFiles || "$backend" == peers ]] && continue  # peers: scripts/bench_peers.sh
    run_backend "$bin_dir" "$backend" "$threads"
    if ((coretype_unset)) && [[ "$backend" == openblas-pthread ]]; then
      run_backend "$bin_dir" "$backend (coretype unset)" "$threads" -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
    fi
  done
done

python3 benchmarks/bench_report.py "$out"

if ((pytorch)); then
  for threads in 1 2; do
    # The oneDNN Conv2D build's CNN, when built, in the same alternating rounds.
    programs=(--bench "$dir/benchmarks/openblas-pthread/bench_training" --bench "$dir/benchmarks/openblas-pthread/bench_cnn")
    if [[ -x "$dir/benchmarks/openblas-pthread+onednn/bench_cnn" ]]; then
      programs+=(--bench "$dir/benchmarks/openblas-pthread+onednn/bench_cnn")
    fi
    /usr/bin/python3 benchmarks/pytorch_compare.py "${programs[@]}" \
      --threads "$threads" --rounds "$((quick ? 1 : 3))" --min-time "$((quick ? 0 : 1)).3" \
      --json "$out/pytorch-${threads}t.json" | tee "$out/pytorch-${threads}t.md"
  done
fi

# Peak memory (max RSS) of training the WDNN on Kryptonite-45 for a few epochs:
# the real set when $XTNN_KRYPTONITE_DIR has it, else a generated one of the same
# size (90,000 rows; the example program decides and says which).
# (--data only when the folder exists: a missing --data directory is an error.)
data="${XTNN_KRYPTONITE_DIR:-../shared/data/kryptonite}"
data_args=()
if [[ -d "$data" ]]; then data_args=(--data "$data"); fi
/usr/bin/time -f "%M" -o "$out/memory.kb" env OPENBLAS_NUM_THREADS=1 \
  "$dir/examples/wdnn" --n 45 "${data_args[@]}" --epochs 3 --quiet >"$out/memory-run.txt"
echo "bench.sh: peak memory (max RSS) of WDNN training on Kryptonite-45, 3 epochs: $(($(cat "$out/memory.kb") / 1024)) MiB" |
  tee "$out/memory.txt"
echo "bench.sh: results in $out"
