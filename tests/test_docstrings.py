"""The public API's docstrings have one shape: a summary line, then ``Args:`` naming
every argument and ``Returns:`` for whatever is returned (CS231n's layers.py and
optax are the models; shapes go beside the names). The API is what ``pyref``
exports: the book's names, their constructors and public methods."""

from __future__ import annotations

import inspect
import re

import pytest

import pyref


def _public_callables() -> list[tuple[str, object]]:
    names = sorted(set(pyref.__all__) | set(pyref._LAZY))
    found: list[tuple[str, object]] = []
    for name in names:
        obj = getattr(pyref, name)
        if inspect.isclass(obj):
            found.append((f"{name}.__init__", obj.__init__))
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    found.append((f"{name}.{attr}", member))
        elif callable(obj):
            found.append((name, obj))
    return found


CALLABLES = _public_callables()


def _arguments(func: object) -> list[str]:
    params = inspect.signature(func).parameters.values()
    return [
        p.name
        for p in params
        if p.name not in ("self", "cls")
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


def _section(doc: str, title: str) -> str | None:
    """The text of the section ``title:`` up to the next section, or None."""
    match = re.search(rf"^{title}:\n(.*?)(?=^\S.*:\n|\Z)", doc, flags=re.M | re.S)
    return match.group(1) if match else None


def test_the_api_is_found() -> None:
    names = {name for name, _ in CALLABLES}
    assert {"Affine.forward", "SGD.__init__", "im2col", "load_mnist"} <= names


@pytest.mark.parametrize("name,func", CALLABLES, ids=[n for n, _ in CALLABLES])
def test_docstring_has_the_fixed_shape(name: str, func: object) -> None:
    doc = inspect.getdoc(func)
    assert doc, f"{name} has no docstring"
    summary = doc.split("\n\n", 1)[0]
    assert summary.strip() and not summary.startswith(("Args:", "Returns:")), (
        f"{name}: the docstring must open with a summary line"
    )
    assert not re.search(r"#\d+|\bissue\b", doc), f"{name}: no issue numbers or history"
    args = _arguments(func)
    if args:
        section = _section(doc, "Args")
        assert section is not None, f"{name} takes {args} but has no Args: section"
        missing = [a for a in args if not re.search(rf"\b{a}\b", section)]
        assert not missing, f"{name}'s Args: leaves out {missing}"
    returns = inspect.signature(func).return_annotation
    if not name.endswith(".__init__") and returns not in ("None", None, inspect.Signature.empty):
        assert _section(doc, "Returns") is not None, f"{name} returns {returns}: no Returns:"
