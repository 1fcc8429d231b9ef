"""The layout's rules, read from the source: imports run one way.

Every ``import`` in ``pyref/`` counts, also those inside functions (a late import
is still a dependency). The rules and their module sets are stated once, in
docs/architecture.md's "Import rules" section; this test reads them from there.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "pyref"

#: docs/architecture.md, whose "Import rules" block states the rules this test checks.
DOC = PKG.parent / "docs" / "architecture.md"


def import_rules(path: Path = DOC) -> dict[str, set[str]]:
    """The module sets of the doc's import-rules block, by their key."""
    text = path.read_text(encoding="utf-8")
    section = text[text.index("## Import rules") :]
    body = section[
        section.index("```text") + len("```text") : section.index(
            "```", section.index("```text") + 7
        )
    ]
    rules = {}
    for line in body.strip().splitlines():
        key, _, names = line.partition(":")
        rules[key.strip()] = {n.strip() for n in names.split(",") if n.strip()}
    return rules


RULES = import_rules()
#: The book's components (and pyref's utilities they use): they import only each other.
BOOK = RULES["book"]
#: What starts or talks to Julia.
JULIA = RULES["julia-runtime"]
#: The harness's parts that must not talk to Julia: all but its runner.
HARNESS_PURE = RULES["harness-pure"]
#: The harness's leaves: they import nothing of pyref but the book's components.
HARNESS_LEAVES = RULES["harness-leaves"]
#: The only modules that may import the Julia runtime.
MAY_START_JULIA = RULES["may-start-julia"]


def modules() -> dict[str, Path]:
    """pyref's modules by dotted name relative to pyref (``""`` is pyref itself)."""
    out = {}
    for path in PKG.rglob("*.py"):
        parts = path.relative_to(PKG).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's imports of other pyref modules (a package's submodule counts as
    itself, not as its package)."""
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base_parts = package.split(".") if package else []
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join(["pyref", *base_parts, *([node.module] if node.module else [])])
                else:
                    base = node.module or ""
                subs = [f"{base}.{a.name}" for a in node.names]
                known = [s for s in subs if s.removeprefix("pyref.") in mods]
                targets = known if len(known) == len(subs) else [base, *known]
            for target in targets:
                if target == "pyref" or target.startswith("pyref."):
                    rel = target.removeprefix("pyref").removeprefix(".")
                    if rel in mods and rel != name:
                        found.add(rel)
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


GRAPH = imports(modules())


def test_the_graph_is_read() -> None:
    assert "runtime.locate" in GRAPH["runtime.exe"]
    assert "layers" in GRAPH["nets"]


def test_no_import_cycle() -> None:
    assert cycles(GRAPH) == []


def test_the_book_imports_only_the_book() -> None:
    bad = {m: sorted(GRAPH[m] - BOOK) for m in GRAPH if m in BOOK and GRAPH[m] - BOOK}
    assert bad == {}


def test_only_the_runner_search_bench_and_cli_start_julia() -> None:
    bad = {
        m: sorted(GRAPH[m] & JULIA) for m in GRAPH if GRAPH[m] & JULIA and m not in MAY_START_JULIA
    }
    assert bad == {}
    for pure in HARNESS_PURE & GRAPH.keys():
        assert not GRAPH[pure] & JULIA, pure


def test_the_harness_is_the_package_and_only_its_runner_talks_to_julia() -> None:
    harness = {m for m in GRAPH if m.startswith("parity.")}
    assert harness == HARNESS_PURE | {"parity.runner"}
    assert {m for m in harness if GRAPH[m] & JULIA} == {"parity.runner"}
    assert {m: GRAPH[m] - BOOK for m in HARNESS_LEAVES} == {m: set() for m in HARNESS_LEAVES}


def test_the_runtime_imports_no_harness_and_no_test_vectors() -> None:
    for name in sorted(JULIA | {"runtime.numpyblas", "runtime.mathmode"}):
        assert not {m for m in GRAPH[name] if m.startswith("parity")}


def test_finding_julia_does_not_need_the_installer_and_bridges_not_the_choice() -> None:
    """locate is what every Julia start needs; the installer builds on it, not the
    reverse. The bridges build on the interface; only session chooses between them."""
    assert "runtime.install" not in GRAPH["runtime.locate"]
    for bridge in ("runtime.exe", "runtime.jlcall"):
        assert "runtime.interface" in GRAPH[bridge]
        assert not GRAPH[bridge] & {"runtime.session", "runtime.install", "runtime"}


def test_the_command_line_and_the_search_settings_load_without_optuna() -> None:
    """`pyref --help` and the search's settings work without the search extra: only
    the study's claims, optuna_study, samplers and the modules running them import Optuna."""
    code = (
        "import sys; from pyref.cli import build_parser; import pyref.study.config; "
        "build_parser(); print(sorted(m for m in ('optuna', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
