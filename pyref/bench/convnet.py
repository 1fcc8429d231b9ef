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
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from pyref.bench.step import ONE_BLAS_THREAD, STEP_SEED, best_per_call, interleaved
from pyref.runtime import kept

#: Iterations per timed round and rounds for the convnet step (a step is ~40x the MLP's).
CONVNET_ITERATIONS, CONVNET_REPEATS = 10, 7
QUICK_CONVNET_ITERATIONS, QUICK_CONVNET_REPEATS = 4, 3


def conv_gemm_bound(
    convs: Sequence[tuple[int, int, int]],
    affines: Sequence[tuple[int, int]],
    batch: int,
    rng: np.random.RandomState,
    *,
    first_dx: bool = True,
) -> Callable[[], None]:
    """The matrix products of one step of a convolutional net, on random operands in
    the step's own layouts: each convolution's col (C-ordered) times col_W (W's
    transposed view), then x·W for each Affine layer; backward, the last layer first,
    dout·Wᵀ and xᵀ·dout per Affine layer, then col.T times dout and dout times col_W.T
    per convolution (the first one's only with ``first_dx``: the book computes it,
    pyref skips it).

    Args:
        convs: per convolution, in order, (N·OH·OW, C·FH·FW, FN): col's rows and
            columns, and the filters.
        affines: per Affine layer, in order, (inputs, outputs): W's shape.
        batch: images per step, N.
        rng: the operands' random stream.
        first_dx: whether to include the first convolution's dout·col_Wᵀ.

    Returns:
        run: a function performing every product once.
    """
    cols, col_Ws, douts = [], [], []
    for rows, width, filters in convs:
        cols.append(rng.rand(rows, width))
        col_Ws.append(rng.rand(filters, width).T)
        douts.append(rng.rand(rows, filters))
    X = [rng.rand(batch, a) for a, _ in affines]
    W = [rng.rand(a, b) for a, b in affines]
    D = [rng.rand(batch, b) for _, b in affines]

    def run() -> None:
        for col, col_W in zip(cols, col_Ws):
            np.dot(col, col_W)
        for x, w in zip(X, W):
            np.dot(x, w)
        for k in range(len(W) - 1, -1, -1):
            np.dot(D[k], W[k].T)
            np.dot(X[k].T, D[k])
        for k in range(len(cols) - 1, -1, -1):
            np.dot(cols[k].T, douts[k])
            if k or first_dx:
                np.dot(douts[k], col_Ws[k].T)

    return run


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
    """The matrix products of one SimpleConvNet step (:func:`conv_gemm_bound`): the
    convolution's col·col_W, col.T·dout and, with ``first_dx`` (the book computes it,
    pyref skips it), dout·col_W.T; then x·W, dout·Wᵀ and xᵀ·dout for both Affine layers."""
    o = side - fsize + 1
    pooled = filters * (o // 2) ** 2
    return conv_gemm_bound(
        [(batch * o * o, fsize * fsize, filters)],
        [(pooled, hidden), (hidden, classes)],
        batch,
        rng,
        first_dx=first_dx,
    )


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


#: The book's nets the sections time: class name -> (its folder, its module) in a checkout.
BOOK_NETS = {
    "SimpleConvNet": ("ch07", "simple_convnet"),
    "DeepConvNet": ("ch08", "deep_convnet"),
}


def _book_code(book: str, net: str = "SimpleConvNet") -> tuple[Any, Any]:
    """The book's ``net`` class (a key of BOOK_NETS) and its Adam class, from the
    checkout ``book``: its package ``common`` under that name (as the book's scripts
    import it), then the net's module, each found in its folder (``sys.path`` left as
    it is)."""
    root = Path(book)
    folder, module = BOOK_NETS[net]
    _load("common", root)
    optimizer = importlib.import_module("common.optimizer")
    return getattr(_load(module, root / folder), net), optimizer.Adam


def _step_timing(
    net: Any,
    opt: Any,
    x: np.ndarray,
    t: np.ndarray,
    rng: np.random.RandomState,
    batch: int,
    bounds: tuple[Callable[[], None], Callable[[], None]],
    iterations: int,
    repeats: int,
    warmup: int = 3,
) -> dict[str, Any]:
    """A Trainer's step (draw a minibatch of ``batch`` from ``rng``, gradient, update)
    against the GEMM ``bounds`` (with and without the first layer's dx), interleaved."""
    n = x.shape[0]

    def step() -> None:
        mask = rng.choice(n, batch)
        opt.update(net.params, net.gradient(x[mask], t[mask]))

    return interleaved(step, *bounds, iterations, repeats, warmup)


def _process_figures(out: dict[str, Any]) -> dict[str, Any]:
    """``out`` with this process's peak resident memory and its BLAS threads."""
    out["maxrss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["blas_threads"] = int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0)
    return out


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
    bounds = (
        convnet_gemm_bound(batch, np.random.RandomState(seed + 1)),
        convnet_gemm_bound(batch, np.random.RandomState(seed + 1), first_dx=False),
    )
    out = _step_timing(net, opt, x, t, rng, batch, bounds, iterations, repeats)
    if book is None:
        mask = rng.choice(x.shape[0], batch)
        out["parts"] = convnet_parts(net, opt, x[mask].astype(np.float64), t[mask])
    return _process_figures(out)


def _convnet_data() -> tuple[np.ndarray, np.ndarray]:
    from pyref.datasets import load_mnist

    (x, t), _ = load_mnist(normalize=True, flatten=False)
    return x, t


def _worker(
    timing: Callable[..., dict[str, Any]], rounds: tuple[int, int], book: str | None
) -> None:
    """A one-BLAS-thread subprocess's work: ``timing`` (iterations, repeats =
    ``rounds``) of a step on the MNIST training images, printed as JSON."""
    from pyref.allocator import keep_freed_memory

    keep_freed_memory()
    x, t = _convnet_data()
    iterations, repeats = rounds
    print(json.dumps(timing(x, t, book=book, iterations=iterations, repeats=repeats)))


def _worker_convnet(quick: bool, book: str | None = None) -> None:
    """Entry of the one-BLAS-thread subprocess: time a convnet step, print JSON."""
    rounds = (
        (QUICK_CONVNET_ITERATIONS, QUICK_CONVNET_REPEATS)
        if quick
        else (CONVNET_ITERATIONS, CONVNET_REPEATS)
    )
    _worker(convnet_timing, rounds, book)


def _in_subprocess(code: str, what: str) -> dict[str, Any]:
    """The JSON that ``code`` prints last, run in a fresh Python with one BLAS thread;
    RuntimeError naming ``what`` (the step) if it fails."""
    env = dict(os.environ, **ONE_BLAS_THREAD)
    proc = kept.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=3600
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{what} benchmark failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_convnet_python(quick: bool, book: str | None = None) -> dict[str, Any]:
    """pyref's convnet step (or the book's, from the checkout ``book``) in a fresh
    process with one BLAS thread."""
    code = f"from pyref.bench.convnet import _worker_convnet; _worker_convnet({quick!r}, {book!r})"
    return _in_subprocess(code, "the book's convnet" if book else "the Python convnet")


def _in_julia(function: str, rounds: tuple[int, int], **kwargs: Any) -> dict[str, Any]:
    """``function`` of PyRef (a step's timing) on the MNIST training images, with
    iterations, repeats = ``rounds``, timed inside Julia through a fresh session."""
    from pyref.runtime.exe import ExeSession

    x, t = _convnet_data()
    iterations, repeats = rounds
    with ExeSession() as julia:
        out = julia.call(
            function, x, t, iterations=iterations, repeats=repeats, seed=STEP_SEED, **kwargs
        )
    out["steps"], out["bounds"] = list(out["steps"]), list(out["bounds"])
    return out


def bench_convnet_julia(quick: bool) -> dict[str, Any]:
    """PyRef's convnet step, timed inside Julia (one BLAS thread) through a fresh session."""
    rounds = (
        (QUICK_CONVNET_ITERATIONS, QUICK_CONVNET_REPEATS)
        if quick
        else (CONVNET_ITERATIONS, CONVNET_REPEATS)
    )
    return _in_julia("PyRef.Bench.convnet_timing", rounds, batch=100)
