"""``pyref bench``'s deepconvnet section: one DeepConvNet training step (chapter 8:
train_deepnet.py's Trainer, batches of 100 images, Adam) in pyref and PyRef, each
against its GEMM bound: the six convolutions' and the two Affine layers' products
alone, in the step's own layouts (as the convnet section's, :mod:`pyref.bench.convnet`,
whose protocol and helpers it shares); ``--book DIR`` also times the book's own code.
Each language also reports where the rest of its time goes, per kind of layer.
Twin: ``julia/src/bench/deep_convnet.jl``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pyref.bench.convnet import (
    _book_code,
    _in_julia,
    _in_subprocess,
    _process_figures,
    _step_timing,
    _worker,
    conv_gemm_bound,
)
from pyref.bench.step import STEP_SEED, best_per_call
from pyref.convnet import CONVNET_INPUT_DIM
from pyref.convolution import POOL_SIZE, window_output_size
from pyref.deep_convnet import _POOL_AFTER, DEEP_CONV_PARAMS, deep_convnet_param_shapes
from pyref.experiments.chapter7 import CONVNET_BATCH, CONVNET_LR

#: Iterations per timed round and rounds (a step is ~10x the SimpleConvNet's), and
#: the warm-up calls of step and bounds before them.
DEEP_CONVNET_ITERATIONS, DEEP_CONVNET_REPEATS = 3, 5
QUICK_DEEP_CONVNET_ITERATIONS, QUICK_DEEP_CONVNET_REPEATS = 1, 2
DEEP_CONVNET_WARMUP = 1
#: The parts are timed best of this many rounds of this many calls.
DEEP_PARTS_ROUNDS, DEEP_PARTS_CALLS = 3, 2


def _out(size: int, window: int, stride: int, pad: int) -> int:
    """Positions of a window along one side (the nets' own geometry)."""
    return window_output_size(
        size, window, stride, pad, axis="side", window_name="window", input_name="input"
    )


def deep_convnet_products(
    batch: int,
) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
    """The shapes of a DeepConvNet step's matrix products (the book's net: the six
    convolutions of ``DEEP_CONV_PARAMS`` with a 2×2 pooling after every second one,
    then W7 and W8 of ``deep_convnet_param_shapes``).

    Args:
        batch: images per step, N.

    Returns:
        convs: per convolution, (N·OH·OW, C·FH·FW, FN): col's shape and the filters.
        affines: per Affine layer, W's shape (inputs, outputs).
    """
    shapes = deep_convnet_param_shapes()
    sides = list(CONVNET_INPUT_DIM[1:])
    convs = []
    for idx, param in enumerate(DEEP_CONV_PARAMS, start=1):
        fn, c, fh, fw = shapes[f"W{idx}"]
        sides = [_out(s, f, param["stride"], param["pad"]) for s, f in zip(sides, (fh, fw))]
        convs.append((batch * sides[0] * sides[1], c * fh * fw, fn))
        if idx in _POOL_AFTER:
            sides = [_out(s, POOL_SIZE, POOL_SIZE, 0) for s in sides]
    affines = [(shapes[k][0], shapes[k][1]) for k in ("W7", "W8")]
    return convs, affines


def deep_convnet_gemm_bound(
    batch: int, rng: np.random.RandomState, *, first_dx: bool = True
) -> Callable[[], None]:
    """The matrix products of one DeepConvNet step (:func:`conv_gemm_bound` with the
    shapes of :func:`deep_convnet_products`): 18 for the convolutions, 6 for the Affine
    layers; without ``first_dx``, not the first convolution's dout·col_Wᵀ (the input
    images' gradient, which the book computes and pyref skips).

    Args:
        batch: images per step.
        rng: the operands' random stream.
        first_dx: whether to include the first convolution's dout·col_Wᵀ.

    Returns:
        run: a function performing every product once.
    """
    convs, affines = deep_convnet_products(batch)
    return conv_gemm_bound(convs, affines, batch, rng, first_dx=first_dx)


def deep_convnet_parts(net: Any, opt: Any, x: np.ndarray, t: np.ndarray) -> dict[str, float]:
    """Seconds per call of each kind of layer of a pyref DeepConvNet step, forward and
    backward (each convolution's forward alone too), the whole gradient and Adam's
    update, on one minibatch (best of DEEP_PARTS_ROUNDS rounds of DEEP_PARTS_CALLS).

    Args:
        net: a pyref DeepConvNet.
        opt: its optimizer (Adam).
        x: one minibatch of images, shape (N, 1, 28, 28).
        t: their labels, shape (N,).

    Returns:
        parts: name -> seconds per call.
    """
    from pyref.convolution import Convolution, Pooling
    from pyref.layers import Affine, Dropout, Relu

    def best(f: Callable[[], Any]) -> float:
        return min(best_per_call(f, DEEP_PARTS_CALLS) for _ in range(DEEP_PARTS_ROUNDS))

    layers = net.layers
    inputs, h = [], x
    for layer in layers:
        inputs.append(h)
        h = layer.forward(h, True) if isinstance(layer, Dropout) else layer.forward(h)
    net.last_layer.forward(h, t)
    douts: list[Any] = [None] * len(layers)
    d = net.last_layer.backward(1)
    for i in range(len(layers) - 1, 0, -1):
        douts[i] = d
        d = layers[i].backward(d)
    douts[0] = d

    def forwards(kind: type) -> Callable[[], None]:
        picked = [(layer, inputs[i]) for i, layer in enumerate(layers) if isinstance(layer, kind)]

        def run() -> None:
            for layer, a in picked:
                layer.forward(a, True) if kind is Dropout else layer.forward(a)

        return run

    def backwards(kind: type) -> Callable[[], None]:
        picked = [(i, layer) for i, layer in enumerate(layers) if isinstance(layer, kind)]

        def run() -> None:
            for i, layer in picked:  # the first convolution skips dx, as the net's gradient
                layer.backward(douts[i], need_dx=False) if i == 0 else layer.backward(douts[i])

        return run

    convs = [i for i, layer in enumerate(layers) if isinstance(layer, Convolution)]
    parts = {}
    for n, i in enumerate(convs, start=1):
        parts[f"conv{n} forward"] = best(lambda i=i: layers[i].forward(inputs[i]))
    kinds = (
        ("conv", Convolution),
        ("relu", Relu),
        ("pool", Pooling),
        ("affine", Affine),
        ("dropout", Dropout),
    )
    for name, kind in kinds:
        parts[f"{name} forward (all)"] = best(forwards(kind))
    for name, kind in kinds:
        parts[f"{name} backward (all)"] = best(backwards(kind))
    grads = net.gradient(x, t)
    parts["gradient (all layers)"] = best(lambda: net.gradient(x, t))
    parts["Adam update"] = best(lambda: opt.update(net.params, grads))
    return parts


def deep_convnet_timing(
    x: np.ndarray,
    t: np.ndarray,
    *,
    book: str | None = None,
    batch: int = CONVNET_BATCH,
    iterations: int = DEEP_CONVNET_ITERATIONS,
    repeats: int = DEEP_CONVNET_REPEATS,
    seed: int = STEP_SEED,
) -> dict[str, Any]:
    """Seconds per DeepConvNet step (minibatch, gradient, Adam with train_deepnet's
    learning rate) and per GEMM bound in this process; pyref's, or with ``book`` (a
    checkout's path) the book's own code.

    Args:
        x: the training images, shape (n, 1, 28, 28).
        t: their labels, shape (n,).
        book: None for pyref, or the path of a checkout of the book's code.
        batch: images per step.
        iterations: steps per timed round.
        repeats: rounds (the best counts).
        seed: the seed of the net's weights, the minibatches and the dropout masks.

    Returns:
        timing: step_seconds, bound_seconds, ratio, the minimal bound's, every round,
            parts (pyref only), maxrss_bytes, blas_threads.
    """
    rng = np.random.RandomState(seed)
    if book is None:
        from pyref.deep_convnet import DeepConvNet
        from pyref.optimizers import Adam

        net = DeepConvNet(rng=rng)
    else:
        DeepConvNet, Adam = _book_code(book, "DeepConvNet")  # type: ignore[misc]
        np.random.seed(seed)
        net = DeepConvNet()
    opt = Adam(lr=CONVNET_LR)
    bounds = (
        deep_convnet_gemm_bound(batch, np.random.RandomState(seed + 1)),
        deep_convnet_gemm_bound(batch, np.random.RandomState(seed + 1), first_dx=False),
    )
    out = _step_timing(net, opt, x, t, rng, batch, bounds, iterations, repeats, DEEP_CONVNET_WARMUP)
    if book is None:
        mask = rng.choice(x.shape[0], batch)
        out["parts"] = deep_convnet_parts(net, opt, x[mask].astype(np.float64), t[mask])
    return _process_figures(out)


def _rounds(quick: bool) -> tuple[int, int]:
    return (
        (QUICK_DEEP_CONVNET_ITERATIONS, QUICK_DEEP_CONVNET_REPEATS)
        if quick
        else (DEEP_CONVNET_ITERATIONS, DEEP_CONVNET_REPEATS)
    )


def _worker_deep_convnet(quick: bool, book: str | None = None) -> None:
    """Entry of the one-BLAS-thread subprocess: time a DeepConvNet step, print JSON."""
    _worker(deep_convnet_timing, _rounds(quick), book)


def bench_deepconvnet_python(quick: bool, book: str | None = None) -> dict[str, Any]:
    """pyref's DeepConvNet step (or the book's, from the checkout ``book``) in a fresh
    process with one BLAS thread.

    Args:
        quick: fewer rounds.
        book: None, or the path of a checkout of the book's code.

    Returns:
        timing: :func:`deep_convnet_timing`'s.
    """
    code = (
        "from pyref.bench.deep_convnet import _worker_deep_convnet; "
        f"_worker_deep_convnet({quick!r}, {book!r})"
    )
    return _in_subprocess(code, "the book's DeepConvNet" if book else "the Python DeepConvNet")


def bench_deepconvnet_julia(quick: bool) -> dict[str, Any]:
    """PyRef's DeepConvNet step, timed inside Julia (one BLAS thread) through a fresh
    session.

    Args:
        quick: fewer rounds.

    Returns:
        timing: ``PyRef.Bench.deep_convnet_timing``'s.
    """
    return _in_julia(
        "PyRef.Bench.deep_convnet_timing",
        _rounds(quick),
        batch=CONVNET_BATCH,
        lr=CONVNET_LR,
        warmup=DEEP_CONVNET_WARMUP,
        parts_rounds=DEEP_PARTS_ROUNDS,
        parts_calls=DEEP_PARTS_CALLS,
    )
