"""The bridges to Julia: data round trips, errors, and that nothing hangs.

Tests that need Julia take the ``julia_session`` (shared) or ``julia_exe`` fixture;
tests of dying or missing Julias start sessions of their own.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from pyref.runtime.exe import ENV_STARTUP_TIMEOUT, ExeSession
from pyref.runtime.session import (
    ENV_BRIDGE,
    JuliaArgumentError,
    JuliaBridgeError,
    JuliaError,
    JuliaTypeError,
    JuliaWorkerCrashed,
    ordered_like,
    session,
    start_session,
)

REPO = Path(__file__).resolve().parents[1]


def test_arrays_cross_bit_for_bit_with_the_same_indices(julia_session) -> None:
    rs = np.random.RandomState(0)
    values = {
        "f64": rs.randn(3, 4),
        "f64_fortran": np.asfortranarray(rs.randn(5, 2)),
        "f64_3d": rs.randn(2, 3, 4),
        "f64_slice": rs.randn(6, 6)[::2, 1:4],
        "f32": rs.rand(4, 3).astype(np.float32),
        "i64": rs.randint(-(2**40), 2**40, 7),
        "u8": np.arange(10, dtype=np.uint8),
        "bool": rs.rand(3, 3) > 0.5,
        "zero_d": np.array(2.5),
        "special": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308]),
        "big": rs.rand(300, 300),  # cached by the worker
    }
    for name, a in values.items():
        back = julia_session.call("identity", a)
        if a.ndim == 0:
            assert back == a[()], name
            continue
        assert isinstance(back, np.ndarray) and back.shape == a.shape, name
        assert back.dtype == a.dtype, name
        bits = np.ascontiguousarray(back).view(np.uint8)
        assert np.array_equal(bits, np.ascontiguousarray(a).view(np.uint8)), name
    # Julia indexes the book's layout the same way: element (1, 2) is numpy's [0, 1].
    a = values["f64"]
    assert julia_session.eval("1") == 1
    assert julia_session.call("getindex", a, 1, 2) == a[0, 1]
    assert julia_session.call("size", values["f64_3d"]) == [2, 3, 4]


def test_plain_values_and_structures_round_trip(julia_session) -> None:
    value = {
        "ints": [1, 2, 3],
        "floats": [0.1, 1e-300, 2.0**60, -0.0],
        "mixed": [1, "two", None, True, [3.5, {"deep": 'é ✓ "quoted" \\ \n\t'}]],
        "big_int": 2**62,
        "nan": float("nan"),
        "inf": float("-inf"),
        "empty": [],
        "nested": {"lr": 0.01, "form": "paper"},
    }
    back = julia_session.call("identity", value)
    assert back["mixed"][:4] == [1, "two", None, True]
    assert back["mixed"][4][1] == {"deep": 'é ✓ "quoted" \\ \n\t'}
    assert back["big_int"] == 2**62 and back["nested"] == {"lr": 0.01, "form": "paper"}
    assert np.isnan(back["nan"]) and back["inf"] == float("-inf") and back["empty"] == []
    assert back["ints"].dtype == np.int64 and list(back["ints"]) == [1, 2, 3]
    floats = back["floats"]
    assert [float(f).hex() for f in floats] == [f.hex() for f in value["floats"]]
    # Tuples come back as lists; Julia structs as dicts of their fields.
    assert julia_session.eval('(1, "a")') == [1, "a"]
    trial = julia_session.eval("PyRef.Trial(3, 0.5, 1e-6, [0.1, 0.2], [0.3, 0.4])")
    assert trial["number"] == 3 and list(trial["val_acc_list"]) == [0.1, 0.2]


def test_julia_errors_become_python_errors(julia_session) -> None:
    with pytest.raises(JuliaArgumentError, match="lr must be > 0") as info:
        julia_session.call("PyRef.SGD", lr=-1.0)
    assert isinstance(info.value, ValueError) and info.value.julia_type == "ArgumentError"
    with pytest.raises(JuliaTypeError, match="MethodError"):
        julia_session.call("PyRef.softmax", "not an array")
    with pytest.raises(JuliaArgumentError, match="not defined"):
        julia_session.call("PyRef.no_such_function")
    with pytest.raises(JuliaArgumentError, match="qualified Julia name"):
        julia_session.call("PyRef.softmax; run(`ls`)")
    with pytest.raises(JuliaError, match="boom"):
        julia_session.eval('error("boom")')
    # The session survives errors.
    assert julia_session.call("+", 1, 2) == 3


def test_bad_arguments_are_refused_in_python(julia_session) -> None:
    with pytest.raises(TypeError, match="argument 1.*cannot pass a object"):
        julia_session.call("identity", object())
    with pytest.raises(TypeError, match="dict keys must be strings"):
        julia_session.call("identity", {1: 2})
    with pytest.raises(TypeError, match="must hold numbers"):
        julia_session.call("identity", np.array(["a", "b"]))
    with pytest.raises(TypeError, match="qualified Julia name"):
        julia_session.call(42)


def test_prints_in_julia_do_not_disturb_the_protocol(julia_session) -> None:
    assert julia_session.eval('println("hello from Julia"); print(stdout, "{"); 41 + 1') == 42
    log = Path(julia_session.log_path).read_text()
    assert "hello from Julia" in log


def test_large_inputs_cross_once(julia_session) -> None:
    julia_session.forget()
    assert julia_session.eval("length(PyRef.Bridge.CACHE)") == 0
    x = np.random.RandomState(1).rand(200, 784)
    assert julia_session.call("sum", x) == julia_session.call("sum", x)
    assert julia_session.eval("length(PyRef.Bridge.CACHE)") == 1
    y = x.copy()
    y[0, 0] += 1
    julia_session.call("sum", y)
    assert julia_session.eval("length(PyRef.Bridge.CACHE)") == 2
    assert not list(Path(julia_session._dir).glob("*.npy")), "request files are removed"


def test_assign_then_run_julia_code(julia_session) -> None:
    x = np.arange(6.0).reshape(2, 3)
    julia_session.assign("xs_from_python", x)
    assert julia_session.eval("size(xs_from_python)") == [2, 3]
    assert julia_session.eval("xs_from_python[2, 1]") == 3.0
    julia_session.assign("settings_from_python", {"lr": 0.1, "hidden": [5, 5]})
    assert julia_session.eval('settings_from_python["hidden"]').tolist() == [5, 5]
    with pytest.raises(ValueError, match="variable name"):
        julia_session.assign("not valid", 1)


def test_include_loads_user_code(julia_session, tmp_path: Path) -> None:
    src = tmp_path / "mine.jl"
    src.write_text("module MineForTest\ntwice(x) = 2 .* x\nend\n")
    julia_session.include(src)
    assert list(julia_session.call("MineForTest.twice", np.array([1.5, 2.0]))) == [3.0, 4.0]
    with pytest.raises(ValueError, match="no Julia file"):
        julia_session.include(tmp_path / "missing.jl")


# -- nothing hangs: dying, missing, broken and slow Julias -----------------------------


def test_a_worker_that_dies_is_reported_at_once(julia_exe: Path) -> None:
    s = ExeSession()
    try:
        started = time.monotonic()
        with pytest.raises(JuliaWorkerCrashed, match=r"exited \(code 3\)"):
            s.eval('println(stderr, "about to go"); exit(3)')
        assert time.monotonic() - started < 30
        assert not s.alive
        with pytest.raises(JuliaBridgeError, match="closed"):
            s.call("identity", 1)
    finally:
        s.close()


def test_a_killed_worker_is_reported_and_the_shared_session_restarts(julia_exe: Path) -> None:
    s = session()
    pid = s.info["pid"]
    os.kill(pid, 9)
    with pytest.raises(JuliaWorkerCrashed, match="code -9"):
        s.call("identity", 1)
    fresh = session()
    assert fresh is not s and fresh.call("identity", 7) == 7


def test_a_call_can_time_out(julia_exe: Path) -> None:
    s = ExeSession()
    try:
        started = time.monotonic()
        with pytest.raises(JuliaBridgeError, match="did not answer"):
            s.call_with_timeout(1.0, "sleep", 60)
        assert time.monotonic() - started < 15 and not s.alive
    finally:
        s.close()


def _fake_julia(tmp_path: Path, body: str) -> Path:
    exe = tmp_path / "julia"
    exe.write_text("#!/bin/sh\n" + body + "\n")
    exe.chmod(0o755)
    return exe


def test_a_missing_julia_fails_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYREF_JULIA", str(tmp_path / "nowhere" / "julia"))
    started = time.monotonic()
    with pytest.raises(JuliaBridgeError, match="PYREF_JULIA"):
        start_session("exe")
    assert time.monotonic() - started < 5


def test_a_broken_julia_is_reported_with_its_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    exe = _fake_julia(
        tmp_path, 'echo "ERROR: libjulia.so: cannot open shared object file" >&2; exit 1'
    )
    monkeypatch.setenv("PYREF_JULIA", str(exe))
    started = time.monotonic()
    with pytest.raises(JuliaWorkerCrashed, match="cannot open shared object"):
        start_session("exe")
    assert time.monotonic() - started < 10


def test_a_julia_that_never_answers_is_stopped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    exe = _fake_julia(tmp_path, "exec sleep 600")
    monkeypatch.setenv("PYREF_JULIA", str(exe))
    monkeypatch.setenv(ENV_STARTUP_TIMEOUT, "2")
    started = time.monotonic()
    with pytest.raises(JuliaBridgeError, match="did not answer"):
        start_session("exe")
    assert time.monotonic() - started < 15


def test_bridge_names_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_BRIDGE, "jullia")
    with pytest.raises(ValueError, match="unknown Julia bridge 'jullia'"):
        start_session()
    monkeypatch.setenv(ENV_STARTUP_TIMEOUT, "soon")
    monkeypatch.setenv(ENV_BRIDGE, "exe")
    with pytest.raises(JuliaBridgeError, match="PYREF_JULIA_STARTUP_TIMEOUT"):
        start_session()


# -- juliacall: as far as this machine allows ---------------------------------------


def _run_python(
    code: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=REPO,
    )


def test_juliacall_fails_clearly_without_its_registry() -> None:
    """Forced juliacall either works or says within seconds why not and what to do."""
    env = dict(os.environ, PYREF_JULIA_BRIDGE="juliacall")
    code = """
        import time
        from pyref.runtime import JuliaBridgeError, session
        t = time.monotonic()
        try:
            s = session()
        except JuliaBridgeError as err:
            print("FAILED", round(time.monotonic() - t, 1), err)
        else:
            print("WORKS", s.call("+", 1, 2))
    """
    started = time.monotonic()
    proc = _run_python(code, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert proc.stdout.strip() == last, "juliacall's own messages go to stderr, not stdout"
    if last.startswith("WORKS"):
        assert last.split()[1] == "3"
        return
    assert last.startswith("FAILED"), proc.stdout + proc.stderr[-2000:]
    assert time.monotonic() - started < 90
    if importlib.util.find_spec("juliacall") is None:
        assert "juliacall is not installed" in last
    else:
        assert "juliacall could not start Julia" in last or "could not load PyRef" in last
    assert "PYREF_JULIA_BRIDGE=exe" in last


def test_automatic_choice_falls_back_to_the_executable(julia_exe: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != ENV_BRIDGE}
    code = """
        import warnings
        from pyref.runtime import session
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = session()
        print(s.bridge, s.call("+", 2, 2), len(caught))
    """
    proc = _run_python(code, env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bridge_name, four, warned = proc.stdout.split()
    assert four == "4"
    if importlib.util.find_spec("juliacall") is None:
        assert bridge_name == "exe" and warned == "0"
    elif bridge_name == "exe":  # juliacall installed but unable to start: said so
        assert warned == "1"


def test_ordered_like_puts_julia_keys_in_the_python_order() -> None:
    python = {
        "paths": {"SGD": [1], "Momentum": [2], "Adam": [3]},
        "steps": 2,
        "trials": [{"lr": 0.1, "acc": 0.5}],
    }
    julia = {
        "steps": 2,
        "trials": [{"acc": 0.5, "lr": 0.1}, {"acc": 0.7, "lr": 0.2}],
        "extra": 1,
        "paths": {"Adam": [3], "SGD": [1], "Momentum": [2]},
    }
    ordered = ordered_like(python, julia)
    assert ordered == julia
    assert list(ordered) == ["paths", "steps", "trials", "extra"]
    assert list(ordered["paths"]) == ["SGD", "Momentum", "Adam"]
    assert [list(t) for t in ordered["trials"]] == [["lr", "acc"], ["acc", "lr"]]
    arr = np.arange(3.0)
    assert ordered_like({"x": [0.0]}, {"x": arr})["x"] is arr
