"""Benchmark of `pyref search`: trials per hour with 1 and with 2 local workers.

Per-trial stream, the book's configuration (784-100x6-10 net, 500 samples split
into 400 training / 100 validation, 50 epochs, SGD, batch 100), each worker with
one BLAS thread. Each run is a fresh study in a temporary SQLite file, started
as a user would start it (``python -m pyref.cli search``, what ``pyref search``
runs).

Two rates are reported per run:

* steady: trials finished per hour between the W-th and the last trial's
  finish (read from the study's database; W = workers); it leaves out the
  start-up (imports, data loading) and is the number to compare;
* wall: trials per hour over the whole command, start-up included.

Both runs must give identical trial files (per-trial streams do not depend on the
worker count); the benchmark checks that too. It is a benchmark, not a test:
numbers depend on the machine and on whatever else runs on it.

    python3 bench/search_bench.py            # 24 trials, the book's settings
    python3 bench/search_bench.py --quick    # 8 trials of 10 epochs, for a smoke run
    python3 bench/search_bench.py --engine julia   # trials trained in PyRef
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_study(workers: int, trials: int, epochs: int, engine: str, out: Path) -> dict:
    """Run one study; return its wall time and the finish times of its trials."""
    cmd = [
        sys.executable, "-m", "pyref.cli", "search", "--stream", "per-trial",
        "--workers", str(workers),
        "--trials", str(trials), "--epochs", str(epochs), "--engine", engine,
        "--out", str(out), "--no-progress",
    ]  # fmt: skip
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    busy0, own0 = _busy_cpu_seconds(), _children_cpu_seconds()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    wall = time.perf_counter() - start
    busy1, own = _busy_cpu_seconds(), _children_cpu_seconds() - own0
    # CPU time other processes took from this machine meanwhile: they skew the numbers.
    others = None if busy0 is None or busy1 is None else max(0.0, busy1 - busy0 - own)
    if proc.returncode != 0:
        sys.exit(f"study with {workers} worker(s) failed:\n{proc.stderr}")
    with sqlite3.connect(out / "search.db") as conn:
        finished = sorted(
            row[0]
            for row in conn.execute(
                "SELECT finished FROM pyref_search_unit WHERE state IN ('complete', 'failed')"
            )
        )
    if len(finished) != trials:
        sys.exit(f"expected {trials} finished trials, found {len(finished)}")
    # The first W trials finish together (one per worker); after the W-th finish,
    # trials - W more finished by the last one.
    span = finished[-1] - finished[workers - 1]
    steady = (trials - workers) / span * 3600 if span > 0 else float("inf")
    return {
        "workers": workers,
        "trials": trials,
        "wall_seconds": round(wall, 2),
        "steady_trials_per_hour": round(steady, 1),
        "wall_trials_per_hour": round(trials / wall * 3600, 1),
        "own_cpu_seconds": round(own, 1),
        "other_cpu_seconds": None if others is None else round(others, 1),
        "trials_json": (out / "trials.json").read_bytes(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=24, help="trials per run (default 24)")
    parser.add_argument("--epochs", type=int, default=50, help="epochs per trial (default 50)")
    parser.add_argument("--engine", choices=("python", "julia"), default="python")
    parser.add_argument("--quick", action="store_true", help="8 trials of 10 epochs")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)
    trials, epochs = (8, 10) if args.quick else (args.trials, args.epochs)
    print(
        f"pyref search benchmark: per-trial stream, engine {args.engine}, 784-100x6-10, "
        f"400 train / 100 validation samples, {epochs} epochs, {trials} trials, "
        f"{os.cpu_count()} CPUs"
    )
    runs = []
    with tempfile.TemporaryDirectory(prefix="pyref-search-bench-") as tmp:
        for workers in (1, 2):
            r = run_study(workers, trials, epochs, args.engine, Path(tmp) / f"w{workers}")
            runs.append(r)
            print(
                f"  {workers} worker(s): {r['steady_trials_per_hour']:>8.1f} trials/hour steady, "
                f"{r['wall_trials_per_hour']:>8.1f} trials/hour wall ({r['wall_seconds']} s; "
                f"CPU s: {r['own_cpu_seconds']} ours, {r['other_cpu_seconds']} other processes)"
            )
    same = runs[0]["trials_json"] == runs[1]["trials_json"]
    speedup = runs[1]["steady_trials_per_hour"] / runs[0]["steady_trials_per_hour"]
    wall_speedup = runs[1]["wall_trials_per_hour"] / runs[0]["wall_trials_per_hour"]
    print(f"  speed-up with 2 workers: {speedup:.2f}x steady, {wall_speedup:.2f}x wall")
    print(f"  identical results with 1 and 2 workers: {'yes' if same else 'NO'}")
    busy = [r["other_cpu_seconds"] / r["wall_seconds"] for r in runs if r["other_cpu_seconds"]]
    print(f"  command: {' '.join(['python3', 'bench/search_bench.py', *(argv or sys.argv[1:])])}")
    if busy and max(busy) > 0.1:
        print(
            f"  warning: other processes kept up to {max(busy):.2f} CPUs busy during a run; "
            "the numbers are skewed, run again on a quiet machine"
        )
    if args.json:
        record = {
            "engine": args.engine, "epochs": epochs, "trials": trials,
            "cpus": os.cpu_count(), "identical_results": same,
            "speedup_steady": round(speedup, 3), "speedup_wall": round(wall_speedup, 3),
            "runs": [{k: v for k, v in r.items() if k != "trials_json"} for r in runs],
        }  # fmt: skip
        args.json.write_text(json.dumps(record, indent=1) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
