#!/usr/bin/python3
"""xtnn against PyTorch (CPU) on the paper's WDNN and FCNN and the Fashion-MNIST
benchmark CNN, measured in one run.

Runs the xtnn benchmark binaries (bench_training, bench_cnn) and the same models in PyTorch
in alternating rounds, takes the median of each, and prints a markdown table
with the ratio PyTorch time / xtnn time (> 1: xtnn is faster). A benchmark that
two programs run (bench_cnn on both Conv2D backends) gets a row per program,
named after the program's folder. Both sides use
the same thread count, batch sizes, widths and training recipe:

  * Dense kernels L2(1e-3) added to the loss as λ·Σw² (Keras semantics), biases free
  * BatchNorm with Keras conventions: momentum 0.99 (torch momentum 0.01), eps 1e-3
  * Dropout 0.3, Adam(lr 1e-3, betas 0.9/0.999, eps 1e-8)
  * sigmoid + binary cross-entropy fused on the logits (BCEWithLogitsLoss)
  * the CNN (examples/fashion_mnist/models.hpp): Conv 5x5x32 same, max-pool 2, Conv 5x5x64
    same, max-pool 2, Dense 1024 + ReLU, Dropout 0.4, Dense 10; cross-entropy on the logits

Usage: pytorch_compare.py --bench BUILD/benchmarks/openblas-pthread/bench_training
                          [--bench BUILD/benchmarks/openblas-pthread/bench_cnn]
                          [--bench BUILD/benchmarks/openblas-pthread+onednn/bench_cnn]
                          [--threads 1] [--rounds 3] [--min-time 0.5] [--json out.json]
Exits 0 with a message when PyTorch is not installed (Debian: apt-get install python3-torch).
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

STEP_BATCHES = (64, 256, 1024)
CNN_STEP_BATCHES = (64, 256)
EPOCH_ROWS = {9: 7200, 45: 36000}  # 40 % training splits of Kryptonite-9 / -45 (2000·n rows)
INFER_BATCH = 4096


def build_model(torch, kind, n, dropout=0.3):
    nn = torch.nn

    def block(i, o):
        return [nn.Linear(i, o), nn.ReLU(), nn.BatchNorm1d(o, momentum=0.01, eps=1e-3), nn.Dropout(dropout)]

    if kind == "FCNN":
        body = nn.Sequential(*block(n, 128), *block(128, 64), nn.Linear(64, 1))
        kernels = [body[0].weight, body[4].weight]
        return body, kernels

    class WDNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.wide = nn.Sequential(nn.Linear(n, 256), nn.ReLU())
            self.deep = nn.Sequential(*block(n, 256), *block(256, 128), *block(128, 64))
            self.head = nn.Linear(320, 1)

        def forward(self, x):
            return self.head(torch.cat([self.wide(x), self.deep(x)], dim=1))

    model = WDNN()
    kernels = [model.wide[0].weight, model.deep[0].weight, model.deep[4].weight, model.deep[8].weight]
    return model, kernels


def build_cnn(torch):
    nn = torch.nn
    return nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 32, 5, padding="same"), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(32, 64, 5, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(7 * 7 * 64, 1024), nn.ReLU(), nn.Dropout(0.4),
                         nn.Linear(1024, 10))


class TorchSide:
    """One model in training: step(x, y) is one optimizer step, as xtnn's Trainer::step."""

    def __init__(self, torch, kind, n):
        torch.manual_seed(1)
        self.torch = torch
        self.model, self.kernels = build_model(torch, kind, n)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        self.loss = torch.nn.BCEWithLogitsLoss()

    def step(self, x, y):
        self.model.train()
        self.opt.zero_grad(set_to_none=False)
        logits = self.model(x)
        loss = self.loss(logits, y) + 1e-3 * sum((w * w).sum() for w in self.kernels)
        loss.backward()
        self.opt.step()
        return loss


class TorchCnn:
    """The CNN in training: step(x, y) is one Adam step on cross-entropy."""

    def __init__(self, torch):
        torch.manual_seed(1)
        self.model = build_cnn(torch)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss = torch.nn.CrossEntropyLoss()

    def step(self, x, y):
        self.model.train()
        self.opt.zero_grad(set_to_none=False)
        loss = self.loss(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss


def torch_cnn_round(torch, min_time, wanted, gen):
    results = {}
    side = TorchCnn(torch)
    for batch in CNN_STEP_BATCHES:
        name = f"step/CNN/b{batch}"
        if not wanted(name):
            continue
        xs = [torch.randn(batch, 28 * 28, generator=gen) for _ in range(4)]
        ys = [torch.randint(0, 10, (batch,), generator=gen) for _ in range(4)]
        i = [0]

        def one():
            side.step(xs[i[0] % 4], ys[i[0] % 4])
            i[0] += 1

        results[name] = timed(one, min_time)
    return results


def timed(fn, min_time):
    """(wall seconds, process CPU seconds) per call of fn(), over at least min_time
    seconds after a warm-up. CPU time is the steadier one on a loaded machine."""
    for _ in range(3):
        fn()
    calls, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / calls, (time.process_time() - cpu_start) / calls


def torch_round(torch, min_time, wanted):
    results = {}
    gen = torch.Generator().manual_seed(0)
    for kind in ("WDNN", "FCNN"):
        for n in (9, 45):
            side = TorchSide(torch, kind, n)
            for batch in STEP_BATCHES:
                if not wanted(f"step/{kind}/n{n}/b{batch}"):
                    continue
                xs = [torch.randn(batch, n, generator=gen) for _ in range(4)]
                ys = [torch.randint(0, 2, (batch, 1), generator=gen).float() for _ in range(4)]
                i = [0]

                def one():
                    side.step(xs[i[0] % 4], ys[i[0] % 4])
                    i[0] += 1

                results[f"step/{kind}/n{n}/b{batch}"] = timed(one, min_time)
            if not wanted(f"epoch/{kind}/n{n}/b64"):
                continue
            rows = EPOCH_ROWS[n]
            X = torch.randn(rows, n, generator=gen)
            Y = torch.randint(0, 2, (rows, 1), generator=gen).float()

            def epoch():
                order = torch.randperm(rows, generator=gen)
                for start in range(0, rows, 64):
                    idx = order[start:start + 64]
                    side.step(X.index_select(0, idx), Y.index_select(0, idx))

            results[f"epoch/{kind}/n{n}/b64"] = timed(epoch, min_time)
            if not wanted(f"infer/{kind}/n{n}/b{INFER_BATCH}"):
                continue
            x = torch.randn(INFER_BATCH, n, generator=gen)
            side.model.eval()

            def infer():
                with torch.no_grad():
                    torch.sigmoid(side.model(x))

            results[f"infer/{kind}/n{n}/b{INFER_BATCH}"] = timed(infer, min_time)
    results.update(torch_cnn_round(torch, min_time, wanted, gen))
    return results


def xtnn_round(binary, threads, min_time, wanted):
    env = dict(os.environ, XTNN_BENCH_THREADS=str(threads))
    listed = subprocess.run([binary, "--benchmark_list_tests"], env=env, check=True, capture_output=True,
                            text=True).stdout.split()
    names = [n for n in listed if re.match(r"(step/.*/static|epoch/|infer/.*/b4096/real_time$)", n)
             and wanted(n.removesuffix("/real_time").removesuffix("/static"))]
    if not names:
        return {}, {}
    out = subprocess.run(
        [binary, "--benchmark_filter=^(" + "|".join(names) + ")$", f"--benchmark_min_time={min_time}",
         "--benchmark_format=json"],
        env=env, check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    results = {}
    for b in report["benchmarks"]:
        name = b["run_name"].removesuffix("/real_time").removesuffix("/static")
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        results[name] = (b["real_time"] * unit, b["cpu_time"] * unit)
    return results, report["context"]


def fmt_time(seconds):
    if seconds >= 0.1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, action="append",
                    help="path of an xtnn benchmark binary (bench_training, bench_cnn); may be repeated")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--json", help="also write the medians here")
    ap.add_argument("--filter", default="", help="only benchmarks whose name matches this regex, e.g. 'WDNN/n9'")
    args = ap.parse_args()

    # Debian's torch runs its gemms in the system OpenBLAS, whose own thread pool
    # torch.set_num_threads does not govern: pin it too, before torch loads it.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    try:
        import torch
    except ImportError:
        print("pytorch_compare: PyTorch is not installed for", sys.executable,
              "- skipped (Debian: apt-get install python3-torch)")
        return 0
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    # As xtnn's benchmarks (and fit) do: subnormal floats as zero on both sides.
    torch.set_flush_denormal(True)

    def wanted(name):
        return re.search(args.filter, name) is not None

    # ours[(benchmark, program)]: two programs may run the same benchmark (bench_cnn with
    # the im2col and the oneDNN Conv2D backend); their rows then name the program's folder.
    ours, theirs, context = {}, {}, {}
    for _ in range(args.rounds):  # alternate, so drifting machine load hits both sides alike
        for binary in args.bench:
            r, c = xtnn_round(binary, args.threads, args.min_time, wanted)
            context = context or c
            for k, v in r.items():
                ours.setdefault((k, pathlib.Path(binary).parent.name), []).append(v)
        for k, v in torch_round(torch, args.min_time, wanted).items():
            theirs.setdefault(k, []).append(v)
    def medians(runs):
        return {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items()}

    ours, theirs = medians(ours), medians(theirs)

    print(f"xtnn vs PyTorch {torch.__version__}, {args.threads} thread(s), median of {args.rounds} alternating rounds; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"xtnn BLAS: {context.get('blas_library')} ({context.get('blas_config') or 'no build info'}); "
          f"OPENBLAS_CORETYPE={context.get('OPENBLAS_CORETYPE')}; torch threads: {torch.get_num_threads()}")
    print()
    # CPU time: the process's CPU seconds (xtnn: its main thread, which is all of it at 1 thread).
    cpu_note = "" if args.threads == 1 else " (xtnn CPU counts only the main thread: not comparable)"
    print(f"Ratios are PyTorch / xtnn (> 1: xtnn faster), of wall time and of CPU time{cpu_note}.")
    print()
    print("| benchmark | xtnn | PyTorch | ratio (wall) | xtnn CPU | PyTorch CPU | ratio (CPU) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows = []
    def order(name):  # steps, epochs, inference; then by name with numbers compared as numbers
        parts = re.split(r"(\d+)", name)
        return (["step", "epoch", "infer"].index(name.split("/")[0]), [int(p) if p.isdigit() else p for p in parts])

    programs = {}
    for name, program in ours:
        programs.setdefault(name, []).append(program)
    for name, program in sorted(((n, p) for n in theirs for p in programs.get(n, [])), key=lambda r: order(r[0])):
        (a, a_cpu), (b, b_cpu) = ours[(name, program)], theirs[name]
        label = name if len(programs[name]) == 1 else f"{name} ({program})"
        if name.startswith("infer/"):
            def show(t):
                return f"{INFER_BATCH / t / 1e6:.2f} M samples/s"
        else:
            show = fmt_time
        print(f"| {label} | {show(a)} | {show(b)} | {b / a:.2f}× | {show(a_cpu)} | {show(b_cpu)} | {b_cpu / a_cpu:.2f}× |")
        rows.append({"name": label, "xtnn_s": a, "pytorch_s": b, "ratio": b / a,
                     "xtnn_cpu_s": a_cpu, "pytorch_cpu_s": b_cpu, "ratio_cpu": b_cpu / a_cpu})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": args.threads, "torch": torch.__version__, "context": context, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
