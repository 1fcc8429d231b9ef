"""``pyref bench``'s step section: one iteration of 6.1.8's loop for the
optimizer_compare_mnist net (784-100x4-10, ReLU, He, SGD, batches of 128: draw the
minibatch, gradient, update) in pyref and in PyRef (timed inside Julia), each against
its own *GEMM bound*: the same forward and backward matrix products alone, through the
same BLAS. Both languages use one BLAS thread (as search workers do), and step and
bound are timed in alternating rounds (:func:`interleaved`, the best round counting),
so that load from elsewhere hits both alike. Twin: ``julia/src/bench/step.jl``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from pyref.experiments.chapter6 import MNIST_COMPARE_BATCH, MNIST_COMPARE_HIDDEN
from pyref.runtime import kept

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


def interleaved(
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
        bounds.append(best_per_call(bound, iterations))
        minimals.append(best_per_call(minimal, iterations))
        steps.append(best_per_call(step, iterations))
    return {
        "step_seconds": min(steps),
        "bound_seconds": min(bounds),
        "ratio": min(steps) / min(bounds),
        "minimal_bound_seconds": min(minimals),
        "minimal_ratio": min(steps) / min(minimals),
        "steps": steps,
        "bounds": bounds,
    }


def best_per_call(f: Callable[[], None], iterations: int) -> float:
    """Seconds per call of ``f``, over ``iterations`` calls in a row."""
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
        **interleaved(step, bound, minimal, iterations, repeats, warmup=5),
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
    cmd = [
        sys.executable,
        "-c",
        f"from pyref.bench.step import _worker_step; _worker_step({quick!r})",
    ]
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
