"""Faults of the command line (`pyref run`, `pyref parity`) and of the parity report:
each ends in exit 2 and one line `pyref <command>: error: ...` naming the argument
or file, before any work where the input can be checked first; a scenario's own
mistakes are its ERROR row. Commands run in this process through `pyref.cli.main`.
"""

from __future__ import annotations

import json
import math
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from pyref import cli, parity
from pyref.datasets import MNIST_FILES, write_idx


def run(args: list[str]) -> int:
    return cli.main(args)


@pytest.fixture(autouse=True)
def _forget_loaded_scenarios(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scenarios a `--load` registers in this process are forgotten after the test, so
    later tests see the built-in suite alone."""
    from pyref.parity import registry

    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._REGISTERED))


def one_error_line(capsys: pytest.CaptureFixture, command: str) -> tuple[str, str]:
    """(stdout, the one stderr line): no traceback, one line in the CLI's style."""
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert "Traceback" not in captured.err, captured.err
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"pyref {command}: error: "), lines[0]
    return captured.out, lines[0]


# -- L8, L13: output paths are checked before any work --------------------------------


@pytest.mark.parametrize(
    "out, message",
    [("/dev/null/out", "/dev/null is a file"), ("{file}", "is a file, not a folder")],
)
def test_run_checks_out_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture, out: str, message: str
) -> None:
    regular = tmp_path / "a-file"
    regular.write_text("x")
    out = out.format(file=regular)
    started = time.monotonic()
    assert run(["run", "weight-init-compare", "--out", out]) == 2
    stdout, line = one_error_line(capsys, "run")
    assert f"--out {out}" in line and message in line
    assert stdout == ""  # not even the data was loaded
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--json", "{dir}"], "--json {dir} is a folder, not a file"),
        (["--json", "/dev/null/x.json"], "--json /dev/null/x.json: /dev/null is a file"),
        (["--plot", "/dev/null/plots"], "--plot /dev/null/plots: /dev/null is a file"),
        (["--plot", "{file}"], "--plot {file} is a file, not a folder"),
    ],
)
def test_parity_checks_its_outputs_before_the_suite(
    tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    regular = tmp_path / "a-file"
    regular.write_text("x")
    fill = {"dir": str(tmp_path), "file": str(regular)}
    started = time.monotonic()
    code = run(["parity", "--scenario", "random-rand", *[a.format(**fill) for a in args]])
    assert code == 2
    stdout, line = one_error_line(capsys, "parity")
    assert message.format(**fill) in line
    assert stdout == ""  # Julia was not even started
    assert time.monotonic() - started < 2


def test_a_bogus_data_source_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("PYREF_DATA", "bogus")
    assert run(["run", "weight-init-compare", "--out", str(tmp_path)]) == 2
    _, line = one_error_line(capsys, "run")
    assert "'bogus' (from $PYREF_DATA)" in line and "embedded, mnist" in line
    assert run(["search", "--out", str(tmp_path)]) == 2
    _, line = one_error_line(capsys, "search")
    assert "(from $PYREF_DATA)" in line


def test_truncated_idx_files_are_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    data = tmp_path / "mnist"
    data.mkdir()
    rs = np.random.RandomState(0)
    for key, name in MNIST_FILES.items():
        n = 5 if "train" in key else 3
        array = rs.randint(0, 256, (n, 28, 28)) if key.endswith("img") else rs.randint(0, 10, n)
        raw = data / name[: -len(".gz")]  # uncompressed: no checksum to fail first
        write_idx(raw, array.astype(np.uint8))
    victim = data / "train-images-idx3-ubyte"
    victim.write_bytes(victim.read_bytes()[:-10])
    monkeypatch.setenv("PYREF_DATA", "mnist")
    monkeypatch.setenv("PYREF_DATA_DIR", str(data))
    assert run(["run", "weight-init-compare", "--quick", "--out", str(tmp_path / "o")]) == 2
    _, line = one_error_line(capsys, "run")
    assert str(victim) in line and "delete it to download it again" in line


# -- L8, L14: scenario files ------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    "code, message",
    [
        ("x = 1\nraise RuntimeError('not ported yet')\n", "line 2: RuntimeError: not ported yet"),
        ("def f(:\n", "line 1: SyntaxError"),
        ("import no_such_module_here\n", "line 1: ModuleNotFoundError: No module named"),
    ],
)
def test_a_scenario_file_that_fails_to_load_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, code: str, message: str
) -> None:
    path = write(tmp_path / "mine.py", code)
    assert run(["parity", "--load", str(path), "--list"]) == 2
    _, line = one_error_line(capsys, "parity")
    assert f"--load {path}: {message}" in line


def test_help_says_load_runs_the_file(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        run(["parity", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "its code runs with your rights, even with --list" in text


def test_porting_mistakes_are_error_rows(
    julia_session, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    bad_jl = write(
        tmp_path / "bad.jl",
        """
        module FaultBad
        f(; kw...) = Dict("x" => 1.0
        end
    """,
    )
    good_jl = write(
        tmp_path / "good.jl",
        """
        module FaultGood
        f(; n=3) = Dict("x" => collect(1.0:n))
        end
    """,
    )
    scenarios = write(
        tmp_path / "mine.py",
        f"""
        import numpy as np
        from pyref.parity import Scenario, register

        def py(n):
            return {{"x": np.arange(1.0, n + 1)}}

        register(Scenario("fault-julia-syntax", py, "FaultBad.f", kwargs={{"n": 3}},
                          julia_files=({str(bad_jl)!r},)))
        register(Scenario("fault-python-typeerror", py, "FaultGood.f",
                          kwargs={{"n": 3, "m": 1}}, julia_files=({str(good_jl)!r},)))
        register(Scenario("fault-missing-jl", py, "FaultGood.f", kwargs={{"n": 3}},
                          julia_files=({str(tmp_path / "nope.jl")!r},)))
        register(Scenario("fault-ok", py, "FaultGood.f", kwargs={{"n": 3}},
                          julia_files=({str(good_jl)!r},)))
    """,
    )
    names = ["fault-julia-syntax", "fault-python-typeerror", "fault-missing-jl", "fault-ok"]
    assert run(["parity", "--load", str(scenarios), "--scenario", *names]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    out = captured.out
    for name in names[:3]:
        assert any(
            line.split()[:1] == [name] and line.split()[-1] == "ERROR" for line in out.splitlines()
        ), name
    assert "3/4 scenarios passed" not in out and "1/4 scenarios passed" in out
    assert f"fault-julia-syntax: julia_files: including {bad_jl}: Julia LoadError: syntax" in out
    assert f"in expression starting at {bad_jl}:" in out  # and the line
    assert (
        "fault-python-typeerror: the Python side raised TypeError: py() got an unexpected "
        "keyword argument 'm'" in out
    )
    assert f"fault-missing-jl: julia_files: path: no Julia file at {tmp_path / 'nope.jl'}" in out


# -- L15: the parity report ------------------------------------------------------------


def test_nan_against_a_number_is_named_not_counted() -> None:
    c = parity.compare_output("s", "o", parity.EXACT, np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    assert not c.passed and c.max_ulps == math.inf  # the JSON's number: as far as can be
    table = parity.format_table([parity.ScenarioResult(parity.select(["random-rand"])[0], [c])])
    row = next(line for line in table.splitlines() if line.startswith("random-rand"))
    assert row.split()[-2:] == ["NaN", "FAIL"]
    assert "python=NaN julia=2.0 (NaN on the Python side only)" in c.message()
    assert "NaN on one side at 1 of 2 entries" in c.message() and "ULPs" not in c.message()


def test_tier_settings_appear_only_where_they_apply() -> None:
    x = np.arange(3.0)
    exact = parity.compare_output("s", "o", parity.EXACT, x, x).to_dict()
    assert (exact["tier_rtol"], exact["tier_atol"], exact["tier_bound"]) == (None, None, None)
    close = parity.compare_output("s", "o", parity.close(1e-10, 1e-300), x, x).to_dict()
    assert close["tier"] == "close"
    assert (close["tier_rtol"], close["tier_atol"], close["tier_bound"]) == (1e-10, 1e-300, None)
    traj = parity.compare_output("s", "o", parity.trajectory(0.5), x, x).to_dict()
    assert (traj["tier_rtol"], traj["tier_atol"], traj["tier_bound"]) == (None, None, 0.5)


def test_an_integer_output_against_a_float_one_fails() -> None:
    for tier in (parity.EXACT, parity.close(), parity.trajectory(1.0)):
        c = parity.compare_output("s", "k", tier, np.arange(3), np.arange(3.0))
        assert not c.passed and "dtypes differ: python int64, julia float64" in c.note
    # integers of other widths, and bools against integers, still compare by value
    assert parity.compare_output(
        "s", "k", parity.EXACT, np.arange(3), np.arange(3, dtype=np.uint8)
    ).passed
    assert parity.compare_output("s", "k", parity.EXACT, np.zeros(0), np.zeros(0, dtype=int)).passed


# -- L16: an expected warning waits for the progress bar ---------------------------------


def test_run_prints_warnings_after_the_progress_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert run(["run", "batch-norm-test", "--quick", "--seed", "1", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    warning = "pyref run: warning: RuntimeWarning: overflow encountered"
    assert warning in err
    assert "weight scales" not in err[err.index(warning) :]  # the bar was done before
    assert "np.dot(" not in err  # no source line quoted in the middle of the bar


# -- the Julia side dies: --engine both keeps Python's results; the cited log exists ------

JULIA_DIES_IN_ITS_CALL = """echo '{"ready": true}'
read request
echo "fatal: out of memory in the experiment" >&2
kill -9 $$"""


@pytest.mark.parametrize("engine", ["both", "julia"])
def test_when_julia_dies_python_s_results_and_the_worker_log_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    from processes import start_pyref

    exe = tmp_path / "bin" / "julia"
    exe.parent.mkdir()
    exe.write_text(f"#!/bin/sh\n{JULIA_DIES_IN_ITS_CALL}\n")
    exe.chmod(0o755)
    out, tmp, name = tmp_path / "out", tmp_path / "tmp", "optimizer-compare-naive"
    tmp.mkdir()
    monkeypatch.setenv("PYREF_JULIA", str(exe))  # the command's environment
    monkeypatch.setenv("PYREF_JULIA_BRIDGE", "exe")
    proc = start_pyref(["run", name, "--engine", engine, "--out", str(out)], tmp, tmp_path / "log")
    assert proc.wait(timeout=120) == 2
    err = (tmp_path / "log.err").read_text()
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("pyref run: error: ")]
    assert len(lines) == 1 and lines == err.strip().splitlines()[-1:], err
    log = out / f"{name}-julia-worker.log"
    assert (
        f"exited (code -9) while calling PyRef.Scenarios.experiment; its log is {log}" in lines[0]
    )
    assert lines[0].endswith(
        "ending: fatal: out of memory in the experiment"
        + (f" (the Python results are written in {out})" if engine == "both" else "")
    )
    assert "fatal: out of memory in the experiment" in log.read_text()
    written = sorted(p.name for p in out.iterdir())
    if engine == "both":  # Python's record and figure, nothing of Julia's, no overlay
        assert written == sorted([log.name, f"{name}.json", f"{name}.png"])
        record = json.loads((out / f"{name}.json").read_text())
        assert record["engine"] == "python" and record["result"]
    else:
        assert written == [log.name]
    assert list(tmp.iterdir()) == []  # the session's folder went
