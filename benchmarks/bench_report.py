#!/usr/bin/env python3
"""Turns the Google Benchmark JSON files of scripts/bench.sh into a markdown
table (rows: benchmarks; columns: backend x threads; cells: GFLOP/s for raw
gemms, time otherwise) and a PNG plot drawn by gnuplot.

Usage: bench_report.py RESULTS_DIR   (reads RESULTS_DIR/<backend>/<threads>t/<program>.json,
                                      writes RESULTS_DIR/table.md, table-cpu.md and bench.png)

table-cpu.md repeats the 1-thread columns with CPU time instead of real time
(GFLOP/s rescaled to it): on a shared, loaded machine a single-threaded
process's CPU time moves far less than its wall time. (At 2 threads Google
Benchmark's CPU time covers only the main thread, so those columns are left out.)
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys

BACKEND_ORDER = ["openblas-pthread", "openblas-openmp", "openblas-serial", "blis", "atlas", "reference"]


def load(results, cpu=False):
    """{(column, benchmark): (seconds, gflops or None, step/gemm or None)}, the columns, their contexts."""
    cells, columns, contexts = {}, [], {}
    for path in sorted(results.glob("*/*t/*.json")):
        backend, threads = path.parent.parent.name, path.parent.name
        if cpu and threads != "1t":
            continue
        column = f"{backend} {threads}"
        report = json.loads(path.read_text())
        contexts[column] = report["context"]
        if column not in columns:
            columns.append(column)
        for b in report["benchmarks"]:
            if b.get("aggregate_name", "median") != "median":
                continue
            name = b["run_name"].removesuffix("/real_time")
            unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
            seconds = (b["cpu_time"] if cpu else b["real_time"]) * unit
            gflops = b.get("GFLOP")
            if cpu and gflops:
                gflops *= b["real_time"] / b["cpu_time"]
            cells[(column, name)] = (seconds, gflops, None if cpu else b.get("step/gemm"))

    def order(column):
        backend, threads = column.rsplit(" ", 1)
        base = backend.split(" ")[0]
        rank = BACKEND_ORDER.index(base) if base in BACKEND_ORDER else len(BACKEND_ORDER)
        return (threads, rank, backend)

    return cells, sorted(columns, key=order), contexts


def fmt_cell(name, cell):
    if cell is None:
        return "–"
    seconds, gflops, ratio = cell
    if name.startswith("gemm/"):
        return f"{gflops:.1f}"
    text = f"{seconds * 1e3:.1f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} µs"
    if ratio:
        text += f" ({ratio:.2f}×)"
    return text


def natural(name):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def table(cells, columns):
    names = sorted({n for (_, n) in cells}, key=lambda n: (["gemm", "layer", "loss", "update", "step", "epoch",
                                                             "infer"].index(n.split("/")[0]), natural(n)))
    lines = ["| benchmark | " + " | ".join(columns) + " |", "| --- |" + " ---: |" * len(columns)]
    for n in names:
        lines.append(f"| {n} | " + " | ".join(fmt_cell(n, cells.get((c, n))) for c in columns) + " |")
    return "\n".join(lines)


def nominal_peak_gflops():
    """One core's FP32 FMA peak at the nominal clock, or None: 2 FMA pipes x 2 flops x the
    lanes of a pipe. Intel's AVX-512 cores have 512-bit pipes (16 lanes); AMD's Zen 4 runs
    AVX-512 on 256-bit pipes, so it and every AVX2 core have 8."""
    try:
        lines = open("/proc/cpuinfo").read().splitlines()
        mhz = float(next(l for l in lines if l.startswith("cpu MHz")).split(":")[1])
        flags = next(l for l in lines if l.startswith("flags")).split()
        vendor = next(l for l in lines if l.startswith("vendor_id")).split(":")[1].strip()
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    lanes = 16 if "avx512f" in flags and vendor == "GenuineIntel" else 8
    return 2 * 2 * lanes * mhz / 1e3


def plot(cells, columns, out):
    """Left: sgemm GFLOP/s on squares per backend (1 thread) under the core's peak;
    right: WDNN n=9 step time per batch. Pass CPU-time cells on a loaded machine."""
    if shutil.which("gnuplot") is None:
        print("bench_report: gnuplot not found, no plot", file=sys.stderr)
        return
    data = out.with_suffix(".dat")
    ones = [c for c in columns if c.endswith(" 1t")]
    with data.open("w") as f:
        for c in ones:
            f.write(f'# "{c}"\n')
            for size in (256, 512, 1024, 2048):
                cell = cells.get((c, f"gemm/s/square/{size}"))
                f.write(f"{size} {cell[1] if cell else 'NaN'}\n")
            f.write("\n\n")
        for c in ones:
            for batch in (64, 256, 1024):
                cell = cells.get((c, f"step/WDNN/n9/b{batch}/static"))
                f.write(f"{batch} {cell[0] * 1e3 if cell else 'NaN'}\n")
            f.write("\n\n")
    k = len(ones)
    left = ", ".join(f'"{data}" index {i} using 1:2 with linespoints title "{c}"' for i, c in enumerate(ones))
    peak = nominal_peak_gflops()
    if peak:
        left += f', {peak:.1f} with lines dashtype 2 lc "black" title "FP32 FMA peak, 1 core at nominal clock"'
    left_title = "sgemm on n x n x n squares, 1 thread (CPU time)"
    right = ", ".join(f'"{data}" index {k + i} using 1:2 with linespoints title "{c}"' for i, c in enumerate(ones))
    script = f"""
set terminal pngcairo size 1400,550 font "sans,10"
set output "{out}"
set multiplot layout 1,2
set logscale x 2
set grid
set key bottom right
set title "{left_title}"
set xlabel "n"
set ylabel "GFLOP/s"
plot {left}
set title "WDNN n=9 training step (Trainer::step), 1 thread (CPU time)"
set xlabel "batch"
set ylabel "ms per step"
set logscale y
plot {right}
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    results = pathlib.Path(sys.argv[1])
    cells, columns, contexts = load(results)
    if not cells:
        print(f"bench_report: no results under {results}", file=sys.stderr)
        return 1
    lines = ["Columns: BLAS backend and BLAS thread count. Cells: GFLOP/s for gemm/*, otherwise real time",
             "per iteration (median); step rows add (step time ÷ its gemms alone).", "",
             table(cells, columns), "", "What served cblas_sgemm in each column:", ""]
    for c in columns:
        ctx = contexts[c]
        lines.append(f"* {c}: {ctx.get('blas_library')} {ctx.get('blas_config', '')} "
                     f"(threads {ctx.get('blas_threads')}, OPENBLAS_CORETYPE={ctx.get('OPENBLAS_CORETYPE')}, "
                     f"OPENBLAS_L2_SIZE={ctx.get('OPENBLAS_L2_SIZE')}, load {ctx.get('load_avg', '?')})")
    text = "\n".join(lines) + "\n"
    (results / "table.md").write_text(text)
    print(text)
    cpu_cells, cpu_columns, _ = load(results, cpu=True)
    (results / "table-cpu.md").write_text(
        "1 thread, CPU time instead of real time (GFLOP/s rescaled to it).\n\n" + table(cpu_cells, cpu_columns) + "\n")
    plot(cpu_cells, cpu_columns, results / "bench.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
