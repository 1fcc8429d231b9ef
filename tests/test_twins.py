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
Julia needs and is not compared. A public Julia name twins a private Python one only
when PRIVATE_PUBLIC lists the pair with its reason. What differs only because of the
language is listed in EXCEPTIONS, each group with its reason; numpy's own internals
that Julia has to write are in julia/src/numpy/.

Twins are alike in shape too: for each twinned function, method or class, some Julia
method takes the Python signature's positional arguments in the same order, under the
same names, and the same keywords (a Python argument with a default may be a Julia
keyword; Julia has no other keywords). A method ``Class.name(self, ...)`` is compared
with the Julia methods whose first argument's type names ``Class``; a class with the
constructors of the Julia struct of its name. What differs on purpose is in
SIGNATURE_EXCEPTIONS with its reason.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYREF = ROOT / "pyref"
JULIA_SRC = ROOT / "julia" / "src"

#: The book's components and the layers above them that have a Julia twin.
TWINS = (
    "checks",
    "functions",
    "gradient",
    "simple_nets",
    "layers",
    "optimizers",
    "initialization",
    "nets",
    "convolution",
    "convnet",
    "deep_convnet",
    "trainer",
    "datasets",
    "search",
    "study/trial",
    "experiments/chapter6",
    "experiments/chapter7",
    "experiments/cs231n",
    "experiments/registry",
    "bench/step",
    "bench/convnet",
    "bench/deep_convnet",
    "cs231n/layers",
    "cs231n/layer_utils",
    "cs231n/optim",
    "cs231n/classifiers/fc_net",
    "cs231n/solver",
    "cs231n/gradient_check",
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
        {
            "nets": {"gradient_buffers"},
            "convnet": {"gradient_buffers"},
            "deep_convnet": {"gradient_buffers"},
        },
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
            "experiments/cs231n": {"Data"},
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
        "the benchmark driver (settings, subprocesses): Python runs both sides; its "
        "sections, targets and report (pyref.bench.sections, report) have no Julia twin",
        {
            "bench/step": {
                "ONE_BLAS_THREAD",
                "STEP_LR",
                "STEP_SEED",
                "bench_step_julia",
                "bench_step_python",
            },
            "bench/convnet": {"BOOK_NETS", "bench_convnet_julia", "bench_convnet_python"},
            "bench/deep_convnet": {
                "DEEP_CONVNET_WARMUP",
                "bench_deepconvnet_julia",
                "bench_deepconvnet_python",
            },
        },
        {},
    ),
)


#: (reason, {module: Python private names}): private Python helpers whose Julia twin is
#: public, the only private-public pairings allowed.
PRIVATE_PUBLIC: tuple[tuple[str, dict[str, set[str]]], ...] = (
    (
        "argument checks: Julia's sibling files and the bridge call them by name (one "
        "module, no privacy), where Python's callers import the module's private helper",
        {
            "checks": {"_all_finite"},
            "functions": {"_check_probabilities_and_labels"},
            "layers": {"_check_backward"},
            "optimizers": {"_check_update_args", "_zeros_like"},
            "nets": {"_check_x", "_check_xt"},
            "convnet": {"_check_x", "_check_xt", "_conv_params", "_input_dims"},
        },
    ),
    (
        "helpers the Julia tests and the parity scenarios call directly, to check them "
        "against their Python twins step by step",
        {
            "search": {"_rank_key"},
            "experiments/chapter6": {"_compare_on_mnist", "_epoch_loop"},
            "experiments/chapter7": {"_trained"},
        },
    ),
)

#: (reason, {module: names}): twins whose signatures differ on purpose.
SIGNATURE_EXCEPTIONS: tuple[tuple[str, dict[str, set[str]]], ...] = (
    (
        "progress bars (tqdm) are Python's: Julia's twins take no `progress`",
        {
            "trainer": {"Trainer"},
            "experiments/chapter6": {"_compare_on_mnist"},
            "experiments/chapter7": {"train_network", "_trained"},
        },
    ),
    (
        "Julia's loss curves are labelled by the caller (a Dict has no order)",
        {"experiments/chapter6": {"_compare_on_mnist"}},
    ),
    (
        "a Python trial's hooks (`check`, `on_start`) serve pyref.study's engines, which "
        "drive Julia's trials through the bridge; `_rank_key` names its argument `tr`",
        {"search": {"run_trial", "_rank_key"}},
    ),
    (
        "a study's trial: Python's record also carries what pyref.study stores (its state, "
        "seed, stream state, point in a space), and `check`, called after every step, sees "
        "a lost claim at once; Julia's engine checks between calls, by the bridge's handle",
        {"study/trial": {"Trial", "train_to_next_measurement"}},
    ),
    (
        "an experiment's record: Julia's holds what its engine runs (name, function, draws); "
        "the figure, CLI and parity fields are read by pyref's command line, figures and "
        "parity suite only",
        {"experiments/registry": {"Experiment"}},
    ),
    (
        "the benchmark: Python times numpy with its own rng and book options, Julia's "
        "timings take their BLAS threads and learning rate, buffers made once",
        {
            "bench/step": {"gemm_bound", "step_timing"},
            "bench/convnet": {
                "conv_gemm_bound",
                "convnet_gemm_bound",
                "convnet_parts",
                "convnet_timing",
            },
            "bench/deep_convnet": {
                "deep_convnet_gemm_bound",
                "deep_convnet_parts",
                "deep_convnet_timing",
            },
        },
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


def _twinned(module: str, py_every: set[str]) -> set[str]:
    """The Python names a Julia name may twin: public ones (a property too) and the
    private ones PRIVATE_PUBLIC lists, by their Julia name."""
    listed = set()
    for _, pairs in PRIVATE_PUBLIC:
        listed |= pairs.get(module, set())
    return {n for n in py_every if not n.startswith("_")} | {n.lstrip("_") for n in listed}


@dataclass(frozen=True)
class Signature:
    """A function's call shape: positional names in order (the last ``optional`` with
    defaults), keyword names, whether it takes ``*args``/``**kwargs``, and (Julia) the
    type annotation of its first argument."""

    positional: tuple[str, ...]
    optional: int
    keywords: frozenset[str]
    varargs: bool = False
    varkw: bool = False
    receiver: str = ""

    def __str__(self) -> str:
        pos = [
            n + ("=" if i >= len(self.positional) - self.optional else "")
            for i, n in enumerate(self.positional)
        ]
        pos += ["args..."] if self.varargs else []
        kw = sorted(self.keywords) + (["kwargs..."] if self.varkw else [])
        return f"({', '.join(pos)}{'; ' + ', '.join(kw) if kw else ''})"

    def without_receiver(self) -> Signature:
        n = len(self.positional) - 1
        return Signature(
            self.positional[1:], min(self.optional, n), self.keywords, self.varargs, self.varkw
        )


def _split_top(s: str, seps: str) -> list[tuple[str, str]]:
    """``s`` split at the separators outside brackets and strings: (piece, its separator)."""
    out: list[tuple[str, str]] = []
    cur: list[str] = []
    depth, quote, i = 0, False, 0
    while i < len(s):
        ch = s[i]
        if quote:
            if ch == "\\":
                cur.append(s[i : i + 2])
                i += 2
                continue
            quote = ch != '"'
        elif ch == '"':
            quote = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in seps:
            out.append(("".join(cur), ch))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append(("".join(cur), ""))
    return out


_JL_ARG = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)?\s*(?:::\s*(?P<type>.+?))?\s*(?P<dots>\.\.\.)?\s*"
    r"(?:=(?P<default>.+))?$",
    re.S,
)


def julia_signature(inner: str) -> Signature:
    """The signature of a Julia argument list (the text between its parentheses)."""
    pos: list[str] = []
    kws: list[str] = []
    optional, varargs, varkw, receiver, in_kw = 0, False, False, "", False
    for piece, sep in _split_top(re.sub(r"#[^\n]*", "", inner), ",;"):
        piece = piece.strip()
        if piece:
            m = _JL_ARG.match(piece)
            assert m, f"cannot read the Julia argument {piece!r}"
            if in_kw:
                varkw |= bool(m.group("dots"))
                if not m.group("dots"):
                    kws.append(m.group("name"))
            elif m.group("dots"):
                varargs = True
            else:
                receiver = receiver if pos else (m.group("type") or "").strip()
                pos.append(m.group("name") or "")
                optional += m.group("default") is not None
        in_kw |= sep == ";"
    return Signature(tuple(pos), optional, frozenset(kws), varargs, varkw, receiver)


def _closing(text: str, i: int) -> int:
    """The index after the bracket that closes ``text[i]``, skipping strings and comments."""
    depth, quote = 0, False
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            quote = ch != '"'
        elif ch == '"':
            quote = True
        elif ch == "#":
            i = text.find("\n", i) % (len(text) + 1)
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise AssertionError("an argument list without its closing parenthesis")


_JL_DEF = re.compile(
    r"^(?P<ind>[ ]*)(?P<fn>function\s+)?(?:\w+\.)?(?P<name>[A-Za-z_][\w!]*)"
    r"(?:\{[^}\n]*\})?\(",
    re.M,
)
_JL_STRUCT = re.compile(
    r"^(?:mutable\s+)?struct\s+(?P<name>[A-Za-z_]\w*)(?:\{[^}\n]*\})?(?:\s*<:\s*\S+)?\s*$",
    re.M,
)
_JL_BLOCK_WORDS = {"if", "elseif", "while", "for", "return", "end", "begin", "let", "do"}


def julia_methods(path: Path) -> dict[str, list[Signature]]:
    """Each name's methods in a Julia file (a trailing ``!`` dropped): top-level
    ``function``s and short definitions, a struct's inner constructors, or its default
    constructor (its fields in order) when it has none."""
    text = path.read_text(encoding="utf-8")
    structs = []
    for m in _JL_STRUCT.finditer(text):
        end = re.compile(r"^end\b", re.M).search(text, m.end())
        structs.append((m.start(), end.end() if end else len(text), m.group("name"), m.end()))
    out: dict[str, list[Signature]] = {}
    with_inner: set[str] = set()
    for m in _JL_DEF.finditer(text):
        name, indent = m.group("name"), len(m.group("ind"))
        if name in _JL_BLOCK_WORDS:
            continue
        inside = next((b for b in structs if b[0] < m.start() < b[1]), None)
        if (indent or inside) and not (inside and indent == 4 and name == inside[2]):
            continue
        close = _closing(text, m.end() - 1)
        if not m.group("fn") and not _JL_SHORT_TAIL.match(text, close):
            continue
        out.setdefault(name.rstrip("!"), []).append(julia_signature(text[m.end() : close - 1]))
        if inside:
            with_inner.add(name)
    for _, end, name, body in structs:
        if name not in with_inner:
            fields = re.findall(r"^    ([A-Za-z_]\w*)\s*(?:::[^\n]*)?$", text[body:end], re.M)
            out.setdefault(name, []).append(Signature(tuple(fields), 0, frozenset()))
    return out


def _python_signature(args: ast.arguments, method: bool) -> Signature:
    pos = [a.arg for a in args.posonlyargs + args.args][1 if method else 0 :]
    return Signature(
        tuple(pos),
        min(len(args.defaults), len(pos)),
        frozenset(a.arg for a in args.kwonlyargs),
        args.vararg is not None,
        args.kwarg is not None,
    )


def _class_signature(node: ast.ClassDef) -> Signature | None:
    """A class's constructor: its ``__init__``, or a dataclass's or NamedTuple's fields."""
    for m in node.body:
        if isinstance(m, ast.FunctionDef) and m.name == "__init__":
            return _python_signature(m.args, True)
    heads = " ".join(ast.unparse(d) for d in [*node.decorator_list, *node.bases])
    if "dataclass" not in heads and "NamedTuple" not in heads:
        return None
    fields = [
        m
        for m in node.body
        if isinstance(m, ast.AnnAssign)
        and isinstance(m.target, ast.Name)
        and "ClassVar" not in ast.unparse(m.annotation)
    ]
    return Signature(
        tuple(m.target.id for m in fields),
        sum(m.value is not None for m in fields),
        frozenset(),
    )


def python_signatures(path: Path) -> dict[str, list[tuple[str, Signature]]]:
    """Each name's (class, signature) in a Python module: functions ("" as the
    class), classes' constructors and methods (properties and dunders left out)."""
    out: dict[str, list[tuple[str, Signature]]] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            out.setdefault(node.name, []).append(("", _python_signature(node.args, False)))
        elif isinstance(node, ast.ClassDef):
            init = _class_signature(node)
            if init is not None:
                out.setdefault(node.name, []).append(("", init))
            for m in node.body:
                plain = isinstance(m, ast.FunctionDef) and not m.name.startswith("__")
                if plain and not any(
                    isinstance(d, ast.Name) and d.id in ("property", "staticmethod")
                    for d in m.decorator_list
                ):
                    out.setdefault(m.name, []).append((node.name, _python_signature(m.args, True)))
    return out


def same_shape(py: Signature, jl: Signature) -> bool:
    """Whether a Julia method takes the Python call: the same positional names in the
    same order (Python's trailing defaulted ones possibly as Julia keywords), the same
    keywords and no others."""
    n = len(jl.positional)
    if py.positional[:n] != jl.positional or n < len(py.positional) - py.optional:
        return False
    if py.varargs or jl.varargs:
        return py.varargs == jl.varargs and n == len(py.positional)
    if jl.varkw or py.varkw:
        return jl.varkw == py.varkw
    rest = set(py.positional[n:])
    return rest | py.keywords == set(jl.keywords)


def signature_differences(module: str) -> list[str]:
    """Each twin whose Python signature no Julia method of its name has."""
    py = python_signatures(PYREF / f"{module}.py")
    jl = julia_methods(JULIA_SRC / f"{module}.jl")
    listed: set[str] = set()
    for _, pairs in PRIVATE_PUBLIC:
        listed |= pairs.get(module, set())
    found = []
    for name, entries in sorted(py.items()):
        key = name if not name.startswith("_") else name.lstrip("_") if name in listed else None
        if key not in jl:
            continue
        for cls, sig in entries:
            methods = jl[key]
            if cls:
                own = [m for m in methods if re.search(rf"\b{cls}\b", m.receiver)]
                methods = [m.without_receiver() for m in own or methods if m.positional]
            if not any(same_shape(sig, m) for m in methods):
                shown = " | ".join(map(str, methods))
                found.append(f"{cls + '.' if cls else ''}{name}{sig} -- Julia: {shown}")
    return found


def _signature_exceptions(module: str) -> set[str]:
    out: set[str] = set()
    for _, names in SIGNATURE_EXCEPTIONS:
        out |= names.get(module, set())
    return out


@pytest.mark.parametrize("module", TWINS)
def test_twins_take_the_same_arguments(module: str) -> None:
    exempt = _signature_exceptions(module)
    found = [
        d for d in signature_differences(module) if d.split("(")[0].split(".")[-1] not in exempt
    ]
    assert not found, f"pyref/{module}.py and julia/src/{module}.jl differ in shape: {found}"


@pytest.mark.parametrize("module", TWINS)
def test_signature_exceptions_are_still_needed(module: str) -> None:
    differing = {d.split("(")[0].split(".")[-1] for d in signature_differences(module)}
    assert _signature_exceptions(module) <= differing


@pytest.mark.parametrize("module", TWINS)
def test_private_public_pairs_are_still_pairs(module: str) -> None:
    _, py_every = python_names(PYREF / f"{module}.py")
    jl = julia_names(JULIA_SRC / f"{module}.jl")
    for _, pairs in PRIVATE_PUBLIC:
        for name in pairs.get(module, set()):
            assert name.startswith("_") and name in py_every and name.lstrip("_") in jl, name


def test_the_signature_readers_see_what_they_should() -> None:
    """Multi-line Julia definitions, keywords after `;`, inner constructors, receivers,
    and a private Python name paired with a public Julia one only when listed."""
    jl = julia_methods(JULIA_SRC / "layers.jl")
    assert any(m.keywords == {"need_dx"} and m.receiver == "Affine" for m in jl["backward"])
    assert Signature(("dropout_ratio",), 1, frozenset({"rng"})) in [
        Signature(m.positional, m.optional, m.keywords) for m in jl["Dropout"]
    ]
    assert julia_signature('a, b::Int=f(1, 2); c="x;y", d...') == Signature(
        ("a", "b"), 1, frozenset({"c"}), False, True, ""
    )
    py = dict(python_signatures(PYREF / "optimizers.py"))
    assert ("Optimizer", Signature(("params", "grads"), 0, frozenset())) in py["update"]
    assert not same_shape(
        Signature(("n", "step"), 0, frozenset()), Signature(("step", "n"), 0, frozenset())
    )
    assert same_shape(
        Signature(("x", "t", "flag"), 1, frozenset()), Signature(("x", "t"), 0, frozenset({"flag"}))
    )


@pytest.mark.parametrize("module", TWINS)
def test_twins_define_the_same_names(module: str) -> None:
    py_public, py_every = python_names(PYREF / f"{module}.py")
    jl = julia_names(JULIA_SRC / f"{module}.jl")
    python_only = sorted(py_public - jl - _exceptions(module, "python"))
    julia_only = sorted(jl - _twinned(module, py_every) - _exceptions(module, "julia"))
    assert not python_only, f"pyref/{module}.py names without a twin in julia/src/{module}.jl"
    assert not julia_only, (
        f"julia/src/{module}.jl names without a public twin in pyref/{module}.py "
        "(a private one only if PRIVATE_PUBLIC lists it)"
    )


@pytest.mark.parametrize("module", TWINS)
def test_exceptions_are_still_needed(module: str) -> None:
    """An exception whose name is gone or now twinned is dropped, so the list stays true."""
    py_public, py_every = python_names(PYREF / f"{module}.py")
    jl = julia_names(JULIA_SRC / f"{module}.jl")
    stale_py = sorted(n for n in _exceptions(module, "python") if n not in py_public or n in jl)
    stale_jl = sorted(
        n for n in _exceptions(module, "julia") if n not in jl or n in _twinned(module, py_every)
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
