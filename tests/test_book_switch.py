"""The switch: each ``pyref.book.chNN`` module's ``__all__`` is exactly the names that
chapter's scripts import from the book, read from the book's checkout ($PYREF_BOOK,
default /tmp/book) when it is there, and from a fixed list otherwise; each name is
pyref's component of that name (or the one the chapter means by it)."""

from __future__ import annotations

import ast
import importlib
import os
from pathlib import Path

import numpy as np
import pytest

from pyref import (
    convnet,
    convolution,
    datasets,
    deep_convnet,
    functions,
    layers,
    nets,
    optimizers,
    simple_nets,
    trainer,
)

BOOK = Path(os.environ.get("PYREF_BOOK", "/tmp/book"))

#: The names each chapter's scripts import from the book (common/, dataset/, and the
#: chapter's own modules), as read from the book's scripts.
FIXED = {
    "ch03": {"load_mnist", "sigmoid", "softmax"},
    "ch04": {"TwoLayerNet", "cross_entropy_error", "load_mnist", "numerical_gradient", "softmax"},
    "ch06": {
        "SGD", "AdaGrad", "Adam", "Momentum", "MultiLayerNet", "MultiLayerNetExtend",
        "Nesterov", "RMSprop", "Trainer", "load_mnist", "np", "shuffle_dataset", "smooth_curve",
    },
    "ch07": {"Convolution", "SimpleConvNet", "Trainer", "load_mnist"},
    "ch05": {"AddLayer", "MulLayer", "TwoLayerNet", "load_mnist"},
    "ch08": {"DeepConvNet", "Trainer", "load_mnist"},
}  # fmt: skip

#: The chapters' own modules that scripts import (the files are not scripts themselves).
CHAPTER_MODULES = {"two_layer_net", "gradient_2d", "simple_convnet", "layer_naive", "deep_convnet"}


def _public_names(path: Path) -> set[str]:
    """What ``from module import *`` gives of a book module: its top-level definitions
    and imported names, those not starting with ``_``."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names if a.name != "*"}
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {n for n in names if not n.startswith("_")}


def _book_module(chapter: str, module: str) -> Path | None:
    """The file of a module a chapter's script imports, if it is the book's."""
    parts = module.split(".")
    if parts[0] in ("common", "dataset"):
        return BOOK.joinpath(*parts).with_suffix(".py")
    if module in CHAPTER_MODULES:
        return BOOK / chapter / f"{module}.py"
    return None


def imported_from_book(chapter: str) -> set[str]:
    """Every name the chapter's scripts import from the book's modules."""
    names: set[str] = set()
    for script in sorted((BOOK / chapter).glob("*.py")):
        if script.stem in CHAPTER_MODULES:
            continue
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                source = _book_module(chapter, node.module)
                if source is None:
                    continue
                for alias in node.names:
                    names |= _public_names(source) if alias.name == "*" else {alias.name}
    return names


@pytest.mark.parametrize("chapter", sorted(FIXED))
def test_the_switch_gives_exactly_the_fixed_names(chapter: str) -> None:
    module = importlib.import_module(f"pyref.book.{chapter}")
    assert set(module.__all__) == FIXED[chapter]
    assert len(module.__all__) == len(set(module.__all__))
    scope: dict[str, object] = {}
    exec(f"from pyref.book.{chapter} import *", scope)
    assert set(scope) - {"__builtins__"} == FIXED[chapter]


@pytest.mark.skipif(not (BOOK / "ch03").is_dir(), reason=f"no book checkout at {BOOK}")
@pytest.mark.parametrize("chapter", sorted(FIXED))
def test_the_switch_gives_exactly_what_the_book_s_scripts_import(chapter: str) -> None:
    module = importlib.import_module(f"pyref.book.{chapter}")
    assert set(module.__all__) == imported_from_book(chapter)


def test_each_name_is_pyref_s_component() -> None:
    from pyref.book import ch03, ch04, ch06, ch07

    assert ch03.sigmoid is functions.sigmoid and ch03.softmax is functions.softmax
    assert ch03.load_mnist is datasets.load_mnist is ch04.load_mnist
    # ch04's TwoLayerNet is the one built of functions (ch05's is built of layers)
    assert ch04.TwoLayerNet is simple_nets.SigmoidTwoLayerNet
    assert ch04.numerical_gradient is functions.numerical_gradient
    assert ch04.cross_entropy_error is functions.cross_entropy_error
    assert ch06.np is np and ch06.SGD is optimizers.SGD and ch06.Trainer is trainer.Trainer
    assert ch06.MultiLayerNetExtend is nets.MultiLayerNetExtend
    assert ch07.SimpleConvNet is convnet.SimpleConvNet
    assert ch07.Convolution is convolution.Convolution
    from pyref.book import ch05, ch08

    # ch05's TwoLayerNet is built of layers
    assert ch05.TwoLayerNet is nets.LayeredTwoLayerNet
    assert (ch05.MulLayer, ch05.AddLayer) == (layers.MulLayer, layers.AddLayer)
    assert ch08.DeepConvNet is deep_convnet.DeepConvNet and ch08.Trainer is trainer.Trainer


def test_a_switched_script_runs_as_the_book_s_would() -> None:
    """gradient_simplenet.py's lines, with its imports switched (the book's own
    comparison is tools/compare_with_book.py's)."""
    scope: dict[str, object] = {}
    exec("from pyref.book.ch04 import *", scope)
    exec(
        "import numpy as np\n"
        "np.random.seed(0)\n"
        "W = np.random.randn(2, 3)\n"
        "x = np.array([0.6, 0.9]); t = np.array([0, 0, 1])\n"
        "f = lambda w: cross_entropy_error(softmax(np.dot(x, W)), t)\n"
        "dW = numerical_gradient(f, W)\n",
        scope,
    )
    W, dW = scope["W"], scope["dW"]
    y = np.exp(np.dot([0.6, 0.9], W)) / np.exp(np.dot([0.6, 0.9], W)).sum()
    # d(loss)/dW = x^T (y - t), the softmax-with-cross-entropy gradient (up to the 1e-7
    # inside the log)
    np.testing.assert_allclose(dW, np.outer([0.6, 0.9], y - [0, 0, 1]), rtol=1e-4)
