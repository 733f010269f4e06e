"""Time ember beside PyTorch (CPU) on the same workloads, machine and thread count.

    python benchmarks/run.py                 # 1 and 2 threads, all workloads, writes BENCHMARKS.md
    python benchmarks/run.py --threads 1 --only MLP --no-write

Each thread count runs in a fresh process whose BLAS/OpenMP thread pools are set through the
environment before NumPy and torch load. Within it, ember and torch alternate round by round and
the median time per step of each is kept, so a noisy machine hurts both alike. The table shows
medians and the ratio ember / torch (below 1 means ember is faster).
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITES = ["benchmarks.core", "benchmarks.nn", "benchmarks.nn_rnn", "benchmarks.optim", "benchmarks.data",
          "benchmarks.saving", "benchmarks.models"]


def _time(step, seconds):
    """Median seconds per call of ``step``, in rounds of enough calls to last ~``seconds``."""
    step()
    t0 = time.perf_counter()
    step()
    once = max(time.perf_counter() - t0, 1e-6)
    return max(1, int(seconds / once))


def worker(threads, only, rounds, seconds):
    import importlib

    import numpy as np  # noqa: F401  (loaded after the thread environment is set)
    import torch

    import ember

    torch.set_num_threads(threads)
    results = []
    for suite in SUITES:
        module = importlib.import_module(suite)
        for name, (make, kwargs, target, numpy_ref, *rest) in module.WORKLOADS.items():
            if only and only.lower() not in name.lower():
                continue
            baseline = rest[0] if rest else None  # replaces torch as the reference (ember vs ember)
            steps = {"ember": make(ember, **kwargs),
                     "torch": (baseline or make)(ember if baseline else torch, **kwargs)}
            if numpy_ref is not None:
                steps["numpy"] = numpy_ref(**kwargs)
            calls = {lib: _time(step, seconds) for lib, step in steps.items()}
            samples = {lib: [] for lib in steps}
            for _ in range(rounds):
                for lib, step in steps.items():
                    t0 = time.perf_counter()
                    for _ in range(calls[lib]):
                        step()
                    samples[lib].append((time.perf_counter() - t0) / calls[lib])
            med = {lib: sorted(s)[len(s) // 2] for lib, s in samples.items()}
            results.append({"suite": suite, "name": name, "threads": threads, "target": target,
                            "ember_s": med["ember"], "torch_s": med["torch"],
                            "numpy_s": med.get("numpy"), "ratio": med["ember"] / med["torch"]})
            print(f"  [{threads} thread(s)] {name}: ember {med['ember'] * 1e3:.3f} ms, torch "
                  f"{med['torch'] * 1e3:.3f} ms, ratio {med['ember'] / med['torch']:.2f}"
                  + (f", numpy/torch {med['numpy'] / med['torch']:.2f}" if "numpy" in med else ""),
                  file=sys.stderr, flush=True)
    print(json.dumps(results))


def _env(threads):
    env = dict(os.environ)
    # Benchmarks only: these make older OpenBLAS builds safe but slow a current NumPy.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _fmt_time(s):
    return f"{s * 1e3:.3f} ms" if s >= 1e-3 else f"{s * 1e6:.1f} us"


def write_markdown(results, path):
    import platform

    import numpy as np
    import torch

    lines = [
        "# Benchmarks: ember beside PyTorch (CPU)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/run.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}, "
        f"torch {torch.__version__}. Median time per step over alternating rounds; ratio = ember / "
        "torch (below 1: ember is faster). These machines are noisy: compare ratios, not times.",
        "The NumPy column is the same workload written by hand in NumPy (no autograd, no",
        "framework): the floor for any engine on NumPy, and so the share of a gap that is the BLAS",
        "library (NumPy's OpenBLAS against torch's MKL) rather than ember. In the fit-overhead row",
        "the torch column is a hand-written ember loop: ember's `fit` against ember by hand.",
        "",
        "| workload | threads | ember | torch | ratio | target | hand-written NumPy / torch |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        ok = "met" if r["ratio"] <= r["target"] else "not met"
        ref = "" if r.get("numpy_s") is None else f"{r['numpy_s'] / r['torch_s']:.2f}"
        lines.append(f"| {r['name']} | {r['threads']} | {_fmt_time(r['ember_s'])} | "
                     f"{_fmt_time(r['torch_s'])} | {r['ratio']:.2f} | <= {r['target']} ({ok}) | {ref} |")
    kept = _kept_sections(path)  # read before the file is opened for writing (which empties it)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + kept)


def _kept_sections(path):
    """The hand-written part of ``path`` (from its first '## ' heading on), kept across runs."""
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        text = f.read()
    start = text.find("\n## ")
    return "" if start < 0 else text[start:]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", default="", help="run workloads whose name contains this text")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.3, help="length of one round")
    parser.add_argument("--no-write", action="store_true", help="print only; keep BENCHMARKS.md")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.only, args.rounds, args.seconds)
        return
    results = []
    for n in args.threads:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(n), "--only", args.only,
               "--rounds", str(args.rounds), "--seconds", str(args.seconds)]
        out = subprocess.run(cmd, env=_env(n), stdout=subprocess.PIPE, check=True, text=True).stdout
        results += json.loads(out.strip().splitlines()[-1])
    if not args.no_write:
        write_markdown(results, os.path.join(ROOT, "BENCHMARKS.md"))
        print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
