"""Test vectors that numpy itself produces, for checking PyRef bit for bit.

``write_numpy_vectors(directory)`` runs a list of cases through ``np.random.RandomState``
and writes each output as .npy plus a ``manifest.tsv`` listing the calls; the
Julia tests replay the same calls and compare with ``===``. It also writes the
component vectors (``comp_*``, see :func:`write_components`) and numpy's float64
exp/log/tanh/power on about 1.2 million inputs (``nm_*``, see
:func:`write_numpymath`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from pyref.parity.random_calls import SEEDS, random_call

#: Each case: a list of calls on one fresh RandomState(seed); every call's output is saved.
#: A call is [function, args...] as both sides name them.
RANDOM_CASES: dict[str, list[list[Any]]] = {
    "rand": [["rand", 5], ["rand", 3, 4], ["rand"], ["rand", 2, 3, 4]],
    "randn_odd": [["randn", 3], ["randn"], ["randn", 2, 2], ["randn", 5]],
    "randn_big": [["randn", 100000]],
    "randn_mnist": [["randn", 784, 100]],
    "uniform": [["uniform", -8.0, -4.0], ["uniform", -6.0, -2.0], ["uniform", 0.0, 1.0, 7]],
    "randint": [
        ["randint", 0, 10, 20],
        ["randint", -5, 5, 3, 3],
        ["randint", 7, 8, 4],
        ["randint", 0, 2**40, 6],
        ["randint", 0, 2**32, 5],
        ["randint", 0, 2**32 + 1, 5],
        ["randint", 1000],
    ],
    "choice": [["choice", 60000, 128], ["choice", 10, 10, False], ["choice", 500, 100]],
    "permutation": [["permutation", 10], ["permutation", 500]],
    "shuffle_rows": [["shuffle", 7, 3]],
    "interleaved": [
        ["randn", 3],
        ["rand", 2, 2],
        ["randint", 0, 100, 3],
        ["randn", 1],
        ["uniform", 1.0, 2.0],
        ["randn", 2],
        ["permutation", 5],
        ["state"],
    ],
}


def _call(rs: np.random.RandomState, call: list[Any]) -> np.ndarray:
    """One call as an array to save: :func:`random_call` draws it; the generator's
    state is saved flat (key, pos, has_gauss, cached_gaussian), draws of indices as int64."""
    out = random_call(rs, call)
    if call[0] == "state":
        tail = [out["pos"], out["has_gauss"], out["cached_gaussian"]]
        return np.concatenate([out["key"].astype(np.float64), tail])
    integral = call[0] in ("randint", "choice", "permutation")
    return np.asarray(out, dtype=np.int64) if integral else np.asarray(out)


def write_numpy_vectors(directory: str | os.PathLike) -> None:
    """Write every case for every seed into ``directory`` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for seed in SEEDS:  # those of the random-stream scenarios
        for case, calls in RANDOM_CASES.items():
            if case in ("randn_big", "randn_mnist") and seed not in (0, 42):
                continue
            rs = np.random.RandomState(seed)
            for k, call in enumerate(calls):
                fname = f"{case}-{seed}-{k}.npy"
                np.save(out / fname, _call(rs, call), allow_pickle=False)
                words = [str(seed), fname, *(_word(a) for a in call)]
                manifest.append("\t".join(words))
    # Tab-separated (Julia's standard library reads it without a JSON parser).
    (out / "manifest.tsv").write_text("\n".join(manifest) + "\n")
    write_components(out)
    write_numpymath(out)
    write_search_trials(out)


def _word(value: Any) -> str:
    """One call argument as text: ints plainly, floats with a '.', booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _save(out: Path, name: str, value: Any) -> None:
    np.save(out / f"{name}.npy", np.asarray(value), allow_pickle=False)


def write_components(directory: str | os.PathLike) -> None:
    """Inputs and pyref's outputs for the Julia twin's component tests (the
    ``comp_*`` files): each computation is replayed in Julia and compared, exactly
    where the arithmetic is elementwise, to 1e-12 relative where BLAS is involved."""
    from pyref import layers as L
    from pyref.functions import cross_entropy_error, smooth_curve, softmax
    from pyref.initialization import activation_histogram
    from pyref.nets import MultiLayerNetExtend
    from pyref.optimizers import make_optimizer
    from pyref.search import random_search
    from pyref.trainer import Trainer

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rs = np.random.RandomState(2024)
    # Elementwise functions and reductions on given inputs.
    x = rs.randn(7, 10) * 3
    _save(out, "comp_x", x)
    _save(out, "comp_softmax", softmax(x))
    t = rs.randint(0, 10, 7)
    _save(out, "comp_t", t)
    _save(out, "comp_ce", cross_entropy_error(softmax(x), t))
    big = rs.randn(784, 100) * 10 ** rs.uniform(-3, 3, (784, 100))
    _save(out, "comp_big", big)
    _save(out, "comp_big_sum", np.sum(big**2))
    _save(out, "comp_big_sum0", big.sum(axis=0))
    curve = np.abs(rs.randn(40))
    _save(out, "comp_smooth_in", curve)
    _save(out, "comp_smooth", smooth_curve(curve))
    # Layers on given inputs.
    for name in ("Sigmoid", "Relu"):
        layer = getattr(L, name)()
        _save(out, f"comp_{name}_fwd", layer.forward(x))
        _save(out, f"comp_{name}_bwd", layer.backward(x * 0.5))
    gamma, beta = rs.rand(10) + 0.5, rs.randn(10)
    bn = L.BatchNormalization(gamma.copy(), beta.copy())
    _save(out, "comp_gamma", gamma)
    _save(out, "comp_beta", beta)
    _save(out, "comp_bn_fwd", bn.forward(x, True))
    _save(out, "comp_bn_bwd", bn.backward(x * 0.25))
    _save(out, "comp_bn_dgamma", bn.dgamma)
    _save(out, "comp_bn_running_var", bn.running_var)
    _save(out, "comp_bn_test", bn.forward(x, False))
    drop = L.Dropout(0.3, rng=np.random.RandomState(8))
    _save(out, "comp_dropout", drop.forward(x, True))
    # Optimizers over given gradients.
    p0 = rs.randn(6, 4)
    grads = rs.randn(12, 6, 4)
    _save(out, "comp_p0", p0)
    _save(out, "comp_grads", grads)
    for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        params = {"w": p0.copy()}
        opt = make_optimizer(name)
        for g in grads:
            opt.update(params, {"w": g})
        _save(out, f"comp_opt_{name}", params["w"])
    # Initial weights, gradients, a training run and a search on small data.
    xs = rs.rand(60, 20).astype(np.float32)
    ts = rs.randint(0, 10, 60).astype(np.uint8)
    _save(out, "comp_xs", xs)
    _save(out, "comp_ts", ts)
    net = MultiLayerNetExtend(
        20,
        [8, 6],
        10,
        use_batchnorm=True,
        use_dropout=True,
        dropout_ratio=0.2,
        weight_decay_lambda=0.05,
        rng=np.random.RandomState(3),
    )
    _save(out, "comp_net_W1", net.params["W1"])
    _save(out, "comp_net_W3", net.params["W3"])
    g = net.gradient(xs[:10], ts[:10])
    for key in ("W1", "b2", "gamma1", "beta2", "W3"):
        _save(out, f"comp_net_grad_{key}", g[key])
    _save(out, "comp_net_loss", net.loss(xs[:10], ts[:10]))
    rng = np.random.RandomState(4)
    net2 = MultiLayerNetExtend(20, [8, 6], 10, use_dropout=True, dropout_ratio=0.2, rng=rng)
    tr = Trainer(
        net2,
        xs,
        ts,
        xs[:20],
        ts[:20],
        epochs=3,
        mini_batch_size=16,
        optimizer="adam",
        optimizer_param={"lr": 0.01},
        verbose=False,
        rng=rng,
    )
    tr.train()
    _save(out, "comp_trainer_loss", tr.train_loss_list)
    _save(out, "comp_trainer_acc", tr.train_acc_list)
    found = random_search(xs, ts, trials=3, epochs=2, hidden=(5, 5), rng=np.random.RandomState(5))
    _save(out, "comp_search_hp", [[tr.weight_decay, tr.lr] for tr in found])
    _save(out, "comp_search_val", [tr.val_acc_list for tr in found])
    h = activation_histogram("sigmoid", "xavier", rng=np.random.RandomState(6))
    _save(out, "comp_hist_counts", h["counts"])


# --------------------------------------------------------------------------
# numpy's elementwise math: np.exp, np.log, np.tanh, np.power
# --------------------------------------------------------------------------

#: Seed of the random inputs of :func:`write_numpymath`.
NUMPYMATH_SEED = 20240607


def _f64(bits: Any) -> np.ndarray:
    """Doubles from their IEEE bit patterns."""
    return np.asarray(bits, dtype=np.uint64).view(np.float64)


def _neighbours(values: Any, k: int) -> np.ndarray:
    """Each value and the k doubles on either side of it (stepping through the bit patterns)."""
    bits = np.asarray(values, dtype=np.float64).view(np.int64)
    return (bits[:, None] + np.arange(-k, k + 1)[None, :]).ravel().view(np.float64)


def _random_doubles(rs: np.random.RandomState, n: int) -> np.ndarray:
    """n uniformly random bit patterns: every sign, exponent, NaN payload and subnormal."""
    high = rs.randint(0, 2**32, size=n, dtype=np.uint64)
    low = rs.randint(0, 2**32, size=n, dtype=np.uint64)
    return _f64((high << np.uint64(32)) | low)


def _subnormals(rs: np.random.RandomState, n: int) -> np.ndarray:
    return _f64(rs.randint(1, 2**52, size=n, dtype=np.uint64))


def _with_fraction_prefixes(rs: np.random.RandomState, prefixes: np.ndarray, n: int) -> np.ndarray:
    """n positive normal doubles whose top 16 fraction bits are drawn from `prefixes`
    (the rest of the fraction and the exponent random)."""
    prefix = np.asarray(prefixes, dtype=np.uint64)[rs.randint(0, len(prefixes), n)]
    exponent = rs.randint(1, 2047, n).astype(np.uint64)
    low = rs.randint(0, 2**36, size=n, dtype=np.uint64)
    return _f64((exponent << np.uint64(52)) | (prefix << np.uint64(36)) | low)


def _rounding_steps(denominator: int) -> np.ndarray:
    """16-bit fraction prefixes of m in [1, 2) around the points where round(denominator/m)
    steps (m = denominator/(k + 1/2)): where SVML's rounded vrcp14pd reciprocal of the
    mantissa changes, in log (denominator 32) and pow (64). vrcp14pd's relative error
    below 2^-14 moves a step by at most 16 prefixes, so 16 either side are covered."""
    k = np.arange(denominator // 2, denominator)
    centre = np.floor((denominator / (k + 0.5) - 1.0) * 65536).astype(np.int64)
    near = (centre[:, None] + np.arange(-16, 17)[None, :]).ravel()
    return np.unique(near[(near >= 0) & (near < 65536)])


_SPECIALS = np.concatenate(
    [
        [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0, -1.0],
        _f64([0x7FF8000000000123, 0xFFF0000000000001, 0x7FF4000000000007]),  # payloads, sNaN
        [5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308],
        [1.7976931348623157e308, -1.7976931348623157e308, 1e-300, -1e-300, 1e300, -1e300],
    ]
)


def numpymath_inputs(rs: np.random.RandomState) -> dict[str, tuple[np.ndarray, ...]]:
    """Inputs for exp, log, tanh and power: the ranges nets produce (softmax arguments,
    sigmoid arguments, log of probabilities, np.logspace), whole-range and random-bit
    values, special values, and the thresholds and table boundaries of SVML's
    kernels with their neighbours."""
    ln2 = np.log(2.0)
    # exp: main/rare-path switch (|x| >= 707.70...), overflow, subnormal results, zero.
    exp_edges = _f64([0x40861DA04CBAFE44, 0xC0861DA04CBAFE44, 0x40862E42FEFA39EF])
    exp_edges = np.concatenate([exp_edges, [-708.3964185322641, -745.1332191019411]])
    k16 = rs.randint(-11300, 11300, 3000)
    k64 = np.concatenate([rs.randint(45300, 45430, 300), -rs.randint(45300, 47700, 1500)])
    exp_x = np.concatenate(
        [
            rs.uniform(-700.0, 0.0, 200_000),  # softmax: x - max(x)
            rs.uniform(-40.0, 40.0, 100_000),  # sigmoid: -x
            rs.normal(0.0, 5.0, 60_000),
            rs.uniform(-746.0, 710.0, 40_000),
            rs.uniform(-745.2, -707.7, 10_000),  # rare path: subnormal results
            rs.uniform(707.7, 709.8, 5_000),
            rs.uniform(-1e-6, 1e-6, 5_000),
            _random_doubles(rs, 20_000),
            _subnormals(rs, 2_000),
            _neighbours(exp_edges, 60),
            _neighbours(k16 * ln2 / 16, 3),  # where floor(16 x/ln2) steps
            _neighbours(k64 * ln2 / 64, 3),  # the rare path's 1/64 steps
            _SPECIALS,
        ]
    )
    log_x = np.concatenate(
        [
            rs.uniform(0.0, 1.0, 150_000) + 1e-7,  # cross-entropy: y + delta
            10 ** rs.uniform(-7.0, 0.0, 100_000),
            10 ** rs.uniform(-308.0, 308.0, 30_000),
            np.abs(_random_doubles(rs, 20_000)),
            _random_doubles(rs, 2_000),
            _subnormals(rs, 3_000),
            _with_fraction_prefixes(rs, _rounding_steps(32), 30_000),
            _neighbours([1.0, 2.0, 0.5, 0.75, 4.0 / 3.0, 1e-7], 50),
            _SPECIALS,
            [-1e-300, -1e300, -7.5],
        ]
    )
    # tanh: the 16 intervals start at |x| = 2^-3 * (1 + i/8 ...) (exponent and top 3
    # fraction bits), and |x| >= 0x7fe8... is "huge".
    tanh_edges = _f64((np.arange(0x3FC00, 0x3FC00 + 16 * 8, 8, dtype=np.uint64)) << np.uint64(44))
    tanh_edges = np.concatenate([tanh_edges, _f64([0x7FE0000000000000, 0x7FE8000000000000])])
    tanh_x = np.concatenate(
        [
            rs.uniform(-20.0, 20.0, 120_000),
            rs.normal(0.0, 3.0, 60_000),
            _random_doubles(rs, 15_000),
            _subnormals(rs, 2_000),
            _neighbours(np.concatenate([tanh_edges, -tanh_edges]), 20),
            _SPECIALS,
        ]
    )
    power = _power_inputs(rs)
    return {"exp": (exp_x,), "log": (log_x,), "tanh": (tanh_x,), "power": power}


def _power_inputs(rs: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    xs: list[Any] = []
    ys: list[Any] = []

    def add(x: Any, y: Any) -> None:
        x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        xs.append(x.ravel())
        ys.append(y.ravel())

    n = 40_000
    add(10.0, rs.uniform(-4.0, 0.0, n))  # np.logspace(0, -4, ...)
    for num in (2, 5, 16, 50, 101):
        add(10.0, np.linspace(0.0, -4.0, num))
    add(rs.uniform(0.0, 10.0, n), rs.uniform(-10.0, 10.0, n))
    add(10 ** rs.uniform(-300.0, 300.0, n // 2), rs.uniform(-3.0, 3.0, n // 2))
    add(-rs.uniform(0.0, 10.0, n // 4), np.round(rs.uniform(-40.0, 40.0, n // 4)))
    add(-rs.uniform(0.0, 10.0, 2_000), rs.uniform(-5.0, 5.0, 2_000))
    add(_random_doubles(rs, 10_000), _random_doubles(rs, 10_000))
    # x near 1 with large y; y*log2(x) across the whole exponent range.
    near_one = 1.0 + rs.choice([-1.0, 1.0], 10_000) * 2.0 ** rs.uniform(-40.0, -1.0, 10_000)
    add(near_one, rs.uniform(-1100.0, 1100.0, 10_000) / np.log2(near_one))
    # y*log2(x) at the main/rare switch (+-1021.5) and where results overflow or
    # turn subnormal in the rare path (-1022, -1032, -1084, -1075, 1024).
    base = rs.uniform(1.5, 100.0, 20_000)
    target = rs.choice([1021.5, -1021.5, 1024.0, -1022.0, -1032.0, -1084.0, -1075.0], 20_000)
    spread = rs.choice([1e-12, 1e-6, 1.0, 10.0], 20_000)
    add(base, (target + rs.uniform(-1.0, 1.0, 20_000) * spread) / np.log2(base))
    add(-base[:4_000], np.round(rs.uniform(-1090.0, 1030.0, 4_000) / np.log2(base[:4_000])))
    for lo, hi in ((-1086.0, -1021.5), (-1033.0, -1021.5), (1021.5, 1025.0)):
        b = rs.uniform(1.5, 100.0, 4_000) ** rs.choice([-1.0, 1.0], 4_000)
        add(b, rs.uniform(lo, hi, 4_000) / np.log2(b))
    add(_subnormals(rs, 3_000), rs.uniform(-1.2, 1.2, 3_000))
    add(10 ** rs.uniform(-10.0, 10.0, 2_000), _subnormals(rs, 2_000))
    add(_with_fraction_prefixes(rs, _rounding_steps(64), 20_000), rs.uniform(-3.0, 3.0, 20_000))
    grid = np.concatenate(
        [
            _SPECIALS,
            [2.0, -2.0, 0.5, -0.5, 3.0, -3.0, 1.5, 1024.0, -1075.0, 1e10, -1e10],
            [2.0**53, 2.0**53 + 2, -(2.0**53), 2.0**53 - 1, 2.0**52 + 1, 2.0**51 + 0.5],
            [2.0**20 + 1, 2.0**21 + 1, 2.0**21 + 0.5, 2.0**31 + 1, 0.9999999999999999],
        ]
    )
    gx, gy = np.meshgrid(grid, grid)
    add(gx, gy)
    return np.concatenate(xs), np.concatenate(ys)


def write_numpymath(directory: str | os.PathLike) -> None:
    """numpy's float64 np.exp, np.log, np.tanh and np.power (array against array, the
    general loop) on :func:`numpymath_inputs`, as ``nm_<f>_x``, ``nm_power_y`` and
    ``nm_<f>``; plus ``nm_mode.txt``, the implementations this numpy uses as
    pyref.runtime.mathmode finds them (``svml simd``, ``libm simd``, ...)."""
    from pyref.runtime import mathmode

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    inputs = numpymath_inputs(np.random.RandomState(NUMPYMATH_SEED))
    ufuncs = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "power": np.power}
    with np.errstate(all="ignore"):
        for name, args in inputs.items():
            for arg, suffix in zip(args, ("x", "y")):
                _save(out, f"nm_{name}_{suffix}", arg)
            _save(out, f"nm_{name}", ufuncs[name](*args))
    try:
        mode = mathmode.numpy_math()
        words = f"{mode.math} {mode.tanh}"
    except mathmode.NumpyMathError:
        words = "unknown unknown"
    (out / "nm_mode.txt").write_text(words + "\n")


def _save_state(out: Path, name: str, rng: np.random.RandomState) -> None:
    _, key, pos, has_gauss, gauss = rng.get_state()
    _save(out, f"{name}_key", key)
    _save(out, f"{name}_rest", [float(pos), float(has_gauss), float(gauss)])


def _trial_losses(
    x_tr: np.ndarray,
    t_tr: np.ndarray,
    x_val: np.ndarray,
    t_val: np.ndarray,
    epochs: int,
    rng: np.random.RandomState,
    hidden: tuple[int, ...],
    batch_size: int,
) -> tuple[list[float], list[float]]:
    """What run_trial does, step by step, keeping the losses: (losses, val_acc_list)."""
    from pyref.search import BOOK_TRIAL_SETTINGS, sample_hyperparameters
    from pyref.study.trial import trial_trainer

    weight_decay, lr = sample_hyperparameters(rng)
    trainer = trial_trainer(
        x_tr,
        t_tr,
        x_val,
        t_val,
        epochs=epochs,
        hidden=hidden,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        rng=rng,
        **BOOK_TRIAL_SETTINGS,
    )
    for _ in range(trainer.max_iter):
        trainer.train_step()
    return trainer.train_loss_list, trainer.test_acc_list


def write_search_trials(directory: str | os.PathLike) -> None:
    """Inputs and pyref's results for PyRef.run_trial and the Julia engine's trial (the
    ``search_*`` files): trials of both streams of `pyref search`, run by
    pyref.search.run_trial on small learnable data, their training losses, and a
    diverging trial."""
    from pyref.datasets import split_validation
    from pyref.search import run_trial, sample_hyperparameters, trial_seed

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rs = np.random.RandomState(2025)
    x = rs.rand(100, 20).astype(np.float32)
    t = np.argmax(x @ rs.randn(20, 10), axis=1).astype(np.uint8)  # a rule a net can learn
    epochs, kw = 15, {"hidden": (12, 10), "batch_size": 16}

    def record(name: str, rng: np.random.RandomState, number: int) -> None:
        replay = np.random.RandomState()
        replay.set_state(rng.get_state())
        tr = run_trial(number, x_tr, t_tr, x_val, t_val, epochs, rng=rng, **kw)
        losses, val = _trial_losses(x_tr, t_tr, x_val, t_val, epochs, replay, **kw)
        assert val == tr.val_acc_list and replay.get_state()[2] == rng.get_state()[2]
        _save(out, f"{name}_hp", [tr.weight_decay, tr.lr])
        _save(out, f"{name}_acc", [tr.val_acc_list, tr.train_acc_list])
        _save(out, f"{name}_loss", losses)

    stream = np.random.RandomState(5)  # the textbook stream: split, then trials 0 and 1
    (x_tr, t_tr), (x_val, t_val) = split_validation(x, t, 0.2, rng=stream)
    for name, value in (("x_train", x_tr), ("t_train", t_tr), ("x_val", x_val), ("t_val", t_val)):
        _save(out, f"search_{name}", value)
    _save_state(out, "search_textbook_state0", stream)
    for i in range(2):
        record(f"search_textbook_{i}", stream, i)
        _save_state(out, f"search_textbook_state{i + 1}", stream)
    _save(
        out,
        "search_trial_seeds",
        [trial_seed(s, i) for s, i in ((0, 0), (7, 3), (2**32 - 1, 10), (123, 10**6))],
    )
    # Per-trial stream: the first trial of seed 7 with a large lr, so that it learns.
    index = next(
        i
        for i in range(1000)
        if sample_hyperparameters(np.random.RandomState(trial_seed(7, i)))[1] > 3e-3
    )
    _save(out, "search_per_trial_index", index)
    record("search_per_trial", np.random.RandomState(trial_seed(7, index)), index)
    # Inputs so large that the first loss overflows: stopped at once, with a reason.
    tr = run_trial(
        0,
        x_tr.astype(np.float64) * 1e300,
        t_tr,
        x_val,
        t_val,
        epochs,
        rng=np.random.RandomState(trial_seed(7, 0)),
        stop_on_divergence=True,
        **kw,
    )
    assert tr.fail_reason is not None
    _save(out, "search_diverged_acc", [tr.val_acc_list, tr.train_acc_list])
    (out / "search_diverged_reason.txt").write_text(tr.fail_reason)
