"""The registry of the book's experiments: one :class:`Experiment` record each.

A record holds everything the rest of pyref needs to know about an experiment: its
function, its figure and its Python–Julia overlay (:mod:`pyref.figures`), its data
needs, its ``--quick`` settings, the lines the book's script prints, and its runs in
the parity suite (:class:`ParityRun`). ``pyref run``, the figure gallery
(tools/figure_gallery.py), the notebooks and the parity suite
(:mod:`pyref.parity.scenarios`) all read :data:`EXPERIMENTS`; adding an experiment is
one record here and its twin in ``julia/src/experiments/registry.jl``.

Longer than 500 lines because it is one table, a record per experiment of every
chapter, read (and added to) in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from pyref import figures
from pyref.experiments import chapter3, chapter4, chapter5, chapter6, chapter7, chapter8, cs231n


@dataclass(frozen=True)
class ParityRun:
    """One scenario of the parity suite: the experiment with ``settings`` on a seeded stream.

    Args:
        settings: keyword arguments of the experiment's function (``{}``: the book's).
        variant: suffix of the scenario's name when an experiment runs more than once.
        quick: part of ``pyref parity --quick``.
        full: the book's length (``pyref parity --full`` only).
        data: (training, test) samples handed to both sides; None: the suite's default.
        params: hand it stand-in trained SimpleConvNet parameters instead of training.
        seed: the stream's seed; None: 0 for a full run, else 7.
        name: the scenario's name, if not ``exp-NAME`` (``full-NAME`` for a full run).
        description: the suite's listing; empty: "pyref run NAME, shortened".
    """

    settings: Mapping[str, Any] = field(default_factory=dict)
    variant: str = ""
    quick: bool = True
    full: bool = False
    data: tuple[int, int] | None = None
    params: bool = False
    seed: int | None = None
    name: str = ""
    description: str = ""


@dataclass(frozen=True)
class Experiment:
    """An experiment of the book, as every consumer of the registry reads it.

    Args:
        name: the command-line name (the book script's name with dashes).
        run: the function; ``run(data, rng=..., **settings)`` (no ``data`` when
            ``needs_data`` is false, no ``rng`` when ``draws`` is false) -> result dict.
        section: the book's section, "6.1.7" or "7.5"; "cs231n" for CS231n's assignment 2.
        title: one line for ``pyref run --list``.
        figure: ``figure(result, data=source)`` -> a Figure or a dict name -> Figure.
        overlay: ``overlay(python_result, julia_result, data=source)`` -> Figure.
        needs_data: takes MNIST as ``load_mnist`` returns it.
        one_hot_label: with one-hot labels.
        images: images (N, 1, 28, 28) rather than rows of 784 pixels.
        takes_params: takes trained parameters (``params``, ``--params``) instead of
            training.
        param_shapes: ``param_shapes()`` -> the shapes ``--params`` must have (None:
            SimpleConvNet's).
        takes_weights: takes 3.6's trained weights (``params``: ``--weights``, the same
            option as ``--params``, read by :func:`pyref.simple_nets.init_network`)
            instead of training.
        draws: draws random numbers (takes ``rng``).
        progress: shows a progress bar (takes ``progress``).
        quick: the ``--quick`` settings.
        options: its own command-line options, each a setting -> {value: the settings
            ``--quick`` adds for that value}; ``pyref run NAME --SETTING VALUE``, the
            first value the default.
        book_lines: ``book_lines(result)`` -> the lines the book's script prints at its end.
        parity: its scenarios in the parity suite.
    """

    name: str
    run: Callable[..., dict[str, Any]]
    section: str
    title: str
    figure: Callable[..., Any]
    overlay: Callable[..., Any]
    needs_data: bool = True
    one_hot_label: bool = False
    images: bool = False
    takes_params: bool = False
    param_shapes: Callable[[], Mapping[str, tuple[int, ...]]] | None = None
    takes_weights: bool = False
    draws: bool = True
    progress: bool = True
    quick: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    book_lines: Callable[[dict[str, Any]], list[str]] | None = None
    parity: tuple[ParityRun, ...] = ()

    @property
    def chapter(self) -> int | None:
        """The book's chapter (3 to 8), from ``section``; None for CS231n's assignment."""
        head = self.section.split(".")[0]
        return int(head) if head.isdigit() else None


def _neuralnet_lines(result: dict[str, Any]) -> list[str]:
    return [f"({result['weights']})", f"Accuracy:{result['accuracy']}"]


def _gradient_check_lines(result: dict[str, Any]) -> list[str]:
    return [f"{key}:{diff}" for key, diff in result["diff"].items()]


def _bn_check_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"{key}:{diff}" for key, diff in result["diff"].items()]
    if result.get("samples") == 1:
        lines.append(
            "(a batch of one image, as the book's script: each Batch Normalization layer "
            "then outputs its beta whatever it receives, so most gradients are exactly 0 "
            "in both methods and the check says little; the 6.3 notebook checks ten)"
        )
    return lines


def _convnet_check_lines(result: dict[str, Any]) -> list[str]:
    return [f"{key} {diff}" for key, diff in result["diff"].items()]


def _convnet_lines(result: dict[str, Any]) -> list[str]:
    return [
        "=============== Final Test Accuracy ===============",
        f"test acc:{result['final_test_acc']}",
    ]


def _solver_line(result: dict[str, Any]) -> str:
    """The Solver's last line, as it prints it with verbose=True."""
    epochs = result["num_epochs"]
    train, val = result["train_acc_history"][-1], result["val_acc_history"][-1]
    return f"(Epoch {epochs} / {epochs}) train acc: {train:f}; val_acc: {val:f}"


def _update_rules_lines(result: dict[str, Any]) -> list[str]:
    return [
        f"{rule}: {_solver_line({**run, 'num_epochs': result['num_epochs']})}"
        for rule, run in result["rules"].items()
    ]


def _overfit_lines(result: dict[str, Any]) -> list[str]:
    return [_solver_line(result)]


def _half_float_lines(result: dict[str, Any]) -> list[str]:
    return [
        "caluculate accuracy (float64) ... ",
        str(result["float64_acc"]),
        "caluculate accuracy (float16) ... ",
        str(result["float16_acc"]),
    ]


def _misclassified_lines(result: dict[str, Any]) -> list[str]:
    pairs = {i + 1: (t, y) for i, (t, y) in enumerate(zip(result["labels"], result["predicted"]))}
    return [
        f"test accuracy:{result['test_acc']}",
        "======= misclassified result =======",
        "{view index: (label, inference), ...}",
        str(pairs),
    ]


def _deep_shapes() -> dict[str, tuple[int, ...]]:
    from pyref.deep_convnet import deep_convnet_param_shapes

    return dict(deep_convnet_param_shapes())


def _search_lines(result: dict[str, Any]) -> list[str]:
    from pyref.search import format_best
    from pyref.study.trial import Trial

    trials = [
        Trial(t["number"], t["lr"], t["weight_decay"], t["val_acc_list"], t["train_acc_list"])
        for t in result["trials"]
    ]
    return [format_best(trials)]


#: The whole embedded data set: 4,000 training and 1,000 test images.
FULL_DATA = (4000, 1000)
_FULL = ParityRun(full=True)


def _registry(*records: Experiment) -> dict[str, Experiment]:
    """Records by name; a name given twice is an error."""
    out: dict[str, Experiment] = {}
    for record in records:
        if record.name in out:
            raise ValueError(f"experiment {record.name!r} registered twice")
        out[record.name] = record
    return out


#: Every experiment by its command-line name, in the book's order.
EXPERIMENTS: dict[str, Experiment] = _registry(
    Experiment(
        "neuralnet-mnist",
        chapter3.neuralnet_mnist,
        "3.6.2",
        "The three-layer net's accuracy (the book's weights or its own)",
        figures.neuralnet_mnist,
        figures.neuralnet_mnist_overlay,
        takes_weights=True,
        quick={"epochs": 2},
        book_lines=_neuralnet_lines,
        parity=(ParityRun({"epochs": 1, "train_samples": 500}, data=(500, 300)),),
    ),
    Experiment(
        "gradient-descent",
        chapter4.gradient_descent_path,
        "4.4.1",
        "Gradient descent on f(x0, x1) = x0² + x1²",
        figures.gradient_descent,
        figures.gradient_descent_overlay,
        needs_data=False,
        draws=False,
        progress=False,
        parity=(ParityRun(), ParityRun({"lr": 0.01, "step_num": 100}, variant="-book-defaults")),
    ),
    Experiment(
        "gradient-check",
        chapter5.gradient_check,
        "5.7.3",
        "Backprop vs. numerical gradient of the two-layer net",
        figures.gradient_check,
        figures.gradient_check_overlay,
        one_hot_label=True,
        progress=False,
        quick={"hidden_size": 10},
        book_lines=_gradient_check_lines,
        parity=(ParityRun({"hidden_size": 10}, data=(3, 0)),),
    ),
    Experiment(
        "train-two-layer-net",
        chapter5.train_two_layer_net,
        "5.7.4",
        "The two-layer net trained by SGD (numerical gradient or backprop)",
        figures.train_two_layer_net,
        figures.train_two_layer_net_overlay,
        one_hot_label=True,
        quick={"iters_num": 200},
        options={
            "gradient": {
                "backprop": {},
                "numerical": {
                    "iters_num": 3,
                    "hidden_size": 5,
                    "batch_size": 10,
                    "train_samples": 20,
                },
            }
        },
        parity=(
            ParityRun({"iters_num": 60, "train_samples": 500}, data=(500, 200)),
            ParityRun(
                {
                    "gradient": "numerical",
                    "iters_num": 2,
                    "hidden_size": 3,
                    "batch_size": 5,
                    "train_samples": 10,
                },
                variant="-numerical",
                data=(10, 50),
            ),
        ),
    ),
    Experiment(
        "optimizer-compare-naive",
        chapter6.optimizer_compare_naive,
        "6.1.7",
        "Optimizer paths on f(x, y) = x²/20 + y²",
        figures.optimizer_compare_naive,
        figures.optimizer_compare_naive_overlay,
        needs_data=False,
        draws=False,
        progress=False,
        parity=(
            ParityRun(
                seed=0,
                name="optimizer-compare-naive",
                description="6.1.7 paths on f(x, y) = x²/20 + y²",
            ),
        ),
    ),
    Experiment(
        "optimizer-compare-mnist",
        chapter6.optimizer_compare_mnist,
        "6.1.8",
        "Optimizers compared on MNIST",
        figures.optimizer_compare_mnist,
        figures.optimizer_compare_mnist_overlay,
        quick={"iterations": 60},
        parity=(
            ParityRun({"iterations": 40, "hidden": [50, 50]}, data=(1000, 0)),
            ParityRun(
                {"iterations": 150},
                variant="-book-net",
                quick=False,
                data=(4000, 0),
                description="pyref run optimizer-compare-mnist: the book's net, "
                "150 iterations on 4,000 digits",
            ),
            _FULL,
        ),
    ),
    Experiment(
        "weight-init-activation-histogram",
        chapter6.weight_init_activation_histogram,
        "6.2.2",
        "Activation histograms by initial weight scale",
        figures.weight_init_activation_histogram,
        figures.weight_init_activation_histogram_overlay,
        needs_data=False,
        progress=False,
        parity=(_FULL,),
    ),
    Experiment(
        "weight-init-compare",
        chapter6.weight_init_compare,
        "6.2.4",
        "Initial weight scales compared on MNIST",
        figures.weight_init_compare,
        figures.weight_init_compare_overlay,
        quick={"iterations": 60},
        parity=(ParityRun({"iterations": 40, "hidden": [50, 50, 50]}, data=(1000, 0)), _FULL),
    ),
    Experiment(
        "batch-norm-test",
        chapter6.batch_norm_test,
        "6.3.2",
        "Batch Normalization vs. weight scale",
        figures.batch_norm_test,
        figures.batch_norm_test_overlay,
        quick={"train_samples": 200, "max_epochs": 3, "scales": 4},
        parity=(
            ParityRun({"train_samples": 300, "max_epochs": 3, "scales": 4, "hidden": [50, 50, 50]}),
            _FULL,
        ),
    ),
    Experiment(
        "batch-norm-gradient-check",
        chapter6.batch_norm_gradient_check,
        "6.3",
        "Batch Normalization gradient check",
        figures.batch_norm_gradient_check,
        figures.batch_norm_gradient_check_overlay,
        one_hot_label=True,
        quick={"hidden": (10, 10)},
        progress=False,
        book_lines=_bn_check_lines,
        parity=(_FULL,),
    ),
    Experiment(
        "overfit-weight-decay",
        chapter6.overfit_weight_decay,
        "6.4.2",
        "Overfitting and weight decay",
        figures.overfit_weight_decay,
        figures.overfit_weight_decay_overlay,
        quick={"max_epochs": 11},
        parity=(ParityRun({"max_epochs": 6, "hidden": [100, 100, 100]}), _FULL),
    ),
    Experiment(
        "overfit-dropout",
        chapter6.overfit_dropout,
        "6.4.3",
        "Overfitting and Dropout",
        figures.overfit_dropout,
        figures.overfit_dropout_overlay,
        quick={"epochs": 11},
        parity=(
            ParityRun({"epochs": 6, "hidden": [100, 100, 100]}),
            ParityRun(
                {"epochs": 31},
                variant="-book-net",
                quick=False,
                description="pyref run overfit-dropout: the book's net, 31 epochs",
            ),
            _FULL,
        ),
    ),
    Experiment(
        "hyperparameter-optimization",
        chapter6.hyperparameter_optimization,
        "6.5.3",
        "Random hyperparameter search",
        figures.hyperparameter_optimization,
        figures.hyperparameter_optimization_overlay,
        quick={"trials": 4, "epochs": 3},
        book_lines=_search_lines,
        parity=(
            ParityRun({"train_samples": 200, "trials": 4, "epochs": 3}),
            ParityRun(
                {"train_samples": 500, "trials": 8, "epochs": 10},
                variant="-long",
                quick=False,
                description="pyref run hyperparameter-optimization: 8 trials of 10 epochs",
            ),
            _FULL,
        ),
    ),
    Experiment(
        "gradient-vanishing",
        chapter6.gradient_vanishing,
        "6.2",
        "Gradient vanishing: sigmoid vs. ReLU vs. Xavier",
        figures.gradient_vanishing,
        figures.gradient_vanishing_overlay,
        quick={"epochs": 5, "train_samples": 2000},
        parity=(ParityRun({"epochs": 2, "train_samples": 1000}), _FULL),
    ),
    Experiment(
        "train-convnet",
        chapter7.train_convnet,
        "7.5",
        "SimpleConvNet trained on MNIST",
        figures.train_convnet,
        figures.train_convnet_overlay,
        quick={"epochs": 3},
        images=True,
        book_lines=_convnet_lines,
        parity=(
            ParityRun({"epochs": 2, "train_samples": 500}),
            ParityRun(
                full=True,
                description="pyref run train-convnet at the book's length (20 epochs)",
            ),
        ),
    ),
    Experiment(
        "convnet-gradient-check",
        chapter7.convnet_gradient_check,
        "7.5",
        "SimpleConvNet gradient check",
        figures.convnet_gradient_check,
        figures.convnet_gradient_check_overlay,
        needs_data=False,
        progress=False,
        book_lines=_convnet_check_lines,
        parity=(ParityRun(),),
    ),
    Experiment(
        "visualize-filter",
        chapter7.visualize_filter,
        "7.6.1",
        "First-layer filters before and after training",
        figures.visualize_filter,
        figures.visualize_filter_overlay,
        quick={"epochs": 1},
        images=True,
        takes_params=True,
        parity=(
            ParityRun({"epochs": 1, "train_samples": 400}),
            ParityRun(variant="-params", params=True, data=(100, 10)),
        ),
    ),
    Experiment(
        "apply-filter",
        chapter7.apply_filter,
        "7.6.1",
        "Learned filters applied to a digit",
        figures.apply_filter,
        figures.apply_filter_overlay,
        quick={"epochs": 1},
        images=True,
        takes_params=True,
        parity=(
            ParityRun({"image_index": 3}, params=True, data=(100, 10)),
            ParityRun({"epochs": 1, "train_samples": 300, "filters": 30}, variant="-trained"),
        ),
    ),
    Experiment(
        "cs231n-update-rules",
        cs231n.cs231n_update_rules,
        "cs231n",
        "CS231n: sgd, sgd_momentum, rmsprop, adam compared",
        figures.cs231n_update_rules,
        figures.cs231n_update_rules_overlay,
        progress=False,
        quick={"num_train": 1000, "num_val": 200, "num_epochs": 2},
        book_lines=_update_rules_lines,
        parity=(ParityRun({"num_train": 400, "num_val": 100, "num_epochs": 2}, data=(400, 100)),),
    ),
    Experiment(
        "cs231n-overfit",
        cs231n.cs231n_overfit,
        "cs231n",
        "CS231n: a three-layer net overfits 50 images",
        figures.cs231n_overfit,
        figures.cs231n_overfit_overlay,
        progress=False,
        quick={"num_val": 200},
        book_lines=_overfit_lines,
        parity=(ParityRun({"num_val": 100}, data=(50, 100)),),
    ),
    Experiment(
        "train-deepnet",
        chapter8.train_deepnet,
        "8.1",
        "DeepConvNet trained on MNIST",
        figures.train_deepnet,
        figures.train_deepnet_overlay,
        quick={"epochs": 1, "train_samples": 500},
        images=True,
        book_lines=_convnet_lines,
        parity=(ParityRun({"epochs": 1, "train_samples": 100}, data=(100, 100)),),
    ),
    Experiment(
        "half-float",
        chapter8.half_float,
        "8.3.4",
        "DeepConvNet's accuracy in float64 and float16",
        figures.half_float,
        figures.half_float_overlay,
        quick={"epochs": 1, "train_samples": 500},
        images=True,
        takes_params=True,
        param_shapes=_deep_shapes,
        book_lines=_half_float_lines,
        parity=(ParityRun({"epochs": 1, "train_samples": 100}, data=(100, 100)),),
    ),
    Experiment(
        "misclassified",
        chapter8.misclassified,
        "8.1",
        "DeepConvNet's misclassified test digits",
        figures.misclassified,
        figures.misclassified_overlay,
        quick={"epochs": 1, "train_samples": 500},
        images=True,
        takes_params=True,
        param_shapes=_deep_shapes,
        book_lines=_misclassified_lines,
        parity=(ParityRun({"epochs": 1, "train_samples": 100}, data=(100, 200)),),
    ),
)
