"""The book's ch06 scripts as functions that return their data (plotting is in figures).

Each experiment draws from ``rng`` (numpy's global stream by default) in the
order the book's script does, so ``np.random.seed(s)`` followed by an experiment
gives the book script's numbers under the same seed. Experiments on MNIST take
``data`` as ``load_mnist`` returns it: ((x_train, t_train), (x_test, t_test)).
:mod:`pyref.experiments.registry` registers them for the CLI, figures and parity suite.

Longer than 500 lines because it is chapter 6 whole, read line by line beside its
twin julia/src/experiments/chapter6.jl.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Callable

import numpy as np

from pyref.checks import check_positive_int
from pyref.datasets import NUM_CLASSES, first_samples
from pyref.initialization import HISTOGRAM_INITS, WeightInit, activation_histogram
from pyref.nets import MultiLayerNet, MultiLayerNetExtend
from pyref.optimizers import SGD, make_optimizer
from pyref.rng import resolve_rng
from pyref.search import SEARCH_EPOCHS, SEARCH_TRAIN_SAMPLES, SEARCH_TRIALS, random_search
from pyref.trainer import Trainer, iter_per_epoch

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

__all__ = [
    "Data",
    "NAIVE_INIT_POS",
    "NAIVE_STEPS",
    "NAIVE_OPTIMIZERS",
    "MNIST_COMPARE_HIDDEN",
    "MNIST_COMPARE_BATCH",
    "MNIST_COMPARE_ITERATIONS",
    "MNIST_COMPARE_OPTIMIZERS",
    "WEIGHT_INIT_COMPARE",
    "HISTOGRAM_ACTIVATIONS",
    "HISTOGRAM_FITTED_RANGES",
    "BATCHNORM_TRAIN_SAMPLES",
    "BATCHNORM_HIDDEN",
    "BATCHNORM_EPOCHS",
    "BATCHNORM_SCALES",
    "BATCHNORM_GRADCHECK_HIDDEN",
    "OVERFIT_TRAIN_SAMPLES",
    "OVERFIT_HIDDEN",
    "OVERFIT_DECAY_EPOCHS",
    "OVERFIT_DROPOUT_EPOCHS",
    "OVERFIT_DROPOUT_RATIO",
    "OVERFIT_DECAY_VARIANTS",
    "VANISHING_HIDDEN",
    "VANISHING_CONFIGS",
    "VANISHING_EPOCHS",
    "VANISHING_LR",
    "optimizer_compare_naive",
    "optimizer_compare_mnist",
    "weight_init_activation_histogram",
    "fitted_histogram",
    "weight_init_compare",
    "batch_norm_test",
    "batch_norm_gradient_check",
    "overfit_weight_decay",
    "overfit_dropout",
    "hyperparameter_optimization",
    "gradient_vanishing",
]

#: 6.1.7: f(x, y) = x**2 / 20 + y**2 from (-7, 2), and the book's four optimizers.
NAIVE_INIT_POS = (-7.0, 2.0)
NAIVE_STEPS = 30
NAIVE_OPTIMIZERS: dict[str, tuple[str, dict[str, float]]] = {
    "SGD": ("sgd", {"lr": 0.95}),
    "Momentum": ("momentum", {"lr": 0.1}),
    "AdaGrad": ("adagrad", {"lr": 1.5}),
    "Adam": ("adam", {"lr": 0.3}),
}

#: 6.1.8 and 6.2.4: a 784-100x4-10 net, batches of 128, 2000 iterations.
MNIST_COMPARE_HIDDEN = (100, 100, 100, 100)
MNIST_COMPARE_BATCH = 128
MNIST_COMPARE_ITERATIONS = 2000
MNIST_COMPARE_OPTIMIZERS = ("SGD", "Momentum", "AdaGrad", "Adam")
WEIGHT_INIT_COMPARE: dict[str, WeightInit] = {"std=0.01": 0.01, "Xavier": "sigmoid", "He": "relu"}
HISTOGRAM_ACTIVATIONS = ("sigmoid", "relu", "tanh")
#: The range each activation's histogram is also counted over, so that a figure can show
#: all of it: sigmoid's (0, 1) (the book's, for every activation), tanh's (-1, 1); any
#: other (ReLU) from each layer's largest output, its exact zeros counted apart.
HISTOGRAM_FITTED_RANGES: dict[str, tuple[float, float]] = {
    "sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
}

#: 6.3.2: 1000 training samples, 784-100x5-10, 20 epochs, 16 weight scales 1 .. 1e-4.
BATCHNORM_TRAIN_SAMPLES = 1000
BATCHNORM_HIDDEN = (100, 100, 100, 100, 100)
BATCHNORM_EPOCHS = 20
BATCHNORM_SCALES = 16
BATCHNORM_GRADCHECK_HIDDEN = (100, 100)

#: 6.4: 300 training samples, 784-100x6-10.
OVERFIT_TRAIN_SAMPLES = 300
OVERFIT_HIDDEN = (100, 100, 100, 100, 100, 100)
OVERFIT_DECAY_EPOCHS = 201
OVERFIT_DROPOUT_EPOCHS = 301
OVERFIT_DROPOUT_RATIO = 0.2
#: The weight-decay variants compared: (label, kind, lambda); the book's first.
OVERFIT_DECAY_VARIANTS: tuple[tuple[str, str, float], ...] = (
    ("L2 λ=0.1", "l2", 0.1),
    ("no decay", "l2", 0.0),
    ("L1 λ=0.001", "l1", 0.001),
)

#: Gradient vanishing (course reports): 784-40-20-10 trained three ways.
VANISHING_HIDDEN = (40, 20)
VANISHING_CONFIGS: dict[str, tuple[str, WeightInit]] = {
    "sigmoid, std=0.01": ("sigmoid", 0.01),
    "ReLU, He": ("relu", "he"),
    "sigmoid, Xavier": ("sigmoid", "xavier"),
}
VANISHING_EPOCHS = 20
VANISHING_LR = 0.1


def _progress(iterable: Iterable, total: int, desc: str, enabled: bool) -> Iterable:
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=False)


_first = first_samples


def optimizer_compare_naive(*, steps: int = NAIVE_STEPS) -> dict[str, Any]:
    """6.1.7: each optimizer's path on f(x, y) = x**2/20 + y**2 from (-7, 2).

    Parameters are plain floats, as in the book; no random numbers are drawn.
    """
    steps = check_positive_int("steps", steps)
    paths: dict[str, dict[str, list[float]]] = {}
    for label, (name, kwargs) in NAIVE_OPTIMIZERS.items():
        optimizer = make_optimizer(name, **kwargs)
        params: dict[str, Any] = {"x": NAIVE_INIT_POS[0], "y": NAIVE_INIT_POS[1]}
        xs, ys = [], []
        for _ in range(steps):
            xs.append(float(params["x"]))
            ys.append(float(params["y"]))
            grads = {"x": params["x"] / 10.0, "y": 2.0 * params["y"]}
            optimizer.update(params, grads)
        paths[label] = {"x": xs, "y": ys}
    return {"init_pos": list(NAIVE_INIT_POS), "steps": steps, "paths": paths}


def _compare_on_mnist(
    data: Data,
    nets: dict[str, MultiLayerNet],
    optimizers: dict[str, Any],
    iterations: int,
    batch_size: int,
    rng: np.random.RandomState | None,
    progress: bool,
    desc: str,
) -> dict[str, list[float]]:
    """The shared loop of 6.1.8 and 6.2.4: one minibatch per iteration, every net a step."""
    x_train, t_train = _first(data, None)
    r = resolve_rng(rng)
    losses: dict[str, list[float]] = {key: [] for key in nets}
    for _ in _progress(range(iterations), iterations, desc, progress):
        batch_mask = r.choice(x_train.shape[0], batch_size)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        for key, net in nets.items():
            grads = net.gradient(x_batch, t_batch)
            optimizers[key].update(net.params, grads)
            losses[key].append(float(net.loss(x_batch, t_batch)))
    return losses


def optimizer_compare_mnist(
    data: Data,
    *,
    iterations: int = MNIST_COMPARE_ITERATIONS,
    batch_size: int = MNIST_COMPARE_BATCH,
    hidden: Sequence[int] = MNIST_COMPARE_HIDDEN,
    optimizers: Sequence[str] = MNIST_COMPARE_OPTIMIZERS,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """6.1.8: training loss per iteration for SGD, Momentum, AdaGrad and Adam (defaults)."""
    iterations = check_positive_int("iterations", iterations)
    batch_size = check_positive_int("batch_size", batch_size)
    x_train, _ = _first(data, None)
    opts = {name: make_optimizer(name) for name in optimizers}
    nets = {
        name: MultiLayerNet(x_train.shape[1], list(hidden), NUM_CLASSES, rng=rng) for name in opts
    }
    losses = _compare_on_mnist(
        data, nets, opts, iterations, batch_size, rng, progress, "optimizers"
    )
    return {"iterations": iterations, "batch_size": batch_size, "train_loss": losses}


def weight_init_activation_histogram(
    *,
    activations: Sequence[str] = HISTOGRAM_ACTIVATIONS,
    inits: dict[str, WeightInit] | None = None,
    rng: np.random.RandomState | None = None,
) -> dict[str, Any]:
    """6.2.2-6.2.3: histograms of each layer's activations for every activation x scale.

    Combinations run in order (activation outer, scale inner) on one stream, each
    drawing its input and five weight matrices as the book's script does; the
    first (sigmoid, std=1) is the book's script as printed. ``counts`` are over the
    book's (0, 1) for every activation; ``fitted`` counts each layer over its
    activation's own range (:func:`fitted_histogram`).
    """
    inits = dict(HISTOGRAM_INITS if inits is None else inits)
    counts: dict[str, dict[str, list[list[int]]]] = {}
    stats: dict[str, dict[str, dict[str, list[float]]]] = {}
    fitted: dict[str, dict[str, dict[str, list]]] = {}
    edges: list[float] = []
    for act in activations:
        counts[act], stats[act], fitted[act] = {}, {}, {}
        for label, init in inits.items():
            h = activation_histogram(act, init, rng=rng)
            counts[act][label] = h["counts"].tolist()
            a = h["activations"]
            stats[act][label] = {
                "mean": a.mean(axis=(1, 2)).tolist(),
                "std": a.std(axis=(1, 2)).tolist(),
            }
            fitted[act][label] = fitted_histogram(act, a, len(h["counts"][0]))
            edges = h["edges"].tolist()
    return {"edges": edges, "counts": counts, "stats": stats, "fitted": fitted}


def fitted_histogram(activation: str, activations: np.ndarray, bins: int) -> dict[str, list]:
    """Each layer's histogram (``activations``: layers x samples x nodes) over the range
    that shows all of it: :data:`HISTOGRAM_FITTED_RANGES`, else (0, the layer's largest
    value) with exact zeros left out of the bars and counted in ``zeros`` (ReLU's spike,
    which would dwarf every other bar)."""
    fixed = HISTOGRAM_FITTED_RANGES.get(activation)
    edges, counts, zeros = [], [], []
    for layer in activations:
        values = layer.ravel()
        zeros.append(int(np.count_nonzero(values == 0)))
        if fixed is None:
            values = values[values != 0]
            top = float(values.max()) if values.size else 0.0
            lo, hi = 0.0, top if top > 0 else 1.0
        else:
            lo, hi = fixed
        c, e = np.histogram(values, bins, range=(lo, hi))
        counts.append(c.tolist())
        edges.append(e.tolist())
    return {"edges": edges, "counts": counts, "zeros": zeros}


def weight_init_compare(
    data: Data,
    *,
    iterations: int = MNIST_COMPARE_ITERATIONS,
    batch_size: int = MNIST_COMPARE_BATCH,
    hidden: Sequence[int] = MNIST_COMPARE_HIDDEN,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """6.2.4: training loss for std=0.01, Xavier and He initial weights (ReLU nets, SGD)."""
    iterations = check_positive_int("iterations", iterations)
    batch_size = check_positive_int("batch_size", batch_size)
    x_train, _ = _first(data, None)
    nets = {
        key: MultiLayerNet(
            x_train.shape[1], list(hidden), NUM_CLASSES, weight_init_std=init, rng=rng
        )
        for key, init in WEIGHT_INIT_COMPARE.items()
    }
    sgd = SGD(lr=0.01)
    opts = {key: sgd for key in nets}
    losses = _compare_on_mnist(data, nets, opts, iterations, batch_size, rng, progress, "inits")
    return {"iterations": iterations, "batch_size": batch_size, "train_loss": losses}


def _epoch_loop(
    n_train: int,
    batch_size: int,
    max_epochs: int,
    rng: np.random.RandomState | None,
    step: Callable[[np.ndarray], None],
    evaluate: Callable[[], None],
) -> None:
    """The book's hand-written epoch loop: draw a batch, step, and evaluate whenever
    the iteration count is a multiple of iter_per_epoch (from 0), until max_epochs."""
    r = resolve_rng(rng)
    per_epoch = iter_per_epoch(n_train, batch_size)
    epoch_cnt = 0
    i = 0
    while True:
        step(r.choice(n_train, batch_size))
        if i % per_epoch == 0:
            evaluate()
            epoch_cnt += 1
            if epoch_cnt >= max_epochs:
                break
        i += 1


def batch_norm_test(
    data: Data,
    *,
    train_samples: int = BATCHNORM_TRAIN_SAMPLES,
    max_epochs: int = BATCHNORM_EPOCHS,
    scales: int = BATCHNORM_SCALES,
    batch_size: int = 100,
    lr: float = 0.01,
    hidden: Sequence[int] = BATCHNORM_HIDDEN,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """6.3.2: training accuracy with and without Batch Normalization for weight scales
    logspace(0, -4, 16); per scale the BN net is built first, then the plain one."""
    x_train, t_train = _first(data, train_samples)
    max_epochs = check_positive_int("max_epochs", max_epochs)
    scale_list = np.logspace(0, -4, num=check_positive_int("scales", scales))
    acc, bn_acc = [], []
    for w in _progress(scale_list, len(scale_list), "weight scales", progress):
        bn_net = MultiLayerNetExtend(
            x_train.shape[1],
            list(hidden),
            NUM_CLASSES,
            weight_init_std=w,
            use_batchnorm=True,
            rng=rng,
        )
        net = MultiLayerNetExtend(
            x_train.shape[1], list(hidden), NUM_CLASSES, weight_init_std=w, rng=rng
        )
        optimizer = SGD(lr=lr)
        train_acc: list[float] = []
        bn_train_acc: list[float] = []

        def step(mask: np.ndarray, nets=(bn_net, net), opt: SGD = optimizer) -> None:
            x_batch, t_batch = x_train[mask], t_train[mask]
            for _net in nets:
                opt.update(_net.params, _net.gradient(x_batch, t_batch))

        def evaluate(nets=(bn_net, net), accs=(bn_train_acc, train_acc)) -> None:
            for _net, acc_list in zip(nets, accs):
                acc_list.append(float(_net.accuracy(x_train, t_train)))

        _epoch_loop(x_train.shape[0], batch_size, max_epochs, rng, step, evaluate)
        acc.append(train_acc)
        bn_acc.append(bn_train_acc)
    return {"weight_scales": scale_list.tolist(), "train_acc": acc, "bn_train_acc": bn_acc}


def batch_norm_gradient_check(
    data: Data,
    *,
    hidden: Sequence[int] = BATCHNORM_GRADCHECK_HIDDEN,
    samples: int = 1,
    rng: np.random.RandomState | None = None,
) -> dict[str, Any]:
    """6.3 (batch_norm_gradient_check.py): mean |backprop - numerical| per parameter
    for a Batch-Normalization net on the first ``samples`` training samples."""
    x, t = _first(data, samples)
    net = MultiLayerNetExtend(x.shape[1], list(hidden), NUM_CLASSES, use_batchnorm=True, rng=rng)
    backprop = net.gradient(x, t)
    numerical = net.numerical_gradient(x, t)
    diff = {key: float(np.average(np.abs(backprop[key] - numerical[key]))) for key in numerical}
    return {"hidden": list(hidden), "samples": samples, "diff": diff}


def overfit_weight_decay(
    data: Data,
    *,
    train_samples: int = OVERFIT_TRAIN_SAMPLES,
    max_epochs: int = OVERFIT_DECAY_EPOCHS,
    variants: Sequence[tuple[str, str, float]] = OVERFIT_DECAY_VARIANTS,
    batch_size: int = 100,
    lr: float = 0.01,
    hidden: Sequence[int] = OVERFIT_HIDDEN,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """6.4.1-6.4.2: train and test accuracy per epoch on 300 samples, for each weight
    decay variant in order (the book's L2 λ=0.1 first, then none, then L1)."""
    x_train, t_train = _first(data, train_samples)
    (_, _), (x_test, t_test) = data
    max_epochs = check_positive_int("max_epochs", max_epochs)
    results: dict[str, dict[str, Any]] = {}
    for label, kind, lam in _progress(variants, len(variants), "decay variants", progress):
        net = MultiLayerNet(
            x_train.shape[1],
            list(hidden),
            NUM_CLASSES,
            weight_decay_lambda=lam,
            weight_decay=kind,
            rng=rng,
        )
        optimizer = SGD(lr=lr)
        train_acc: list[float] = []
        test_acc: list[float] = []

        def step(mask: np.ndarray, net: MultiLayerNet = net, opt: SGD = optimizer) -> None:
            opt.update(net.params, net.gradient(x_train[mask], t_train[mask]))

        def evaluate(net: MultiLayerNet = net, tr: list = train_acc, te: list = test_acc) -> None:
            tr.append(float(net.accuracy(x_train, t_train)))
            te.append(float(net.accuracy(x_test, t_test)))

        _epoch_loop(x_train.shape[0], batch_size, max_epochs, rng, step, evaluate)
        results[label] = {"kind": kind, "lambda": lam, "train_acc": train_acc, "test_acc": test_acc}
    return {"variants": results}


def _train_curves(
    net: MultiLayerNetExtend,
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_test: np.ndarray,
    t_test: np.ndarray,
    epochs: int,
    lr: float,
    rng: np.random.RandomState | None,
    progress: bool,
) -> dict[str, list[float]]:
    """Train ``net`` with the book's Trainer (SGD, batches of 100); its three curves."""
    trainer = Trainer(
        net,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=epochs,
        mini_batch_size=100,
        optimizer="sgd",
        optimizer_param={"lr": lr},
        verbose=False,
        progress=progress,
        rng=rng,
    )
    trainer.train()
    return {
        "train_acc": [float(a) for a in trainer.train_acc_list],
        "test_acc": [float(a) for a in trainer.test_acc_list],
        "train_loss": [float(v) for v in trainer.train_loss_list],
    }


def overfit_dropout(
    data: Data,
    *,
    train_samples: int = OVERFIT_TRAIN_SAMPLES,
    epochs: int = OVERFIT_DROPOUT_EPOCHS,
    dropout_ratio: float = OVERFIT_DROPOUT_RATIO,
    lr: float = 0.01,
    hidden: Sequence[int] = OVERFIT_HIDDEN,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """6.4.3: the Trainer on 300 samples with Dropout (the book's run), then without."""
    x_train, t_train = _first(data, train_samples)
    (_, _), (x_test, t_test) = data
    results: dict[str, dict[str, Any]] = {}
    for label, use in (("dropout", True), ("no dropout", False)):
        net = MultiLayerNetExtend(
            x_train.shape[1],
            list(hidden),
            NUM_CLASSES,
            use_dropout=use,
            dropout_ration=dropout_ratio,
            rng=rng,
        )
        curves = _train_curves(net, x_train, t_train, x_test, t_test, epochs, lr, rng, progress)
        results[label] = {"dropout_ratio": dropout_ratio if use else 0.0, **curves}
    return {"variants": results}


def hyperparameter_optimization(
    data: Data,
    *,
    train_samples: int = SEARCH_TRAIN_SAMPLES,
    trials: int = SEARCH_TRIALS,
    epochs: int = SEARCH_EPOCHS,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """6.5.3: random search over lr and weight decay on 500 samples (20 % validation)."""
    x, t = _first(data, train_samples)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=trials, desc="trials", leave=False)
    found = random_search(
        x, t, trials, epochs, rng=rng, on_trial=(lambda _: bar.update()) if bar else None
    )
    if bar is not None:
        bar.close()
    return {"trials": [tr.to_dict() for tr in found]}


def gradient_vanishing(
    data: Data,
    *,
    epochs: int = VANISHING_EPOCHS,
    lr: float = VANISHING_LR,
    train_samples: int | None = None,
    hidden: Sequence[int] = VANISHING_HIDDEN,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """A 784-40-20-10 net trained with sigmoid + std 0.01 (gradients vanish: it does not
    learn), ReLU + He, and sigmoid + Xavier, in that order, with the Trainer and SGD."""
    x_train, t_train = _first(data, train_samples)
    (_, _), (x_test, t_test) = data
    results: dict[str, dict[str, Any]] = {}
    for label, (act, init) in VANISHING_CONFIGS.items():
        net = MultiLayerNet(
            x_train.shape[1],
            list(hidden),
            NUM_CLASSES,
            activation=act,
            weight_init_std=init,
            rng=rng,
        )
        curves = _train_curves(net, x_train, t_train, x_test, t_test, epochs, lr, rng, progress)
        results[label] = {"activation": act, "weight_init_std": init, **curves}
    return {"configs": results}
