"""Faults of the executable bridge, each with the behaviour that fixes it.

Tests that need Julia share one worker (the ``julia_session`` fixture); the ones
about starting, killing and cleaning up use small fake ``julia`` scripts, which
start in milliseconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from pyref.runtime.exe import CACHE_MIN_BYTES, ENV_STARTUP_TIMEOUT, ExeSession
from pyref.runtime.session import JuliaBridgeError, JuliaError, start_session
from pyref.tempdirs import LOCK_NAME

REPO = Path(__file__).resolve().parents[2]
BIG = CACHE_MIN_BYTES // 8 + 1000  # float64 elements: an array the worker caches


# -- helpers ------------------------------------------------------------------------


def fake_julia(folder: Path, body: str, shebang: str = "/bin/sh") -> Path:
    """An executable named julia in `folder` that runs `body` instead of Julia."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "julia"
    exe.write_text(f"#!{shebang}\n{body}\n")
    exe.chmod(0o755)
    return exe


GREET_THEN_HANG = """echo '{"ready": true, "pid": '$$'}'\nexec sleep 30"""
GREET_THEN_READ = """echo '{"ready": true, "pid": '$$'}'\nexec cat >/dev/null"""


@pytest.fixture
def private_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A temporary-files folder of the test's own, so leftovers can be counted."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def bridge_folders(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.glob("pyref-bridge-*"))


def running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_until(predicate, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# -- M2: a call cannot change the worker's cached copy of an input -------------------


def test_a_mutating_call_does_not_change_cached_inputs(julia_session) -> None:
    rs = np.random.RandomState(2)
    for first in ("Base.sort!", "identity"):  # mutated on its first crossing, or once cached
        x = rs.rand(BIG)
        original = x.copy()
        julia_session.call(first, x)
        assert np.array_equal(julia_session.call("Base.sort!", x), np.sort(original))
        back = julia_session.call("identity", x)
        assert np.array_equal(back, original), f"after {first}, Julia saw a sorted copy"
    assert np.array_equal(x, original), "Python's array never changes"


# -- M3: only what Julia confirmed is marked as sent --------------------------------


def test_a_failed_call_does_not_mark_unread_arrays_as_sent(julia_session) -> None:
    big = np.random.RandomState(3).rand(BIG)
    with pytest.raises(JuliaError):
        julia_session.call("tuple", np.zeros(3, dtype=np.float16), big)
    assert julia_session.call("sum", big) == pytest.approx(big.sum())
    # An argument Python itself refuses sends nothing, so nothing is marked either.
    other = np.random.RandomState(4).rand(BIG)
    with pytest.raises(TypeError):
        julia_session.call("tuple", other, object())
    assert julia_session.call("sum", other) == pytest.approx(other.sum())


# -- M4: each argument keeps its own type; ints beyond Int64 are refused --------------


def test_positional_arguments_keep_their_own_types(julia_session) -> None:
    assert julia_session.call("string", 1.0, 10) == "1.010"
    assert isinstance(julia_session.call("PyRef.weight_scale", 1.0, 10), float)
    back = julia_session.call("tuple", 1.0, 10, True, "s")
    assert [type(v) for v in back] == [float, int, bool, str]
    assert julia_session.call("identity", -(2**63)) == -(2**63)
    assert julia_session.call("identity", 2**63 - 1) == 2**63 - 1
    with pytest.raises(ValueError, match=r"argument 2.*Int64"):
        julia_session.call("tuple", 1, 2**63)
    with pytest.raises(ValueError, match=r"keyword n\['x'\]\[1\].*Int64"):
        julia_session.call("tuple", n={"x": [1, -(2**63) - 1]})


# -- M5: results the worker cannot write are Julia errors, not a dead worker ----------


def test_unwritable_results_raise_and_the_worker_survives(julia_session) -> None:
    pid = julia_session.info["pid"]
    for code, type_name in [
        ("π", "Irrational"),
        ("1//3", "Rational"),
        ("1 + 2im", "Complex"),
        ("(a = 1, b = 2//3)", "Rational"),
        ('"\\xff"', "UTF-8"),
    ]:
        with pytest.raises(JuliaError, match=type_name):
            julia_session.eval(code)
        assert julia_session.alive and julia_session.info["pid"] == pid
    with pytest.raises(JuliaError, match="Rational"):
        julia_session.call("//", 1, 3)
    assert julia_session.call("+", 1, 2) == 3
    assert not list(Path(julia_session._dir).glob("*.npy"))


# -- M8: input the worker's JSON reader would refuse ----------------------------------


def test_input_julia_cannot_read_is_refused_and_the_worker_survives(julia_session) -> None:
    pid = julia_session.info["pid"]
    with pytest.raises(ValueError, match=r"argument 1.*UTF-8"):
        julia_session.call("identity", "a\ud800b")
    with pytest.raises(ValueError, match=r"argument 1\[0\].*Int64"):
        julia_session.call("identity", [10**399])
    with pytest.raises(ValueError, match=r"keyword k\['\\ud800'\].*UTF-8"):
        julia_session.call("identity", k={"\ud800": 1})
    with pytest.raises(ValueError, match=r"code.*UTF-8"):
        julia_session.eval('"\udc00"')
    # Should such a line reach the worker anyway, it answers the request with an error.
    with pytest.raises(JuliaError, match="JSON"):
        julia_session._request({"op": "eval", "code": '"\ud800"'}, "sending a lone surrogate")
    assert julia_session.alive and julia_session.info["pid"] == pid
    assert julia_session.call("identity", "ok ✓") == "ok ✓"


# -- L10: only files in the session's own folder are read or removed -----------------


def test_replies_cannot_name_files_outside_the_session_folder(
    julia_session, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.npy"
    np.save(victim, np.arange(3.0))
    with pytest.raises(JuliaBridgeError, match="outside"):
        julia_session.eval(f'Dict("__npy__" => {json.dumps(str(victim))})')
    assert victim.is_file(), "a file outside the session folder was removed"
    sneaky = Path(julia_session._dir) / ".." / victim.name
    with pytest.raises(JuliaBridgeError, match="outside"):
        julia_session.eval(f'Dict("__npy__" => {json.dumps(str(sneaky))})')
    assert julia_session.call("+", 1, 1) == 2


# -- M7: an invalid startup timeout starts nothing -----------------------------------


def test_an_invalid_startup_timeout_starts_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, private_tmp: Path
) -> None:
    marker = tmp_path / "started"
    exe = fake_julia(tmp_path / "bin", f'touch "{marker}"\n{GREET_THEN_HANG}')
    monkeypatch.setenv("PYREF_JULIA", str(exe))
    for text in ("abc", "-1", "0", "nan", "inf"):
        monkeypatch.setenv(ENV_STARTUP_TIMEOUT, text)
        with pytest.raises(ValueError, match=ENV_STARTUP_TIMEOUT) as info:
            start_session("exe")
        assert isinstance(info.value, JuliaBridgeError)
        assert bridge_folders(private_tmp) == [], text
    with pytest.raises(ValueError, match="startup_timeout"):
        ExeSession(exe, startup_timeout=-2.0)
    time.sleep(0.3)
    assert not marker.exists(), "a worker was started"


# -- L1, L3: failed starts leave no folder behind and say what Julia printed ----------


@pytest.mark.parametrize(
    "body, message",
    [
        (None, "exited"),  # /bin/false
        ("echo 'ERROR: no such library' >&2; exit 1", "no such library"),
        ("exec sleep 30", "did not answer"),
        # Greetings that are not PyRef's: the executable is named, what it printed quoted.
        ("echo 'Welcome to not-julia 0.1'; exec sleep 30", "greet.*'Welcome to not-julia 0.1'"),
        ("echo '[1, 2]'; exec sleep 30", r"greet.*'\[1, 2\]'"),
    ],
)
def test_failed_starts_clean_up_and_explain(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, private_tmp: Path, body, message
) -> None:
    exe = Path("/bin/false") if body is None else fake_julia(tmp_path / "bin", body)
    monkeypatch.setenv("PYREF_JULIA", str(exe))
    monkeypatch.setenv(ENV_STARTUP_TIMEOUT, "1")
    with pytest.raises(JuliaBridgeError, match=message) as info:
        start_session("exe")
    assert not isinstance(info.value, json.JSONDecodeError)
    assert bridge_folders(private_tmp) == []
    if "greet" in message:
        assert str(exe) in str(info.value)


def test_a_failed_write_leaves_no_partial_input_file(tmp_path: Path) -> None:
    exe = fake_julia(tmp_path / "bin", GREET_THEN_READ)
    code = f"""
        import resource, signal
        from pathlib import Path
        import numpy as np
        from pyref.runtime.exe import ExeSession
        s = ExeSession({str(exe)!r})
        # Files larger than 128 KiB cannot be written: np.save fails half way.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 17, hard))
        try:
            s.call("identity", np.zeros(1 << 18))
        except Exception as err:
            print(type(err).__name__, err)
        print(sorted(p.name for p in Path(s._dir).iterdir()))
        s.close()
    """
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    error, files = proc.stdout.strip().splitlines()
    assert "argument 1" in error and "could not write" in error
    assert files == str(sorted([LOCK_NAME, "worker.log"]))  # the log and the folder's lock


# -- L2: a wrapper that does not exec: its children go too ---------------------------


def test_a_timed_out_start_stops_the_whole_process_group(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pidfile = tmp_path / "child.pid"
    exe = fake_julia(tmp_path / "bin", f'sleep 30 &\necho $! > "{pidfile}"\nwait')
    monkeypatch.setenv(ENV_STARTUP_TIMEOUT, "1")
    with pytest.raises(JuliaBridgeError, match="did not answer"):
        ExeSession(exe)
    child = int(pidfile.read_text())
    assert wait_until(lambda: not running(child)), "the wrapper's child outlived it"


def test_a_timed_out_call_stops_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    body = f"""echo '{{"ready": true}}'\nsleep 30 &\necho $! > "{pidfile}"\nwait"""
    s = ExeSession(fake_julia(tmp_path / "bin", body))
    try:
        with pytest.raises(JuliaBridgeError, match="did not answer"):
            s.call_with_timeout(0.5, "identity", 1)
        child = int(pidfile.read_text())
        assert wait_until(lambda: not running(child)), "the wrapper's child outlived it"
    finally:
        s.close()


# -- L11: large replies are read in linear time --------------------------------------


def test_a_large_line_is_read_in_linear_time(tmp_path: Path) -> None:
    size = 48 << 20
    body = f"""
import os, sys
line = b'{{"ready": true, "pad": "' + b"x" * {size} + b'"}}\\n'
out = sys.stdout.buffer
for i in range(0, len(line), 1 << 16):
    out.write(line[i : i + (1 << 16)])
    out.flush()
sys.stdin.read()
"""
    exe = fake_julia(tmp_path / "bin", body, shebang=sys.executable)
    started = time.monotonic()
    s = ExeSession(exe)
    elapsed = time.monotonic() - started
    try:
        assert len(s.info["pad"]) == size
    finally:
        s.close()
    # Linear reading takes well under a second here; rescanning the buffer on every
    # 64 KiB chunk took over 20 s.
    assert elapsed < 6.0, f"reading a {size >> 20} MB line took {elapsed:.1f} s"


# -- L12: killed workers leave no unclosed pipes -------------------------------------


def test_killed_workers_leave_no_unclosed_pipes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_STARTUP_TIMEOUT, "1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for body in ("exit 1", "exec sleep 30", "echo 'not json'; exec sleep 30"):
            try:
                ExeSession(fake_julia(tmp_path / body.split()[0], body))
            except JuliaBridgeError:
                pass
        s = ExeSession(fake_julia(tmp_path / "hang", GREET_THEN_HANG))
        try:
            s.call_with_timeout(0.3, "identity", 1)
        except JuliaBridgeError:
            pass
        s.close()
        del s
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []


# -- the worker never outlives its owner; folders name and lock their owner -----------


def test_a_killed_owner_s_busy_worker_and_folder_go_within_seconds(tmp_path: Path) -> None:
    """SIGKILL of the process that owns the session: its worker, busy (it reads no
    request, so it cannot see its pipe close), and what the worker started are
    killed, and the folder removed, by the keeper."""
    pidfile = tmp_path / "child.pid"
    body = f"""sleep 60 &\necho $! > "{pidfile}"\necho '{{"ready": true, "pid": '$$'}}'\nwait"""
    exe = fake_julia(tmp_path / "bin", body)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    code = f"""
        import sys, time
        from pyref.runtime.exe import ExeSession
        s = ExeSession({str(exe)!r})
        print(s._dir, s.info["pid"], flush=True)
        time.sleep(60)
    """
    owner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO), TMPDIR=str(tmp)),
        start_new_session=True,
    )
    try:
        folder, worker = owner.stdout.readline().split()
        child = int(pidfile.read_text())
        assert Path(folder).parent == tmp and running(int(worker)) and running(child)
        owner.kill()
        owner.wait()
        assert wait_until(lambda: not running(int(worker)) and not running(child))
        assert wait_until(lambda: bridge_folders(tmp) == [])
    finally:
        if owner.poll() is None:
            owner.kill()
        owner.wait()
        for pid in (worker, child) if "child" in locals() else ():
            with contextlib.suppress(OSError):
                os.kill(int(pid), signal.SIGKILL)


def test_a_session_folder_names_its_owner_and_is_locked(tmp_path: Path, private_tmp: Path) -> None:
    s = ExeSession(fake_julia(tmp_path / "bin", GREET_THEN_READ))
    try:
        name = Path(s._dir).name
        assert name.startswith(f"pyref-bridge-{os.getpid()}-")
        assert (Path(s._dir).stat().st_mode & 0o777) == 0o700
        fd = os.open(Path(s._dir) / LOCK_NAME, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):  # held: by this process and the worker's keeper
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    finally:
        s.close()
    assert bridge_folders(private_tmp) == []


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def stale_folder(tmp: Path, name: str, lock: bool = True) -> Path:
    folder = tmp / name
    folder.mkdir(mode=0o700)
    (folder / "a1.npy").write_bytes(b"x" * 100)
    if lock:
        (folder / LOCK_NAME).touch()
    return folder


def test_a_new_session_removes_dead_owners_folders_only(tmp_path: Path, private_tmp: Path) -> None:
    dead = dead_pid()
    gone = stale_folder(private_tmp, f"pyref-bridge-{dead}-abc")
    live = stale_folder(private_tmp, f"pyref-bridge-{os.getppid()}-abc")  # a running pid
    old = stale_folder(private_tmp, "pyref-bridge-k2j9x0qa")  # unnumbered: whose is unknown
    other = stale_folder(private_tmp, f"pyref-search-{dead}-abc")  # another prefix
    # A dead pid whose folder is still locked (its owner lives in another pid namespace,
    # say, or handed the lock to a process that still runs): in use.
    held = stale_folder(private_tmp, f"pyref-bridge-{dead}-held")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
            str(held / LOCK_NAME),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        ExeSession(fake_julia(tmp_path / "bin", GREET_THEN_READ)).close()
    finally:
        holder.kill()
        holder.wait()
    assert not gone.exists()
    assert all(p.exists() for p in (live, old, other, held))
    ExeSession(fake_julia(tmp_path / "bin", GREET_THEN_READ)).close()  # the lock is free now
    assert not held.exists() and all(p.exists() for p in (live, old, other))
