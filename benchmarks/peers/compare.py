#!/usr/bin/env python3
"""xtnn against the C++ peers (benchmarks/peers/), measured side by side.

For every build directory given (e.g. one with default flags and one with
-march=native), runs its bench_peer_* programs in rounds, every program once per
round in a rotating order, each pinned to one core with one BLAS thread, and
prints the median time per training step (epoch time / steps) of every peer and
model, and the ratio peer ÷ xtnn (> 1: xtnn is faster). Wall time and the
process's CPU time are both given: on a loaded machine CPU time is the steadier.

Usage: compare.py --build NAME=DIR [--build NAME=DIR ...] [--rounds 5] [--core 1]
                  [--min-time 0.5] [--json out.json]
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def run_program(binary, core, min_time):
    """{(model, 'wall'|'cpu'): seconds per step} and the program's context."""
    env = dict(os.environ, XTNN_BENCH_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = ["taskset", "-c", str(core), str(binary), f"--benchmark_min_time={min_time}",
               "--benchmark_format=json"]
    report = json.loads(subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout)
    times = {}
    for b in report["benchmarks"]:
        model = b["run_name"].split("/")[1]
        per_step = UNIT[b["time_unit"]] / b["steps"]
        times[(model, "wall")] = b["real_time"] * per_step
        times[(model, "cpu")] = b["cpu_time"] * per_step
    return times, report["context"]


def measure(builds, rounds, core, min_time):
    """samples[build][peer][(model, kind)] = [seconds per step, one per round]; contexts[build][peer]."""
    samples, contexts = {}, {}
    for build, directory in builds:
        programs = sorted(pathlib.Path(directory, "benchmarks", "peers").glob("bench_peer_*"))
        if not programs:
            sys.exit(f"compare.py: no bench_peer_* programs in {directory}/benchmarks/peers "
                     "(configure with -DXTNN_BENCH_PEERS=ON and build the target bench_peers)")
        samples[build], contexts[build] = {}, {}
        for r in range(rounds):
            shift = r % len(programs)  # rotate, so no program always runs first or right after another
            for program in programs[shift:] + programs[:shift]:
                peer = program.name.removeprefix("bench_peer_")
                print(f"compare.py: {build}, round {r + 1}/{rounds}: {peer}", file=sys.stderr)
                times, context = run_program(program, core, min_time)
                contexts[build][peer] = context
                for key, seconds in times.items():
                    samples[build].setdefault(peer, {}).setdefault(key, []).append(seconds)
    return samples, contexts


XTNN_PROGRAMS = ("xtnn", "xtnn_auto")  # the default gemm backend, and `auto` when built


def table(samples, contexts, kind):
    bases = [b for b in XTNN_PROGRAMS if any(b in peers for peers in samples.values())]
    lines = [f"| build | model | peer | µs per step ({kind}) | " + " | ".join(f"peer ÷ {b}" for b in bases) + " |",
             "| --- | --- | --- | ---: |" + " ---: |" * len(bases)]
    for build, peers in samples.items():
        for model in ("MLP", "FCNN", "WDNN"):
            for peer in [b for b in bases if b in peers] + sorted(p for p in peers if p not in bases):
                values = peers[peer].get((model, kind))
                if not values:
                    continue
                median = statistics.median(values)
                ratios = []
                for b in bases:
                    base = peers.get(b, {}).get((model, kind))
                    ratios.append(f"{median / statistics.median(base):.2f}×" if base and peer != b else "")
                name = contexts[build][peer].get("peer", peer)
                lines.append(f"| {build} | {model} | {name} | {median * 1e6:.1f} | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="append", required=True, metavar="NAME=DIR",
                        help="a configured and built build directory, named in the table")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--core", type=int, default=(os.cpu_count() or 1) - 1, help="the core to pin to")
    parser.add_argument("--min-time", type=float, default=0.5, help="Google Benchmark min time per program run")
    parser.add_argument("--json", help="also write every sample here")
    args = parser.parse_args()
    builds = [tuple(b.split("=", 1)) for b in args.build]

    samples, contexts = measure(builds, args.rounds, args.core, args.min_time)
    print(f"Medians of {args.rounds} rounds, one epoch of 7,200 rows in batches of 64 per measurement, "
          f"pinned to core {args.core}, 1 BLAS thread; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}.\n")
    for build, peers in contexts.items():
        context = peers.get("xtnn", next(iter(peers.values())))
        print(f"- {build}: compiled for {context.get('compiled_for')}, xsimd {context.get('simd')}, "
              f"BLAS {context.get('blas_config') or context.get('blas_library')}")
    print()
    print(table(samples, contexts, "wall"))
    print()
    print(table(samples, contexts, "cpu"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"contexts": contexts,
                       "samples": {b: {p: {f"{m}/{k}": v for (m, k), v in s.items()} for p, s in peers.items()}
                                   for b, peers in samples.items()}}, f, indent=1)


if __name__ == "__main__":
    main()
