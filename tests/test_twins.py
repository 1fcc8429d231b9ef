"""Twins stay twins: each book module ``pyref/X.py`` and its Julia twin
``julia/src/X.jl`` define the same public names.

Read from the source, not imported. A Python name counts when it is a module-level
function, class or UPPER_CASE constant, or a public method of a public class (a
Julia function ``predict(net::MultiLayerNet, x)`` is the twin of the method
``MultiLayerNet.predict``). A Julia name counts when it is a top-level ``function
name``, ``name(...) =``, ``struct``/``mutable struct``, ``abstract type`` or
``const``, with a trailing ``!`` dropped (``forward!`` is the in-place twin of
``forward``).

Julia has no private names: a Julia name starting with ``_`` is a helper that only
Julia needs and is not compared, and a public Julia name may twin a private Python
one (``check_update_args`` is ``_check_update_args``), or a property (``arg_max``).
What differs only because of the language is listed in EXCEPTIONS, each group with
its reason; numpy's own internals that Julia has to write are in julia/src/numpy/.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYREF = ROOT / "pyref"
JULIA_SRC = ROOT / "julia" / "src"

#: The book's components and the layers above them that have a Julia twin.
TWINS = (
    "checks",
    "functions",
    "layers",
    "optimizers",
    "initialization",
    "nets",
    "convolution",
    "convnet",
    "trainer",
    "datasets",
    "search",
    "study/trial",
    "experiments/chapter6",
    "experiments/chapter7",
    "experiments/registry",
    "bench",
)

#: (reason, {module: Python names}, {module: Julia names}): what one side has and the
#: other cannot or need not, because of the language or because only one side runs it.
EXCEPTIONS: tuple[tuple[str, dict[str, set[str]], dict[str, set[str]]], ...] = (
    (
        "MNIST download, caching and IDX files: Python fetches the data and hands Julia arrays",
        {
            "datasets": {
                "DOWNLOAD_TIMEOUT",
                "DatasetInfo",
                "EMBEDDED_ORDER_SEED",
                "EMBEDDED_TRAIN_PER_CLASS",
                "ENV_MIRRORS",
                "MNIST_FILES",
                "MNIST_MD5",
                "MNIST_MIRRORS",
                "MnistUnavailableError",
                "for_command_line",
                "SOURCES",
                "cache_dir",
                "default_data_dir",
                "default_mirrors",
                "describe_source",
                "first_samples",
                "load_mnist",
                "load_mnist_with_info",
                "read_idx",
                "resolve_source",
                "write_idx",
            }
        },
        {},
    ),
    (
        "column-major layout adapters: Julia stores matrices by column, numpy by row",
        {},
        {
            "datasets": {"RowBatcher", "ImageBatcher", "batch", "batcher_for", "rows"},
            "convolution": {"NCHW", "NHWC"},
        },
    ),
    (
        "Julia's Dict has no order: a registry's names in order are a tuple of their own",
        {},
        {
            "optimizers": {"OPTIMIZER_NAMES"},
            "layers": {"ACTIVATION_NAMES"},
            "initialization": {"INIT_SCHEME_NAMES"},
            "convnet": {"CONV_PARAM_KEYS"},
        },
    ),
    (
        "types for dispatch, where Python has duck typing",
        {},
        {"layers": {"Layer"}},
    ),
    (
        "Julia's in-place API: gradient! writes into buffers made once",
        {},
        {"nets": {"gradient_buffers"}, "convnet": {"gradient_buffers"}},
    ),
    (
        "Base.tanh is Julia's scalar tanh, so the array activation has a name of its own",
        {"functions": {"tanh"}},
        {"functions": {"tanh_activation"}},
    ),
    (
        "type aliases of Python's type hints",
        {
            "initialization": {"WeightInit"},
            "experiments/chapter6": {"Data"},
            "experiments/chapter7": {"Data"},
        },
        {},
    ),
    (
        "the registry's figures, --quick settings and parity runs are read in Python only",
        {"experiments/registry": {"ParityRun", "FULL_DATA"}},
        {},
    ),
    (
        "`pyref search` runs in Python (pyref.study; the book's printed listing); "
        "its Julia engine starts a trial through the bridge, which keeps it under a handle",
        {"search": {"format_best"}},
        {"study/trial": {"start_trial"}},
    ),
    (
        "the benchmark driver (sections, targets, subprocesses, report): Python runs both sides",
        {
            "bench": {
                "ALL_SECTIONS",
                "MINIMUM_TARGETS",
                "ONE_BLAS_THREAD",
                "SECTIONS",
                "STEP_LR",
                "STEP_SEED",
                "TARGETS",
                "bench_convnet_julia",
                "bench_convnet_python",
                "bench_parity",
                "bench_verify",
                "VERIFY_PORT",
                "bench_search",
                "bench_searches",
                "bench_step_julia",
                "bench_step_python",
                "format_table",
                "machine_info",
                "run",
            }
        },
        {},
    ),
)


#: Python modules whose twin is a part of numpy that Julia has to write: every Python
#: name has its twin there, not the other way round (the rest is numpy's own API).
NUMPY_TWINS = {"rng": "numpy/NumpyRandom.jl"}
#: rng.py's helpers for numpy's global stream: PyRef's functions default to
#: ``rng=NumpyRandom.global_state()`` and ``seed!`` seeds it.
RNG_ONLY = {"resolve_rng", "make_rng"}


def _exceptions(module: str, side: str) -> set[str]:
    out: set[str] = set()
    for _, python, julia in EXCEPTIONS:
        out |= (python if side == "python" else julia).get(module, set())
    return out


def _is_constant(name: str) -> bool:
    return name.lstrip("_")[:1].isupper()


def python_names(path: Path) -> tuple[set[str], set[str]]:
    """(public names, every name including private ones and properties) of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    public: set[str] = set()
    every: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            every.add(node.name)
            if not node.name.startswith("_"):
                public.add(node.name)
            if isinstance(node, ast.ClassDef):
                for m in node.body:
                    if not isinstance(m, ast.FunctionDef) or m.name.startswith("__"):
                        continue
                    every.add(m.name)
                    prop = any(
                        isinstance(d, ast.Name) and d.id == "property" for d in m.decorator_list
                    )
                    if not (m.name.startswith("_") or node.name.startswith("_") or prop):
                        public.add(m.name)
        else:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            for t in targets:
                if isinstance(t, ast.Name) and _is_constant(t.id):
                    every.add(t.id)
                    if not t.id.startswith("_"):
                        public.add(t.id)
    return public, every


_JL_HEAD = re.compile(
    r"^(?:function\s+(?:\w+\.)?(?P<f>[A-Za-z_][\w!]*)"
    r"|(?:mutable\s+)?struct\s+(?P<s>[A-Za-z_]\w*)"
    r"|abstract\s+type\s+(?P<a>[A-Za-z_]\w*)"
    r"|const\s+(?P<c>[A-Za-z_]\w*))"
)
_JL_CALL = re.compile(r"^(?P<n>[A-Za-z_][\w!]*)(?:\{[^}]*\})?\(")
_JL_SHORT_TAIL = re.compile(r"\s*(?:::\s*[\w{},. ]+?\s*)?(?:where\s+[^=\n]+)?=(?!=)")


def julia_names(path: Path) -> set[str]:
    """Top-level public names of a Julia file, a trailing ``!`` dropped."""
    text = path.read_text(encoding="utf-8")
    out: set[str] = set()
    offset = 0
    for line in text.splitlines(keepends=True):
        m = _JL_HEAD.match(line)
        if m:
            out.add(next(g for g in m.groups() if g))
        else:
            m = _JL_CALL.match(line)
            if m:  # `name(args...) = ...`, the arguments possibly over several lines
                depth, i = 0, offset + m.end() - 1
                while i < len(text):
                    depth += {"(": 1, ")": -1}.get(text[i], 0)
                    if depth == 0:
                        break
                    i += 1
                if _JL_SHORT_TAIL.match(text, i + 1):
                    out.add(m.group("n"))
        offset += len(line)
    return {n.rstrip("!") for n in out if not n.startswith("_")}


@pytest.mark.parametrize("module", TWINS)
def test_twins_define_the_same_names(module: str) -> None:
    py_public, py_every = python_names(PYREF / f"{module}.py")
    jl = julia_names(JULIA_SRC / f"{module}.jl")
    py_twinned = py_every | {n.lstrip("_") for n in py_every}
    python_only = sorted(py_public - jl - _exceptions(module, "python"))
    julia_only = sorted(jl - py_twinned - _exceptions(module, "julia"))
    assert not python_only, f"pyref/{module}.py names without a twin in julia/src/{module}.jl"
    assert not julia_only, f"julia/src/{module}.jl names without a twin in pyref/{module}.py"


@pytest.mark.parametrize("module", TWINS)
def test_exceptions_are_still_needed(module: str) -> None:
    """An exception whose name is gone or now twinned is dropped, so the list stays true."""
    py_public, py_every = python_names(PYREF / f"{module}.py")
    jl = julia_names(JULIA_SRC / f"{module}.jl")
    stale_py = sorted(n for n in _exceptions(module, "python") if n not in py_public or n in jl)
    stale_jl = sorted(
        n
        for n in _exceptions(module, "julia")
        if n not in jl or n in py_every | {p.lstrip("_") for p in py_every}
    )
    assert not stale_py and not stale_jl


@pytest.mark.parametrize("module", sorted(NUMPY_TWINS))
def test_numpy_twins_have_every_python_name(module: str) -> None:
    py_public, _ = python_names(PYREF / f"{module}.py")
    jl = julia_names(JULIA_SRC / NUMPY_TWINS[module])
    assert RNG_ONLY <= py_public
    missing = sorted(py_public - jl - RNG_ONLY)
    assert not missing, f"pyref/{module}.py names without a twin in {NUMPY_TWINS[module]}"


def test_every_twin_pair_exists() -> None:
    for module in TWINS:
        assert (PYREF / f"{module}.py").is_file() and (JULIA_SRC / f"{module}.jl").is_file()
    untwinned = sorted(
        p.stem for p in JULIA_SRC.glob("*.jl") if p.stem not in TWINS and p.stem != "PyRef"
    )
    assert not untwinned, f"julia/src files outside the twin check: {untwinned}"


def test_the_readers_see_what_they_should() -> None:
    """The parsers themselves: methods, `!`, short and multi-line definitions, privacy."""
    jl = julia_names(JULIA_SRC / "nets.jl")
    assert {
        "MultiLayerNet",
        "MultiLayerNetExtend",
        "predict",
        "gradient",
        "WEIGHT_DECAY_KINDS",
    } <= jl
    assert not any(n.startswith("_") or n.endswith("!") for n in jl)
    py_public, py_every = python_names(PYREF / "nets.py")
    assert {"MultiLayerNet", "predict", "gradient", "WEIGHT_DECAY_KINDS"} <= py_public
    assert "_check_xt" in py_every and "_check_xt" not in py_public
    assert "update" in python_names(PYREF / "optimizers.py")[0]
    assert "update" in julia_names(JULIA_SRC / "optimizers.jl")
