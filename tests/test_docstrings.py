"""The public API's docstrings have one shape: a summary line, then ``Args:`` naming
every argument and ``Returns:`` for whatever is returned (CS231n's layers.py and
optax are the models; shapes go beside the names). The API is what ``pyref``
exports: the book's names, their constructors and public methods.

Their Julia twins (tests/test_twins.py pairs them) have Julia's shape: the signature
indented four spaces, a summary, ``# Arguments`` with a ```name`: ...`` bullet for each
argument and ``# Returns`` for what is returned (julia/src/optimizers.jl's are the
models). One Julia process reads every docstring from the docs system, each with the
type of its method's first argument: a class's docstring is its Julia name's (the
struct, or a function such as MultiLayerNet), a method ``Class.name``'s the one on the
method of ``name`` or ``name!`` whose first argument is a ``Class`` (``forward!(l::Affine,
x)``), a function's the one on a method whose first argument is no API class."""

from __future__ import annotations

import inspect
import re
import subprocess

import pytest
from test_twins import (
    JULIA_SRC,
    _exceptions,
    _signature_exceptions,
    julia_methods,
)

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


# ---------------------------------------------------------------------------
# The Julia twins' docstrings
# ---------------------------------------------------------------------------

#: Prints each docstring of the names in ARGS as RS name US first-argument-type US text.
_JULIA_DOCSTRINGS = r"""
using PyRef
const D = Base.Docs
for name in ARGS
    s = Symbol(name)
    isdefined(PyRef, s) || continue
    md = get(D.meta(PyRef), D.Binding(PyRef, s), nothing)
    md === nothing && continue
    for sig in md.order
        u = Base.unwrap_unionall(sig)   # a method with defaults: a Union of its arities
        u isa Union && (u = Base.unwrap_unionall(Base.uniontypes(u)[1]))
        p = u isa DataType && u <: Tuple && !isempty(u.parameters) ? u.parameters[1] : nothing
        receiver = p isa Union{DataType,UnionAll} ? string(nameof(Base.unwrap_unionall(p))) : ""
        print("\x1e", name, "\x1f", receiver, "\x1f", join(map(string, md.docs[sig].text)))
    end
end
"""

CLASSES = {name.split(".")[0] for name, _ in CALLABLES if name.endswith(".__init__")}


def _module(func: object) -> str:
    return func.__module__.split(".", 1)[1]


def _julia_twinned() -> list[tuple[str, object]]:
    """The API's callables that have a Julia twin (test_twins.py's EXCEPTIONS list
    those that have none)."""
    return [
        (name, func)
        for name, func in CALLABLES
        if name.split(".")[0] not in _exceptions(_module(func), "python")
    ]


JULIA_TWINNED = _julia_twinned()


def _julia_names(name: str) -> tuple[str, ...]:
    """The Julia bindings whose docstrings may document the Python callable `name`."""
    owner, _, method = name.partition(".")
    if not method or method == "__init__":
        return (owner,)
    return (method, method + "!")


@pytest.fixture(scope="module")
def julia_docstrings(julia_exe) -> dict[tuple[str, str], list[str]]:
    """(Julia name, its method's first argument type or "") -> docstrings, read by one
    Julia process."""
    from pyref.runtime import locate

    names = sorted({n for name, _ in JULIA_TWINNED for n in _julia_names(name)})
    proc = subprocess.run(
        locate.julia_command("-e", _JULIA_DOCSTRINGS, *names),
        env=locate.julia_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    found: dict[tuple[str, str], list[str]] = {}
    for record in proc.stdout.split("\x1e")[1:]:
        name, first, text = record.split("\x1f", 2)
        found.setdefault((name, first), []).append(text)
    return found


def _julia_docstrings(name: str, docs: dict[tuple[str, str], list[str]]) -> list[str]:
    owner, _, method = name.partition(".")
    if not method or method == "__init__":
        if method:  # a class: every docstring of its Julia name (struct and constructors)
            return [t for (n, _), texts in docs.items() if n == owner for t in texts]
        return [
            t
            for (n, first), texts in docs.items()
            if n == owner and first not in CLASSES
            for t in texts
        ]
    return [t for n in _julia_names(name) for t in docs.get((n, owner), [])]


def _julia_section(doc: str, title: str) -> str | None:
    """The text of the section ``# title`` up to the next section, or None."""
    match = re.search(rf"^# {title}\n(.*?)(?=^# |\Z)", doc, flags=re.M | re.S)
    return match.group(1) if match else None


def _julia_arguments(name: str, func: object) -> list[str]:
    """The Python arguments the Julia docstring must name: all of them, unless
    test_twins.py's SIGNATURE_EXCEPTIONS lets the twins differ, then those that some
    Julia method of the name takes."""
    args = _arguments(func)
    owner, _, method = name.partition(".")
    key = owner if method in ("", "__init__") else method
    module = _module(func)
    if key not in _signature_exceptions(module):
        return args
    methods = julia_methods(JULIA_SRC / f"{module}.jl").get(key, [])
    taken = {a for m in methods for a in (*m.positional, *m.keywords)}
    return [a for a in args if a in taken]


def test_the_julia_twins_are_found() -> None:
    names = {name for name, _ in JULIA_TWINNED}
    assert {"Affine.forward", "SGD.__init__", "im2col", "Trainer.train"} <= names
    assert "load_mnist" not in names  # Python reads MNIST; Julia gets its arrays


@pytest.mark.parametrize("name,func", JULIA_TWINNED, ids=[n for n, _ in JULIA_TWINNED])
def test_julia_docstring_has_the_fixed_shape(
    name: str, func: object, julia_docstrings: dict[tuple[str, str], list[str]]
) -> None:
    texts = _julia_docstrings(name, julia_docstrings)
    assert texts, f"{name}'s Julia twin ({' or '.join(_julia_names(name))}) has no docstring"
    main = next((t for t in texts if t.startswith("    ")), None)
    assert main is not None, f"{name}: no Julia docstring opens with its signature line"
    heading, _, body = main.partition("\n\n")
    jl_name = _julia_names(name)[0]
    assert re.match(rf"    {re.escape(jl_name)}!?[({{]", heading), (
        f"{name}: the Julia docstring's signature line is not {jl_name}(...): {heading!r}"
    )
    summary = body.split("\n\n", 1)[0]
    assert summary.strip() and not summary.startswith("#"), (
        f"{name}: the Julia docstring must give a summary after its signature"
    )
    assert not re.search(r"#\d+|\bissue\b", main), f"{name}: no issue numbers or history"
    args = _julia_arguments(name, func)
    if args:
        section = _julia_section(main, "Arguments")
        assert section is not None, f"{name} takes {args}; its Julia docstring has no # Arguments"
        missing = [a for a in args if f"`{a}`" not in section]
        assert not missing, f"{name}'s Julia # Arguments leaves out {missing}"
    if _section(inspect.getdoc(func) or "", "Returns") is not None:
        assert _julia_section(main, "Returns") is not None, (
            f"{name} has Returns: in Python; its Julia docstring has no # Returns"
        )
