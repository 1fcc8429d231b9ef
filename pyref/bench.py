"""``pyref bench``: what a training step, a search and a parity run cost, each beside
its limit, measured in one run on one machine.

- **step**: one iteration of 6.1.8's loop for the optimizer_compare_mnist net
  (784-100x4-10, ReLU, He, SGD, batches of 128: draw the minibatch, gradient,
  update) in pyref and in PyRef (timed inside Julia), each against its own
  *GEMM bound*: the same forward and backward matrix products alone, through the
  same BLAS. Both languages use one BLAS thread (as search workers do), and step and
  bound are timed in alternating rounds, the best round counting, so that load from
  elsewhere hits both alike. The figure reported is ``step.<language>.ratio`` =
  step ÷ bound.
- **convnet**: one SimpleConvNet training step (chapter 7: the book's net, batches
  of 100 images, Adam) in pyref and PyRef, each against its GEMM bound: the step's
  convolution and Affine products alone, in the step's own layouts (``col`` C-ordered,
  ``col_W`` W's transposed view, ...); ``--book DIR`` also times the book's own code
  (a checkout of deep-learning-from-scratch) on the same machine. Each language also
  reports where the rest of its time goes, layer by layer (im2col, pooling's argmax,
  the scatter back, col2im, ...).
- **search**: trials per hour of the book's search configuration with 1 and 2
  workers, Python and Julia engines (see :mod:`pyref.study`).
- **parity**: the wall time of ``pyref parity`` in a fresh process and Julia's
  time to its first result (start-up, loading PyRef, compiling the first scenario).
- **memory**: peak resident memory of each step loop and of a two-worker search.

Every number is a measurement of this machine at this moment: the table says which
machine, and whether other processes were busy meanwhile.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pyref.experiments.chapter6 import MNIST_COMPARE_BATCH, MNIST_COMPARE_HIDDEN
from pyref.runtime import kept
from pyref.search import SEARCH_EPOCHS

#: The targets: step ÷ GEMM bound (issue #7: Julia on its own BLAS; #11: on numpy's,
#: whose bound is numpy's own products; #14: the convnet step) and the speed-up of 2
#: search workers (#5). step.julia_numpy.over_python: Julia's step on numpy's BLAS ÷
#: Python's (#11: no slower).
TARGETS = {
    "step.python.ratio": 1.25,
    "step.julia.ratio": 1.10,
    "step.julia_numpy.ratio": 1.05,
    "step.julia_numpy.over_python": 1.0,
    "convnet.python.ratio": 1.5,
    "convnet.julia.ratio": 1.25,
    "verify.one_optimizer_seconds": 20.0,
}
#: search_ttt: epochs TPE + Hyperband needs to reach random search's best, over random
#: search's own (#15: at most a third).
TARGETS["search_ttt.tpe_hyperband.over_random"] = round(1 / 3, 3)
MINIMUM_TARGETS = {"search.python.speedup": 1.8, "convnet.python.speedup_over_book": 1.0}
#: Iterations per timed round, and rounds (the best counts); --quick uses fewer.
STEP_ITERATIONS, STEP_REPEATS = 50, 9
QUICK_STEP_ITERATIONS, QUICK_STEP_REPEATS = 20, 3
STEP_LR = 0.01
STEP_SEED = 0
#: Environment that pins BLAS to one thread; set before numpy is imported.
ONE_BLAS_THREAD = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


# ---------------------------------------------------------------------------
# The Python step
# ---------------------------------------------------------------------------


def gemm_bound(
    sizes: list[int], batch: int, rng: np.random.RandomState, *, first_dx: bool = True
) -> Callable[[], None]:
    """The step's matrix products alone, on random float64 operands of its shapes:
    x·W forward, dout·Wᵀ and xᵀ·dout backward, per layer. ``first_dx=False`` leaves
    out the first layer's dout·Wᵀ (the input images' gradient, which the book
    computes and pyref skips)."""
    W = [rng.rand(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    X = [rng.rand(batch, a) for a in sizes[:-1]]
    D = [rng.rand(batch, b) for b in sizes[1:]]

    def run() -> None:
        for x, w in zip(X, W):
            np.dot(x, w)
        for k in range(len(W) - 1, -1, -1):
            if k or first_dx:
                np.dot(D[k], W[k].T)
            np.dot(X[k].T, D[k])

    return run


def _best_per_call(f: Callable[[], None], iterations: int) -> float:
    start = time.perf_counter()
    for _ in range(iterations):
        f()
    return (time.perf_counter() - start) / iterations


def step_timing(
    x: np.ndarray,
    t: np.ndarray,
    *,
    hidden: tuple[int, ...] = MNIST_COMPARE_HIDDEN,
    batch: int = MNIST_COMPARE_BATCH,
    iterations: int = STEP_ITERATIONS,
    repeats: int = STEP_REPEATS,
    seed: int = STEP_SEED,
) -> dict[str, Any]:
    """Seconds per step and per GEMM bound in this process (best of ``repeats``)."""
    from pyref.datasets import NUM_CLASSES
    from pyref.nets import MultiLayerNet
    from pyref.optimizers import SGD

    rng = np.random.RandomState(seed)
    net = MultiLayerNet(x.shape[1], list(hidden), NUM_CLASSES, rng=rng)
    opt = SGD(lr=STEP_LR)
    n = x.shape[0]

    def step() -> None:
        mask = rng.choice(n, batch)
        opt.update(net.params, net.gradient(x[mask], t[mask]))

    sizes = [x.shape[1], *hidden, NUM_CLASSES]
    bound = gemm_bound(sizes, batch, np.random.RandomState(seed + 1))
    minimal = gemm_bound(sizes, batch, np.random.RandomState(seed + 1), first_dx=False)
    return {
        **_interleaved(step, bound, minimal, iterations, repeats, warmup=5),
        "maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "blas_threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0),
    }


def _step_data() -> tuple[np.ndarray, np.ndarray]:
    from pyref.datasets import load_mnist

    (x, t), _ = load_mnist(normalize=True)
    return x, t


def _worker_step(quick: bool) -> None:
    """Entry of the one-BLAS-thread subprocess: time the Python step, print JSON."""
    from pyref.allocator import keep_freed_memory

    keep_freed_memory()  # as pyref's commands do
    x, t = _step_data()
    iterations, repeats = (
        (QUICK_STEP_ITERATIONS, QUICK_STEP_REPEATS) if quick else (STEP_ITERATIONS, STEP_REPEATS)
    )
    print(json.dumps(step_timing(x, t, iterations=iterations, repeats=repeats)))


def bench_step_python(quick: bool) -> dict[str, Any]:
    """The Python step in a fresh process with one BLAS thread."""
    env = dict(os.environ, **ONE_BLAS_THREAD)
    cmd = [sys.executable, "-c", f"from pyref.bench import _worker_step; _worker_step({quick!r})"]
    proc = kept.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"the Python step benchmark failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_step_julia(quick: bool, blas: str = "native") -> dict[str, Any]:
    """The Julia step, timed inside Julia (one BLAS thread) through a fresh session,
    its matrix products on Julia's BLAS (``native``) or numpy's (``numpy``)."""
    from pyref.runtime.exe import ExeSession

    x, t = _step_data()
    iterations, repeats = (
        (QUICK_STEP_ITERATIONS, QUICK_STEP_REPEATS) if quick else (STEP_ITERATIONS, STEP_REPEATS)
    )
    with ExeSession() as julia:
        julia.use_blas(blas)
        out = julia.call(
            "PyRef.Bench.step_timing",
            x,
            t,
            hidden=list(MNIST_COMPARE_HIDDEN),
            batch=MNIST_COMPARE_BATCH,
            lr=STEP_LR,
            iterations=iterations,
            repeats=repeats,
            seed=STEP_SEED,
        )
    out["steps"], out["bounds"] = list(out["steps"]), list(out["bounds"])
    return out


# ---------------------------------------------------------------------------
# Chapter 7: a SimpleConvNet step
# ---------------------------------------------------------------------------

#: Iterations per timed round and rounds for the convnet step (a step is ~40x the MLP's).
CONVNET_ITERATIONS, CONVNET_REPEATS = 10, 7
QUICK_CONVNET_ITERATIONS, QUICK_CONVNET_REPEATS = 4, 3


def convnet_gemm_bound(
    batch: int,
    rng: np.random.RandomState,
    *,
    first_dx: bool = True,
    filters: int = 30,
    fsize: int = 5,
    side: int = 28,
    hidden: int = 100,
    classes: int = 10,
) -> Callable[[], None]:
    """The matrix products of one SimpleConvNet step, on random operands in the step's
    own layouts: the convolution's col (C-ordered) times col_W (W's transposed view),
    col.T times dout and, with ``first_dx`` (the book computes it, pyref skips it),
    dout times col_W.T; then x·W, dout·Wᵀ and xᵀ·dout for both Affine layers."""
    o = side - fsize + 1
    noo, cff, pooled = batch * o * o, fsize * fsize, filters * (o // 2) ** 2
    col = rng.rand(noo, cff)
    col_W = rng.rand(filters, 1, fsize, fsize).reshape(filters, -1).T
    dout = rng.rand(noo, filters)
    X = [rng.rand(batch, pooled), rng.rand(batch, hidden)]
    W = [rng.rand(pooled, hidden), rng.rand(hidden, classes)]
    D = [rng.rand(batch, hidden), rng.rand(batch, classes)]

    def run() -> None:
        np.dot(col, col_W)
        for x, w in zip(X, W):
            np.dot(x, w)
        for k in (1, 0):
            np.dot(D[k], W[k].T)
            np.dot(X[k].T, D[k])
        np.dot(col.T, dout)
        if first_dx:
            np.dot(dout, col_W.T)

    return run


def _interleaved(
    step: Callable[[], None],
    bound: Callable[[], None],
    minimal: Callable[[], None],
    iterations: int,
    repeats: int,
    warmup: int = 3,
) -> dict[str, Any]:
    """Step and bounds timed in alternating rounds, after ``warmup`` calls of each;
    the best round of each counts."""
    for _ in range(warmup):
        step()
        bound()
        minimal()
    steps, bounds, minimals = [], [], []
    for _ in range(repeats):
        bounds.append(_best_per_call(bound, iterations))
        minimals.append(_best_per_call(minimal, iterations))
        steps.append(_best_per_call(step, iterations))
    return {
        "step_seconds": min(steps),
        "bound_seconds": min(bounds),
        "ratio": min(steps) / min(bounds),
        "minimal_bound_seconds": min(minimals),
        "minimal_ratio": min(steps) / min(minimals),
        "steps": steps,
        "bounds": bounds,
    }


def convnet_parts(net: Any, opt: Any, x: np.ndarray, t: np.ndarray) -> dict[str, float]:
    """Seconds per call of each part of a pyref step (best of 5 rounds of 5), on one
    minibatch: where the time beyond the matrix products goes."""
    from pyref.convolution import _im2col

    def best(f: Callable[[], Any]) -> float:
        return min(_best_per_call(f, 5) for _ in range(5))

    L = net.layers
    conv, relu1, pool = L["Conv1"], L["Relu1"], L["Pool1"]
    parts = {"im2col": best(lambda: _im2col(x, 5, 5, 1, 0, 24, 24))}
    parts["conv forward (im2col, product, bias)"] = best(lambda: conv.forward(x))
    h = conv.forward(x)
    parts["relu1 forward"] = best(lambda: relu1.forward(h))
    r = relu1.forward(h)
    parts["pool forward (argmax)"] = best(lambda: pool.forward(r))
    net.last_layer.forward(net._predict(x), t)
    d = L["Affine1"].backward(
        L["Relu2"].backward(L["Affine2"].backward(net.last_layer.backward(1)))
    )
    parts["pool backward (scatter)"] = best(lambda: pool.backward(d))
    pd = pool.backward(d)
    parts["relu1 backward"] = best(lambda: relu1.backward(pd.copy()))
    rd = relu1.backward(pd)
    parts["conv backward (db, dW)"] = best(lambda: conv.backward(rd, need_dx=False))
    parts["conv backward with dx (col2im)"] = best(lambda: conv.backward(rd))
    grads = net.gradient(x, t)
    parts["gradient (all layers)"] = best(lambda: net.gradient(x, t))
    parts["Adam update"] = best(lambda: opt.update(net.params, grads))
    return parts


def convnet_timing(
    x: np.ndarray,
    t: np.ndarray,
    *,
    book: str | None = None,
    batch: int = 100,
    iterations: int = CONVNET_ITERATIONS,
    repeats: int = CONVNET_REPEATS,
    seed: int = STEP_SEED,
) -> dict[str, Any]:
    """Seconds per SimpleConvNet step (minibatch, gradient, Adam) and per GEMM bound in
    this process; pyref's, or with ``book`` (a checkout's path) the book's own code."""
    from pyref.experiments.chapter7 import CONVNET_LR

    rng = np.random.RandomState(seed)
    if book is None:
        from pyref.convnet import SimpleConvNet
        from pyref.optimizers import Adam
    else:
        sys.path[:0] = [book, str(Path(book) / "ch07")]
        from common.optimizer import Adam  # type: ignore[no-redef]
        from simple_convnet import SimpleConvNet  # type: ignore[no-redef]

        np.random.seed(seed)
    net = SimpleConvNet() if book else SimpleConvNet(rng=rng)
    opt = Adam(lr=CONVNET_LR)
    n = x.shape[0]

    def step() -> None:
        mask = rng.choice(n, batch)
        opt.update(net.params, net.gradient(x[mask], t[mask]))

    out = _interleaved(
        step,
        convnet_gemm_bound(batch, np.random.RandomState(seed + 1)),
        convnet_gemm_bound(batch, np.random.RandomState(seed + 1), first_dx=False),
        iterations,
        repeats,
    )
    if book is None:
        mask = rng.choice(n, batch)
        out["parts"] = convnet_parts(net, opt, x[mask].astype(np.float64), t[mask])
    out["maxrss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["blas_threads"] = int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0)
    return out


def _convnet_data() -> tuple[np.ndarray, np.ndarray]:
    from pyref.datasets import load_mnist

    (x, t), _ = load_mnist(normalize=True, flatten=False)
    return x, t


def _worker_convnet(quick: bool, book: str | None = None) -> None:
    """Entry of the one-BLAS-thread subprocess: time a convnet step, print JSON."""
    from pyref.allocator import keep_freed_memory

    keep_freed_memory()
    x, t = _convnet_data()
    iterations, repeats = (
        (QUICK_CONVNET_ITERATIONS, QUICK_CONVNET_REPEATS)
        if quick
        else (CONVNET_ITERATIONS, CONVNET_REPEATS)
    )
    result = convnet_timing(x, t, book=book, iterations=iterations, repeats=repeats)
    print(json.dumps(result))


def bench_convnet_python(quick: bool, book: str | None = None) -> dict[str, Any]:
    """pyref's convnet step (or the book's, from the checkout ``book``) in a fresh
    process with one BLAS thread."""
    env = dict(os.environ, **ONE_BLAS_THREAD)
    code = f"from pyref.bench import _worker_convnet; _worker_convnet({quick!r}, {book!r})"
    proc = kept.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=3600
    )
    if proc.returncode != 0:
        who = "the book's" if book else "the Python"
        raise RuntimeError(f"{who} convnet benchmark failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_convnet_julia(quick: bool) -> dict[str, Any]:
    """PyRef's convnet step, timed inside Julia (one BLAS thread) through a fresh session."""
    from pyref.runtime.exe import ExeSession

    x, t = _convnet_data()
    iterations, repeats = (
        (QUICK_CONVNET_ITERATIONS, QUICK_CONVNET_REPEATS)
        if quick
        else (CONVNET_ITERATIONS, CONVNET_REPEATS)
    )
    with ExeSession() as julia:
        out = julia.call(
            "PyRef.Bench.convnet_timing",
            x,
            t,
            batch=100,
            iterations=iterations,
            repeats=repeats,
            seed=STEP_SEED,
        )
    out["steps"], out["bounds"] = list(out["steps"]), list(out["bounds"])
    return out


# ---------------------------------------------------------------------------
# The search
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


# ---------------------------------------------------------------------------
# The parity run
# ---------------------------------------------------------------------------


def bench_parity(quick: bool) -> dict[str, Any]:
    """``pyref parity`` in a fresh process: its wall time and Julia's first result."""
    with tempfile.TemporaryDirectory(prefix="pyref-bench-") as tmp:
        report_path = Path(tmp) / "parity.json"
        cmd = [sys.executable, "-m", "pyref.cli", "parity", "--json", str(report_path)]
        if quick:
            cmd.append("--quick")
        env = dict(os.environ, MPLBACKEND="Agg", PYREF_JULIA_BRIDGE="exe")
        started = time.perf_counter()
        proc = kept.run(cmd, capture_output=True, text=True, env=env, timeout=3600, folder=tmp)
        wall = time.perf_counter() - started
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"pyref parity could not run:\n{proc.stderr[-3000:]}")
        report = json.loads(report_path.read_text())
    first = report["results"][0] if report["results"] else {"julia_seconds": 0.0}
    startup = report["info"].get("julia_startup_seconds", 0.0)
    return {
        "quick": quick,
        "wall_seconds": wall,
        "julia_startup_seconds": startup,
        "julia_first_result_seconds": startup + first["julia_seconds"],
        "scenarios": report["scenarios"],
        "scenarios_passed": report["scenarios_passed"],
    }


#: The port `pyref bench --only verify` checks: one optimizer, a few lines.
VERIFY_PORT = """using PyRef.Verify
mutable struct Momentum; lr; momentum; v; end
function update!(o::Momentum, p, g)
    o.v === nothing && (o.v = Dict(k => zero(v) for (k, v) in p))
    for k in keys(p)
        o.v[k] .= o.momentum .* o.v[k] .- o.lr .* g[k]
        p[k] .+= o.v[k]
    end
end
verify_optimizer("Momentum"; make=h -> Momentum(h.lr, h.momentum, nothing), step=update!)
"""


def bench_verify() -> dict[str, Any]:
    """``pyref verify`` of a one-optimizer port in a fresh process, Julia's start included."""
    with tempfile.TemporaryDirectory(prefix="pyref-bench-") as tmp:
        port = Path(tmp) / "momentum.jl"
        port.write_text(VERIFY_PORT)
        report_path = Path(tmp) / "verify.json"
        cmd = [sys.executable, "-m", "pyref.cli", "verify", str(port), "--json", str(report_path)]
        env = dict(os.environ, PYREF_JULIA_BRIDGE="exe")
        started = time.perf_counter()
        proc = kept.run(cmd, capture_output=True, text=True, env=env, timeout=600, folder=tmp)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(
                f"pyref verify did not pass:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
            )
        report = json.loads(report_path.read_text())
    return {"wall_seconds": wall, "verdicts": [c["verdict"] for c in report["checks"]]}


# ---------------------------------------------------------------------------
# The whole benchmark
# ---------------------------------------------------------------------------


def _busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def machine_info() -> dict[str, Any]:
    """Which machine the numbers come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


#: The sections of the benchmark, in the order they run.
SECTIONS = ("step", "convnet", "search", "parity", "verify")
#: Every section: also search-ttt (about 20 minutes: it runs only when named in --only).
ALL_SECTIONS = ("step", "convnet", "search", "search-ttt", "parity", "verify")


def _record_step(record: dict[str, Any], name: str, r: dict[str, Any]) -> dict[str, Any]:
    """A step timing's details and its four figures (seconds, bound, both ratios) under ``name``."""
    record["details"][name] = r
    figures = record["figures"]
    figures[f"{name}.seconds"] = r["step_seconds"]
    figures[f"{name}.bound_seconds"] = r["bound_seconds"]
    figures[f"{name}.ratio"] = r["ratio"]
    figures[f"{name}.minimal_ratio"] = r["minimal_ratio"]
    return r


#: What a checkout of the book's code must hold for the convnet section's ``book``.
_BOOK_FILES = ("ch07/simple_convnet.py", "common/optimizer.py")


def _check_book(book: str | None, sections: tuple[str, ...]) -> None:
    """ValueError naming ``--book`` unless ``book`` is None or a checkout of the book's
    code (_BOOK_FILES) that the convnet section will time."""
    if book is None:
        return
    if "convnet" not in sections:
        raise ValueError(
            "--book times the book's SimpleConvNet in the convnet section: add convnet to --only"
        )
    root = Path(book)
    if not root.is_dir():
        raise ValueError(f"--book {book}: there is no folder {root}")
    missing = [f for f in _BOOK_FILES if not (root / f).is_file()]
    if missing:
        raise ValueError(
            f"--book {book}: not a checkout of deep-learning-from-scratch (no {', '.join(missing)})"
        )


def run(
    quick: bool = False,
    sections: tuple[str, ...] = SECTIONS,
    book: str | None = None,
    ttt: dict[str, int | None] | None = None,
) -> dict[str, Any]:
    """Every section's measurements as one flat dict of figures plus details; ``ttt``
    may set the search-ttt section's ``seeds``, ``trials`` and ``epochs``. ValueError
    for a ``book`` that is not a checkout of the book's code, before any work."""
    _check_book(book, sections)
    record: dict[str, Any] = {
        "machine": machine_info(),
        "quick": quick,
        "figures": {},
        "details": {},
    }
    figures = record["figures"]
    busy0, t0 = _busy_cpu_seconds(), time.monotonic()
    if "step" in sections:
        steps = (
            ("python", bench_step_python),
            ("julia", bench_step_julia),
            ("julia_numpy", lambda q: bench_step_julia(q, "numpy")),
        )
        for lang, func in steps:
            r = _record_step(record, f"step.{lang}", func(quick))
            figures[f"memory.step.{lang}.peak_rss_mb"] = r["maxrss_bytes"] / 2**20
        # With numpy's BLAS both languages run the same kernels: Julia's step against Python's.
        figures["step.julia_numpy.over_python"] = (
            figures["step.julia_numpy.seconds"] / figures["step.python.seconds"]
        )
    if "convnet" in sections:
        for lang, func in (("python", bench_convnet_python), ("julia", bench_convnet_julia)):
            _record_step(record, f"convnet.{lang}", func(quick))
        if book is not None:
            r = bench_convnet_python(quick, book)
            record["details"]["convnet.book"] = r
            figures["convnet.book.seconds"] = r["step_seconds"]
            figures["convnet.book.ratio"] = r["ratio"]
            figures["convnet.python.speedup_over_book"] = (
                r["step_seconds"] / figures["convnet.python.seconds"]
            )
    if "search" in sections:
        searches = bench_searches(quick)
        record["details"]["search"] = searches
        for engine, r in searches.items():
            for run in r["runs"]:
                figures[f"search.{engine}.workers{run['workers']}.trials_per_hour"] = run[
                    "trials_per_hour"
                ]
            figures[f"search.{engine}.speedup"] = r["speedup"]
            figures[f"memory.search.{engine}.workers2.peak_rss_mb"] = (
                r["runs"][1]["peak_rss_bytes"] / 2**20
            )
    if "search-ttt" in sections:
        from pyref.study import bench as sb

        given = {k: v for k, v in (ttt or {}).items() if v is not None}
        defaults = (
            {
                "seeds": sb.QUICK_TTT_SEEDS,
                "trials": sb.QUICK_TTT_TRIALS,
                "epochs": sb.QUICK_TTT_EPOCHS,
            }
            if quick
            else {"seeds": sb.TTT_SEEDS, "trials": sb.TTT_TRIALS, "epochs": sb.TTT_EPOCHS}
        )
        r = sb.bench_time_to_target(
            **{**defaults, **given}, report=lambda line: print(line, file=sys.stderr, flush=True)
        )
        record["details"]["search_ttt"] = r
        for name, value in r["median_epochs_to_target"].items():
            figures[f"search_ttt.{name}.median_epochs"] = value
        figures["search_ttt.tpe.over_random"] = r["tpe_over_random"]
        figures["search_ttt.tpe_hyperband.over_random"] = r["tpe_hyperband_over_random"]
    if "parity" in sections:
        r = bench_parity(quick)
        record["details"]["parity"] = r
        figures["parity.wall_seconds"] = r["wall_seconds"]
        figures["parity.julia_first_result_seconds"] = r["julia_first_result_seconds"]
    if "verify" in sections:
        r = bench_verify()
        record["details"]["verify"] = r
        figures["verify.one_optimizer_seconds"] = r["wall_seconds"]
    busy1 = _busy_cpu_seconds()
    if busy0 is not None and busy1 is not None:
        record["machine"]["busy_cpus_during_run"] = round(
            (busy1 - busy0) / (time.monotonic() - t0), 2
        )
    return record


def format_table(record: dict[str, Any]) -> str:
    """The figures as a table, with targets where the issue set one."""
    lines = [f"{'figure':<44} {'value':>12}  target"]
    for key, value in record["figures"].items():
        mark = ""
        if key in TARGETS:
            mark = f"≤ {TARGETS[key]}  " + ("ok" if value <= TARGETS[key] else "MISSED")
        elif key in MINIMUM_TARGETS:
            mark = f"≥ {MINIMUM_TARGETS[key]}  " + (
                "ok" if value >= MINIMUM_TARGETS[key] else "MISSED"
            )
        shown = f"{value:.6f}" if key.endswith("seconds") and value < 1 else f"{value:.3f}"
        lines.append(f"{key:<44} {shown:>12}  {mark}")
    m = record["machine"]
    lines.append("")
    lines.append(
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy {m['numpy']}"
        + (
            f"; other load meanwhile: {m['busy_cpus_during_run']} busy CPUs incl. this run"
            if "busy_cpus_during_run" in m
            else ""
        )
    )
    return "\n".join(lines)
