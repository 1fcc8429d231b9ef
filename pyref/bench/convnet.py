"""``pyref bench``'s convnet section: one SimpleConvNet training step (chapter 7: the
book's net, batches of 100 images, Adam) in pyref and PyRef, each against its GEMM
bound: the step's convolution and Affine products alone, in the step's own layouts
(``col`` C-ordered, ``col_W`` W's transposed view, ...); ``--book DIR`` also times the
book's own code (a checkout of deep-learning-from-scratch) on the same machine. Each
language also reports where the rest of its time goes, layer by layer (im2col,
pooling's argmax, the scatter back, col2im, ...). Twin: ``julia/src/bench/convnet.jl``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import os
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from pyref.bench.step import ONE_BLAS_THREAD, STEP_SEED, best_per_call, interleaved
from pyref.runtime import kept

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


def convnet_parts(net: Any, opt: Any, x: np.ndarray, t: np.ndarray) -> dict[str, float]:
    """Seconds per call of each part of a pyref step (best of 5 rounds of 5), on one
    minibatch: where the time beyond the matrix products goes."""
    from pyref.convolution import im2col

    def best(f: Callable[[], Any]) -> float:
        return min(best_per_call(f, 5) for _ in range(5))

    L = net.layers
    conv, relu1, pool = L["Conv1"], L["Relu1"], L["Pool1"]
    parts = {"im2col": best(lambda: im2col(x, 5, 5))}
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


def _load(name: str, folder: Path) -> ModuleType:
    """The module or package ``name`` as an import finds it in ``folder``, run and
    registered under its name (a package's submodules then import from its folder)."""
    spec = importlib.machinery.PathFinder.find_spec(name, [str(folder)])
    if spec is None:
        raise ImportError(f"no module {name} in {folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if spec.loader is not None:
        spec.loader.exec_module(module)
    return module


def _book_code(book: str) -> tuple[Any, Any]:
    """The book's SimpleConvNet and Adam classes, from the checkout ``book``: its package
    ``common`` under that name (as the book's scripts import it), then ch07's
    simple_convnet, each found in its folder (``sys.path`` left as it is)."""
    root = Path(book)
    _load("common", root)
    optimizer = importlib.import_module("common.optimizer")
    convnet = _load("simple_convnet", root / "ch07")
    return convnet.SimpleConvNet, optimizer.Adam


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
        SimpleConvNet, Adam = _book_code(book)  # type: ignore[misc]
        np.random.seed(seed)
    net = SimpleConvNet() if book else SimpleConvNet(rng=rng)
    opt = Adam(lr=CONVNET_LR)
    n = x.shape[0]

    def step() -> None:
        mask = rng.choice(n, batch)
        opt.update(net.params, net.gradient(x[mask], t[mask]))

    out = interleaved(
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
    code = f"from pyref.bench.convnet import _worker_convnet; _worker_convnet({quick!r}, {book!r})"
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
