"""Test vectors that numpy itself produces, for checking PyRef.NumpyRandom bit for bit.

``write_oracle(directory)`` runs a list of cases through ``np.random.RandomState``
and writes each output as .npy plus a ``manifest.tsv`` listing the calls; the
Julia tests replay the same calls and compare with ``===``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

#: Seeds the oracle covers: small, typical, the largest allowed, and a large one.
ORACLE_SEEDS = (0, 1, 42, 123456789, 2**32 - 1)

#: Each case: a list of calls on one fresh RandomState(seed); every call's output is saved.
#: A call is [function, args...] as both sides name them.
ORACLE_CASES: dict[str, list[list[Any]]] = {
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
    ],  # fmt: skip
    "choice": [["choice", 60000, 128], ["choice", 10, 10, False], ["choice", 500, 100]],
    "permutation": [["permutation", 10], ["permutation", 500]],
    "shuffle_rows": [["shuffle_rows", 7, 3]],
    "interleaved": [
        ["randn", 3],
        ["rand", 2, 2],
        ["randint", 0, 100, 3],
        ["randn", 1],
        ["uniform", 1.0, 2.0],
        ["randn", 2],
        ["permutation", 5],
        ["get_state"],
    ],  # fmt: skip
}


def _call(rs: np.random.RandomState, call: list[Any]) -> np.ndarray:
    name, *args = call
    if name == "rand":
        return np.asarray(rs.rand(*args))
    if name == "randn":
        return np.asarray(rs.randn(*args))
    if name == "uniform":
        lo, hi, *size = args
        return np.asarray(rs.uniform(lo, hi, *size) if not size else rs.uniform(lo, hi, size[0]))
    if name == "randint":
        if len(args) == 1:
            return np.asarray(rs.randint(args[0]), dtype=np.int64)
        lo, hi, *size = args
        return np.asarray(rs.randint(lo, hi, size=tuple(size)), dtype=np.int64)
    if name == "choice":
        n, size, *replace = args
        return np.asarray(
            rs.choice(n, size, replace=replace[0] if replace else True), dtype=np.int64
        )
    if name == "permutation":
        return np.asarray(rs.permutation(args[0]), dtype=np.int64)
    if name == "shuffle_rows":
        x = np.arange(args[0] * args[1], dtype=np.float64).reshape(args[0], args[1])
        rs.shuffle(x)
        return x
    if name == "get_state":
        _, key, pos, has_gauss, gauss = rs.get_state()
        return np.concatenate([key.astype(np.float64), [pos, has_gauss, gauss]])
    raise ValueError(f"unknown oracle call {name!r}")


def write_oracle(directory: str | os.PathLike) -> None:
    """Write every case for every seed into ``directory`` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for seed in ORACLE_SEEDS:
        for case, calls in ORACLE_CASES.items():
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
    net = MultiLayerNetExtend(20, [8, 6], 10, use_batchnorm=True, use_dropout=True, dropout_ratio=0.2,
                              weight_decay_lambda=0.05, rng=np.random.RandomState(3))  # fmt: skip
    _save(out, "comp_net_W1", net.params["W1"])
    _save(out, "comp_net_W3", net.params["W3"])
    g = net.gradient(xs[:10], ts[:10])
    for key in ("W1", "b2", "gamma1", "beta2", "W3"):
        _save(out, f"comp_net_grad_{key}", g[key])
    _save(out, "comp_net_loss", net.loss(xs[:10], ts[:10]))
    rng = np.random.RandomState(4)
    net2 = MultiLayerNetExtend(20, [8, 6], 10, use_dropout=True, dropout_ratio=0.2, rng=rng)
    tr = Trainer(net2, xs, ts, xs[:20], ts[:20], epochs=3, mini_batch_size=16, optimizer="adam",
                 optimizer_param={"lr": 0.01}, verbose=False, rng=rng)  # fmt: skip
    tr.train()
    _save(out, "comp_trainer_loss", tr.train_loss_list)
    _save(out, "comp_trainer_acc", tr.train_acc_list)
    found = random_search(xs, ts, trials=3, epochs=2, hidden=(5, 5), rng=np.random.RandomState(5))
    _save(out, "comp_search_hp", [[tr.weight_decay, tr.lr] for tr in found])
    _save(out, "comp_search_val", [tr.val_acc_list for tr in found])
    h = activation_histogram("sigmoid", "xavier", rng=np.random.RandomState(6))
    _save(out, "comp_hist_counts", h["counts"])


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
    from pyref.nets import MultiLayerNet
    from pyref.search import sample_hyperparameters
    from pyref.trainer import Trainer

    weight_decay, lr = sample_hyperparameters(rng)
    net = MultiLayerNet(x_tr.shape[1], list(hidden), 10, weight_decay_lambda=weight_decay, rng=rng)
    trainer = Trainer(
        net,
        x_tr,
        t_tr,
        x_val,
        t_val,
        epochs=epochs,
        mini_batch_size=batch_size,
        optimizer="sgd",
        optimizer_param={"lr": lr},
        verbose=False,
        rng=rng,
    )
    for _ in range(trainer.max_iter):
        trainer.train_step()
    return trainer.train_loss_list, trainer.test_acc_list


def write_search_trials(directory: str | os.PathLike) -> None:
    """Inputs and pyref's results for PyRef.search_trial (the ``search_*`` files):
    trials of both streams of `pyref search`, run by pyref.search.run_trial on small
    learnable data, their training losses, and a diverging trial."""
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
    _save(out, "search_trial_seeds", [trial_seed(s, i) for s, i in
                                      ((0, 0), (7, 3), (2**32 - 1, 10), (123, 10**6))])  # fmt: skip
    # Per-trial stream: the first trial of seed 7 with a large lr, so that it learns.
    index = next(i for i in range(1000)
                 if sample_hyperparameters(np.random.RandomState(trial_seed(7, i)))[1] > 3e-3)  # fmt: skip
    _save(out, "search_per_trial_index", index)
    record("search_per_trial", np.random.RandomState(trial_seed(7, index)), index)
    # Inputs so large that the first loss overflows: stopped at once, with a reason.
    tr = run_trial(0, x_tr.astype(np.float64) * 1e300, t_tr, x_val, t_val, epochs,
                   rng=np.random.RandomState(trial_seed(7, 0)), stop_on_divergence=True, **kw)  # fmt: skip
    assert tr.fail_reason is not None
    _save(out, "search_diverged_acc", [tr.val_acc_list, tr.train_acc_list])
    (out / "search_diverged_reason.txt").write_text(tr.fail_reason)
