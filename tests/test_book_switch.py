"""The switch modules pyref.book.chNN: each one's ``__all__`` is exactly what that
chapter's scripts import from the book, each name pyref's component under the book's
name. The book's import lines are quoted below; a checkout of the book named by
$PYREF_BOOK_DIR is read too."""

from __future__ import annotations

import ast
import importlib
import os
from pathlib import Path

import pytest

from pyref.deep_convnet import DeepConvNet
from pyref.layers import AddLayer, MulLayer
from pyref.nets import LayeredTwoLayerNet
from pyref.trainer import Trainer

#: The book's ch05 and ch08 scripts' imports of the book's own modules, verbatim.
BOOK_IMPORTS = {
    "ch05": {
        "buy_apple.py": ["from layer_naive import *"],
        "buy_apple_orange.py": ["from layer_naive import *"],
        "gradient_check.py": [
            "from dataset.mnist import load_mnist",
            "from two_layer_net import TwoLayerNet",
        ],
        "train_neuralnet.py": [
            "from dataset.mnist import load_mnist",
            "from two_layer_net import TwoLayerNet",
        ],
    },
    "ch08": {
        "train_deepnet.py": [
            "from dataset.mnist import load_mnist",
            "from deep_convnet import DeepConvNet",
            "from common.trainer import Trainer",
        ],
        "half_float_network.py": [
            "from deep_convnet import DeepConvNet",
            "from dataset.mnist import load_mnist",
        ],
        "misclassified_mnist.py": [
            "from deep_convnet import DeepConvNet",
            "from dataset.mnist import load_mnist",
        ],
        "awesome_net.py": [],
    },
}
#: What the book's star-imported chapter modules define.
STAR_NAMES = {"layer_naive": ["MulLayer", "AddLayer"]}
BOOK_MODULES = ("dataset", "common", "layer_naive", "two_layer_net", "deep_convnet")


def imported_names(lines: list[str]) -> set[str]:
    """The names the book's import statements bind, star imports expanded."""
    names: set[str] = set()
    for node in ast.parse("\n".join(lines)).body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            if alias.name == "*":
                names |= set(STAR_NAMES[node.module])
            else:
                names.add(alias.asname or alias.name)
    return names


@pytest.mark.parametrize("chapter", sorted(BOOK_IMPORTS))
def test_all_is_exactly_what_the_scripts_import(chapter: str) -> None:
    module = importlib.import_module(f"pyref.book.{chapter}")
    wanted = set().union(*(imported_names(v) for v in BOOK_IMPORTS[chapter].values()))
    assert sorted(module.__all__) == sorted(wanted)
    namespace: dict[str, object] = {}
    exec(f"from pyref.book.{chapter} import *", namespace)
    assert set(namespace) - {"__builtins__"} == wanted


def test_each_name_is_the_chapters_component() -> None:
    from pyref.book import ch05, ch08
    from pyref.datasets import load_mnist

    assert ch05.TwoLayerNet is LayeredTwoLayerNet
    assert (ch05.MulLayer, ch05.AddLayer, ch05.load_mnist) == (MulLayer, AddLayer, load_mnist)
    assert (ch08.DeepConvNet, ch08.Trainer, ch08.load_mnist) == (DeepConvNet, Trainer, load_mnist)


BOOK_DIR = os.environ.get("PYREF_BOOK_DIR")


@pytest.mark.skipif(not BOOK_DIR, reason="set PYREF_BOOK_DIR to a checkout of the book")
@pytest.mark.parametrize("chapter", sorted(BOOK_IMPORTS))
def test_the_quoted_imports_are_the_books(chapter: str) -> None:
    folder = Path(BOOK_DIR) / chapter
    scripts = {
        p.name
        for p in folder.glob("*.py")
        if p.stem not in BOOK_MODULES and p.stem not in STAR_NAMES
    }
    assert scripts == set(BOOK_IMPORTS[chapter])
    for name, quoted in BOOK_IMPORTS[chapter].items():
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        found = [
            ast.unparse(node)
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module.split(".")[0] in BOOK_MODULES
        ]
        assert found == quoted, name
