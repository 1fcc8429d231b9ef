"""Every command the README and docs/ show: each `pyref ...` line is a valid command
line (its subcommand and options exist), and the quick ones run and succeed; each
`python tools/...` line names a tool of this repository and options it has; each
`python3 -m pytest ...` line selects tests (the bare one is the suite CI runs).

The recipes (docs/parity.md, docs/porting.md) are run in full by tests/parity/.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from pyref.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "bench" / "README.md"]
#: Commands cheap enough to run here (seconds, no Julia needed).
QUICK = re.compile(r"^pyref (run --list|parity --list|julia which)$")


def commands() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for block in re.findall(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S):
            for line in block.splitlines():
                for part in line.split("&&"):
                    part = part.split(" #")[0].strip()
                    if part.startswith("pyref "):
                        found.append((page.relative_to(REPO).as_posix(), part))
    return found


COMMANDS = commands()


def tool_commands() -> list[tuple[str, str]]:
    """Every ``python tools/NAME.py ...`` line the pages show (in code blocks or inline)."""
    found = []
    for page in PAGES:
        for line in re.findall(
            r"python3? (tools/\w+\.py[^`\n#]*)", page.read_text(encoding="utf-8")
        ):
            found.append((page.relative_to(REPO).as_posix(), line.strip()))
    return found


TOOL_COMMANDS = tool_commands()


def pytest_commands() -> list[tuple[str, str]]:
    """Every ``python3 -m pytest ARGS`` line in the pages' bash blocks that has ARGS."""
    found = []
    for page in PAGES:
        for block in re.findall(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S):
            for line in block.splitlines():
                for part in line.split("&&"):
                    part = part.split(" #")[0].strip()
                    if re.match(r"python3? -m pytest \S", part):
                        found.append((page.relative_to(REPO).as_posix(), part))
    return found


PYTEST_COMMANDS = pytest_commands()


@cache
def collected(*args: str) -> tuple[str, ...]:
    """The ids of the tests ``python3 -m pytest ARGS`` would run, collected in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env=dict(os.environ, MPLBACKEND="Agg"),
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return tuple(line for line in proc.stdout.splitlines() if "::" in line)


def test_the_docs_show_commands() -> None:
    assert len(COMMANDS) > 20
    assert {page for page, _ in COMMANDS} >= {"README.md", "docs/parity.md", "docs/search.md"}


@pytest.mark.parametrize("page, line", COMMANDS, ids=[f"{p}:{c}" for p, c in COMMANDS])
def test_every_command_is_a_valid_command_line(page: str, line: str) -> None:
    argv = shlex.split(line)[1:]
    try:
        build_parser().parse_args(argv)
    except SystemExit as err:  # argparse's way of refusing
        pytest.fail(f"{page}: `{line}` is not a valid pyref command line (exit {err.code})")


@pytest.mark.parametrize("line", sorted({c for _, c in COMMANDS if QUICK.match(c)}))
def test_the_quick_commands_run(line: str, julia_exe: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pyref.cli", *shlex.split(line)[1:]],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env=dict(os.environ, MPLBACKEND="Agg"),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()


@pytest.mark.parametrize("page, line", TOOL_COMMANDS, ids=[f"{p}:{c}" for p, c in TOOL_COMMANDS])
def test_every_tool_command_names_a_tool_and_its_options(page: str, line: str) -> None:
    tool, *args = shlex.split(line)
    assert (REPO / tool).is_file(), f"{page}: `{line}`: no {tool}"
    options = {a.split("=")[0] for a in args if a.startswith("--")}
    if options:
        shown = subprocess.run(
            [sys.executable, str(REPO / tool), "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ, MPLBACKEND="Agg"),
        )
        assert shown.returncode == 0, shown.stderr
        for option in options:
            assert option in shown.stdout, f"{page}: `{line}`: {tool} has no {option}"


def test_the_docs_show_pytest_commands() -> None:
    assert {"-m parity", "-m 'not parity'"} <= {
        line.split("pytest ", 1)[1] for _, line in PYTEST_COMMANDS
    }


@pytest.mark.parametrize(
    "page, line", PYTEST_COMMANDS, ids=[f"{p}:{c}" for p, c in PYTEST_COMMANDS]
)
def test_every_pytest_command_selects_tests(page: str, line: str) -> None:
    assert collected(*shlex.split(line)[3:]), f"{page}: `{line}` selects no test"


def test_the_parity_marker_is_tests_parity() -> None:
    marked = collected("-m", "parity")
    assert marked and all(test.startswith("tests/parity/") for test in marked)
    unmarked = collected("-m", "not parity")
    assert unmarked and not any(test.startswith("tests/parity/") for test in unmarked)
