"""``pyref bench``'s search sections.

- **search**: trials per hour of the book's search configuration with 1 and 2 workers,
  Python and Julia engines (see :mod:`pyref.study`), each a fresh ``pyref search``
  per-trial study, and the peak memory of a two-worker search.
- **search-ttt** (``--only search-ttt``): time to target of the search's samplers and
  pruners. For each seed, three studies run on the same data (the book's search: the
  embedded MNIST subset's first 500 training digits, 400 train / 100 validation, the
  784-100x6-10 net, the book's space of weight decay and lr), one worker each, so
  trials finish in number order:

  - ``random``: the book's random search (per-trial streams), ``trials`` trials;
  - ``tpe``: Optuna's TPE, seeded, ``trials`` trials at most;
  - ``tpe_hyperband``: TPE with Optuna's Hyperband pruner.

  The target of a seed is the best final validation accuracy of its random search:
  the best of the book's ``trials``-trial search. A study's *epochs to target* is the
  number of epochs it trained, trial after trial (a pruned trial counts the epochs it
  reached), until one of its complete trials first reaches the target; a study that
  never does counts as not reached (infinite). The figures are the medians over the
  seeds, and TPE + Hyperband's median over random search's (the target: at most a
  third).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyref.checks import check_positive_int
from pyref.runtime import kept
from pyref.search import SEARCH_EPOCHS, SEARCH_TRIALS

# ---------------------------------------------------------------------------

#: The book's search configuration (784-100x6-10, 400 train / 100 validation, 50
#: epochs) in per-trial mode; trials per run, and for --quick (epochs shortened).
SEARCH_BENCH_TRIALS, QUICK_SEARCH_TRIALS, QUICK_SEARCH_EPOCHS = 24, 6, 10


def _tree_rss_bytes(root: int, with_root: bool = True) -> int:
    """Resident memory of process ``root``'s descendants, and its own unless
    ``with_root`` is False (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)  # fields[1]: ppid
        rss[pid] = int(fields[21]) * page  # fields[21]: rss in pages
    total, todo = 0, [root]
    if not with_root:
        todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def bench_search(
    engine: str,
    workers: int,
    trials: int,
    epochs: int,
    out: Path,
    folder: str | None = None,
) -> dict[str, Any]:
    """One fresh per-trial study through ``pyref search``: trials per hour once every
    worker runs (from the W-th finished trial to the last, read from the study's
    database), over the whole command, and the peak memory of its process tree.
    ``folder``: a ``pyref-`` temporary folder that the keeper removes if pyref is killed."""
    cmd = [
        sys.executable,
        "-m",
        "pyref.cli",
        "search",
        "--stream",
        "per-trial",
        "--workers",
        str(workers),
        "--trials",
        str(trials),
        "--epochs",
        str(epochs),
        "--engine",
        engine,
        "--out",
        str(out),
        "--no-progress",
    ]
    env = dict(os.environ, MPLBACKEND="Agg")
    started = time.perf_counter()
    peak = 0
    proc = kept.popen(
        cmd, folder=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        while proc.poll() is None:
            peak = max(peak, _tree_rss_bytes(proc.pid, with_root=False))  # not the keeper
            time.sleep(0.2)
        stderr = proc.stderr.read() if proc.stderr else ""
    finally:
        kept.stop(proc)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"pyref search ({engine}, {workers} workers) failed:\n{stderr[-3000:]}")
    with sqlite3.connect(out / "search.db") as conn:
        finished = sorted(
            row[0]
            for row in conn.execute(
                "SELECT finished FROM pyref_search_unit WHERE state IN ('complete', 'failed')"
            )
        )
    if len(finished) != trials:
        raise RuntimeError(f"expected {trials} finished trials, found {len(finished)}")
    span = finished[-1] - finished[workers - 1]
    return {
        "engine": engine,
        "workers": workers,
        "trials": trials,
        "epochs": epochs,
        "wall_seconds": wall,
        "trials_per_hour": (trials - workers) / span * 3600 if span > 0 else float("inf"),
        "wall_trials_per_hour": trials / wall * 3600,
        "peak_rss_bytes": peak,
        "trials_json": (out / "trials.json").read_text(),
    }


def bench_searches(quick: bool, engines: tuple[str, ...] = ("python", "julia")) -> dict[str, Any]:
    """Each engine with 1 and 2 workers; the two worker counts must agree exactly."""
    trials = QUICK_SEARCH_TRIALS if quick else SEARCH_BENCH_TRIALS
    epochs = QUICK_SEARCH_EPOCHS if quick else SEARCH_EPOCHS
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pyref-bench-search-") as tmp:
        for engine in engines:
            runs = [
                bench_search(engine, w, trials, epochs, Path(tmp) / f"{engine}-{w}", folder=tmp)
                for w in (1, 2)
            ]
            identical = runs[0].pop("trials_json") == runs[1].pop("trials_json")
            results[engine] = {
                "runs": runs,
                "identical_results": identical,
                "speedup": runs[1]["trials_per_hour"] / runs[0]["trials_per_hour"],
            }
    return results


#: The three studies compared: (name, sampler, pruner).
STUDIES = (
    ("random", "random", "none"),
    ("tpe", "tpe", "none"),
    ("tpe_hyperband", "tpe", "hyperband"),
)
#: The full measurement: seeds, trials per study, epochs per trial (the book's).
TTT_SEEDS, TTT_TRIALS, TTT_EPOCHS = 5, SEARCH_TRIALS, SEARCH_EPOCHS
#: --quick: a smoke run.
QUICK_TTT_SEEDS, QUICK_TTT_TRIALS, QUICK_TTT_EPOCHS = 2, 12, 6


def epochs_to_target(records: list[dict[str, Any]], target: float) -> float:
    """Epochs trained (in trial order) until a complete trial's final validation
    accuracy first reaches ``target``; ``math.inf`` if none does."""
    spent = 0
    for r in sorted(records, key=lambda r: r["number"]):
        spent += len(r["val_acc_list"])
        if r["state"] == "complete" and r["final_val_acc"] >= target:
            return float(spent)
    return math.inf


def _study(seed: int, trials: int, epochs: int, sampler: str, pruner: str, out: Path) -> list:
    """One study, run in this process by one worker; its trials.json records."""
    from pyref.study.config import SearchConfig
    from pyref.study.run import run_search

    config = SearchConfig(
        trials=trials, epochs=epochs, seed=seed, stream="per-trial", sampler=sampler, pruner=pruner
    )
    with contextlib.redirect_stdout(io.StringIO()):
        status = run_search(config, out=out, progress=False)
    if status != 0:
        raise RuntimeError(f"the {sampler}/{pruner} study of seed {seed} did not finish")
    return json.loads((out / "trials.json").read_text())


def bench_time_to_target(
    seeds: int, trials: int, epochs: int, report: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Epochs to target of each study for seeds 0 .. ``seeds`` - 1, and their medians.
    ``report``, if given, gets a line as each study finishes (a full run takes tens of
    minutes)."""
    seeds = check_positive_int("seeds", seeds)
    trials = check_positive_int("trials", trials)
    epochs = check_positive_int("epochs", epochs)
    per_seed = []
    with tempfile.TemporaryDirectory(prefix="pyref-bench-ttt-") as tmp:
        for seed in range(seeds):
            row: dict[str, Any] = {"seed": seed}
            for name, sampler, pruner in STUDIES:
                started = time.monotonic()
                records = _study(
                    seed, trials, epochs, sampler, pruner, Path(tmp) / f"{name}-{seed}"
                )
                if name == "random":
                    row["target"] = max(
                        r["final_val_acc"] for r in records if r["state"] == "complete"
                    )
                row[name] = {
                    "epochs_to_target": epochs_to_target(records, row["target"]),
                    "epochs_total": sum(len(r["val_acc_list"]) for r in records),
                    "best": max(
                        (r["final_val_acc"] for r in records if r["state"] == "complete"),
                        default=None,
                    ),
                    "pruned": sum(r["state"] == "pruned" for r in records),
                }
                if report is not None:
                    done = row[name]
                    reached = done["epochs_to_target"]
                    report(
                        f"search-ttt: seed {seed + 1}/{seeds}, {name}: "
                        f"{done['epochs_total']} epochs trained, best {done['best']}, target "
                        + ("not reached" if math.isinf(reached) else f"after {reached:g} epochs")
                        + f" ({time.monotonic() - started:.0f} s)"
                    )
            per_seed.append(row)
    medians = {
        name: statistics.median(r[name]["epochs_to_target"] for r in per_seed)
        for name, _, _ in STUDIES
    }
    return {
        "seeds": seeds,
        "trials": trials,
        "epochs": epochs,
        "per_seed": per_seed,
        "median_epochs_to_target": medians,
        "tpe_hyperband_over_random": medians["tpe_hyperband"] / medians["random"],
        "tpe_over_random": medians["tpe"] / medians["random"],
    }


def format_per_seed(result: dict[str, Any]) -> str:
    """The per-seed table (markdown), for bench/README.md."""
    lines = [
        "| seed | target (best of random) | random | TPE | TPE + Hyperband (pruned) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in result["per_seed"]:
        cells = [f"{r[n]['epochs_to_target']:g}" for n in ("random", "tpe", "tpe_hyperband")]
        lines.append(
            f"| {r['seed']} | {r['target']} | {cells[0]} | {cells[1]} | "
            f"{cells[2]} ({r['tpe_hyperband']['pruned']}) |"
        )
    m = result["median_epochs_to_target"]
    lines.append(f"| median | | {m['random']:g} | {m['tpe']:g} | {m['tpe_hyperband']:g} |")
    return "\n".join(lines)
