"""Studies on PostgreSQL (pyref.study.database, pyref.study.claims): two workers, a
worker joining from another directory, TPE and Hyperband. The tests start a throwaway
server from Debian's postgresql package on a loopback port; without one they are
skipped, unless PYREF_REQUIRE_POSTGRES=1 (CI), where that is a failure."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from study_helpers import (
    FAST_HEARTBEAT,
    LEARN,
    LEARN_SLOW,
    REQUIRE_POSTGRES_ENV,
    TINY,
    check_learned_study,
    free_port,
    kill_when,
    optuna_trials,
    run_cli,
    run_inprocess,
    start_cli,
    study_env,
    trials_json,
)


def _postgres_bindir() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: [int(s) if s.isdigit() else 0 for s in p.parent.parent.name.split(".")],
    )
    return found[-1].parent if found else None


@pytest.fixture(scope="module")
def postgres():
    """host:port of a throwaway PostgreSQL server on a loopback port, in a temporary directory;
    stopped and removed afterwards. initdb refuses to run as root, so as root the
    server runs as the `postgres` user Debian's package creates (or `nobody`)."""
    required = os.environ.get(REQUIRE_POSTGRES_ENV, "").strip().lower() in ("1", "true", "yes")

    def unavailable(reason: str):
        if required:
            pytest.fail(f"{reason} ({REQUIRE_POSTGRES_ENV}=1, so this is a failure)", pytrace=False)
        pytest.skip(reason)

    bindir = _postgres_bindir()
    if bindir is None:
        unavailable("no PostgreSQL server (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install -e '.[search]')")
    base = Path(tempfile.mkdtemp(prefix="pyref-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = "postgres"
        try:
            pw = pwd.getpwnam(user)
        except KeyError:
            user, pw = "nobody", pwd.getpwnam("nobody")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    data, log, port = base / "data", base / "server.log", free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "pyref",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        detail = getattr(err, "stderr", "") or ""
        if log.exists():
            detail += log.read_text()[-2000:]
        shutil.rmtree(base, ignore_errors=True)
        unavailable(f"could not start PostgreSQL: {err}: {detail.strip()}")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_two_workers_on_postgresql(tmp_path: Path, postgres: str, tiny_reference: Path) -> None:
    postgres_url = f"postgresql://pyref@{postgres}/postgres"  # the CLI picks psycopg
    direct_url = f"postgresql+psycopg://pyref@{postgres}/postgres"  # for optuna here
    out = tmp_path / "pg"
    proc = run_cli(
        [
            *TINY,
            "--workers",
            "2",
            "--storage",
            postgres_url,
            "--study",
            "pg-tiny",
            "--out",
            str(out),
        ]
    )
    assert proc.returncode == 0, proc.stderr
    assert not (out / "search.db").exists()
    assert (out / "trials.json").read_bytes() == (tiny_reference / "trials.json").read_bytes()
    trials = optuna_trials(direct_url, "pg-tiny")
    assert sorted(t.user_attrs["index"] for t in trials) == list(range(8))
    assert all(t.state.name == "COMPLETE" for t in trials)
    # two commands at once on one study, as on two machines: nothing runs twice
    args = [
        *TINY,
        "--trials",
        "12",
        "--stream",
        "per-trial",
        "--storage",
        postgres_url,
        "--study",
        "pg-tiny",
    ]
    procs = [start_cli([*args, "--out", str(tmp_path / f"m{i}")]) for i in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    trials = optuna_trials(direct_url, "pg-tiny")
    assert sorted(t.user_attrs["index"] for t in trials) == list(range(12))
    first = trials_json(tmp_path / "m0")
    assert first == trials_json(tmp_path / "m1") and len(first) == 12
    assert first[:8] == trials_json(out)


def test_a_worker_from_another_directory_joins_on_postgresql(tmp_path: Path, postgres: str) -> None:
    """`pyref search worker` joins a TPE + Hyperband study on PostgreSQL from another
    working directory, as from a second machine: the study's launcher is killed in the
    middle, the joining worker finishes the study alone, and the launcher's command run
    again writes the outputs. With one worker at a time the study is the one an
    uninterrupted single worker gives (per-trial seeded TPE, points recorded at the
    claim, pruning decisions replayed)."""
    import sqlalchemy as sa

    name = "pg-join"
    url = f"postgresql://pyref@{postgres}/postgres"
    direct = f"postgresql+psycopg://pyref@{postgres}/postgres"
    reference = tmp_path / "reference"
    assert run_inprocess([*LEARN_SLOW, "--study", name, "--out", str(reference)]) == 0
    out = tmp_path / "pg"
    args = [*LEARN_SLOW, "--storage", url, "--study", name, "--out", str(out), *FAST_HEARTBEAT]
    engine = sa.create_engine(direct)

    def finished() -> int:
        try:
            with engine.connect() as conn:
                return conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pyref_search_unit WHERE study = :s AND state IN "
                        "('complete', 'pruned', 'failed')"
                    ),
                    {"s": name},
                ).scalar()
        except sa.exc.SQLAlchemyError:  # not created yet
            return 0

    kill_when(start_cli(args), lambda: finished() >= 3)
    assert finished() < 10
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyref.cli",
            "search",
            "worker",
            "--storage",
            url,
            "--study",
            name,
            "--no-progress",
            "--heartbeat",
            "0.2",
            "--grace",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=study_env(),
        cwd=elsewhere,
    )
    assert worker.returncode == 0, worker.stderr
    assert "joining study 'pg-join'" in worker.stdout and "0 left" in worker.stdout
    assert finished() == 10
    assert list(elsewhere.iterdir()) == []  # a worker writes no outputs
    with engine.connect() as conn:
        workers = {
            r[0].split("|")[1]
            for r in conn.execute(
                sa.text("SELECT worker FROM pyref_search_unit WHERE study = :s"), {"s": name}
            )
        }
    engine.dispose()
    assert len(workers) == 2  # the launcher's worker, then the joining one
    again = run_cli(args)
    assert again.returncode == 0, again.stderr
    assert (out / "trials.json").read_bytes() == (reference / "trials.json").read_bytes()
    check_learned_study(out, direct, name, 10, 9)
    # joining a study that does not exist is a clear error
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyref.cli",
            "search",
            "worker",
            "--storage",
            url,
            "--study",
            "nope",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=study_env(),
        cwd=elsewhere,
    )
    assert missing.returncode == 2 and "no study 'nope'" in missing.stderr


def test_tpe_and_hyperband_with_two_workers_on_postgresql(tmp_path: Path, postgres: str) -> None:
    out = tmp_path / "pg-tpe"
    proc = run_cli(
        [
            *LEARN,
            "--workers",
            "2",
            "--storage",
            f"postgresql://pyref@{postgres}/postgres",
            "--study",
            "pg-tpe",
            "--out",
            str(out),
        ]
    )
    assert proc.returncode == 0, proc.stderr
    check_learned_study(out, f"postgresql+psycopg://pyref@{postgres}/postgres", "pg-tpe", 12, 9)
    assert any(r["state"] == "pruned" for r in trials_json(out))
