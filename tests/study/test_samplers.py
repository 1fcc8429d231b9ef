"""Learning samplers and pruners in a study (pyref.study.samplers): TPE and Hyperband
with two workers, seeded samplers reproducible with one, and TPE + Hyperband studies
that survive SIGKILL of the command or of one worker."""

from __future__ import annotations

import json
from pathlib import Path

from study_helpers import (
    FAST_HEARTBEAT,
    LEARN,
    LEARN_SLOW,
    check_learned_study,
    db_rows,
    kill_a_running_worker,
    kill_when,
    mid_trial,
    run_cli,
    run_inprocess,
    start_cli,
    trials_json,
    units,
)

from pyref.study.config import DEFAULT_STUDY


def test_tpe_and_hyperband_with_two_workers(tmp_path: Path) -> None:
    out = tmp_path / "tpe"
    proc = run_cli([*LEARN, "--workers", "2", "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    storage = f"sqlite:///{out / 'search.db'}"
    check_learned_study(out, storage, DEFAULT_STUDY, 12, 9)
    records = trials_json(out)
    assert any(r["state"] == "pruned" for r in records)  # Hyperband stopped some
    assert len({(r["lr"], r["params"]["optimizer"]) for r in records}) == 12
    assert len({u[2] for u in units(out / "search.db")}) == 2  # both workers took trials
    summary = json.loads((out / "study.json").read_text())
    assert summary["settings"]["sampler"] == "tpe" and summary["pruned"] >= 1
    for name in ("history.png", "parallel.png", "best20.png"):
        assert (out / name).stat().st_size > 0
    best = (out / "best.txt").read_text().splitlines()[1]
    assert "| optimizer:" in best and "hidden_layers:" in best
    rows = (out / "trials.csv").read_text().splitlines()
    assert rows[0].endswith(",optimizer,hidden_layers")
    assert [r.split(",")[-2:] for r in rows[1:]] == [
        [r["params"]["optimizer"], str(r["params"]["hidden_layers"])] for r in records
    ]
    # optuna-dashboard reads it: states, values and each epoch's accuracy
    from wsgiref.util import setup_testing_defaults

    import optuna_dashboard as dashboard

    app = dashboard.wsgi(storage)
    env: dict = {}
    setup_testing_defaults(env)
    env["PATH_INFO"] = "/api/studies/1"
    shown = json.loads(b"".join(app(env, lambda *a, **k: None)))["trials"]
    by_index = {r["number"]: r for r in records}
    for t in shown:
        (index,) = [a["value"] for a in t["user_attrs"] if a["key"] == "index"]
        r = by_index[int(index)]
        assert t["state"] == r["state"].capitalize() and t["values"] == [r["final_val_acc"]]
        assert [v["value"] for v in t["intermediate_values"]] == r["val_acc_list"]
    # run again: nothing is trained again
    before = units(out / "search.db")
    assert run_cli([*LEARN, "--workers", "2", "--out", str(out)]).returncode == 0
    assert units(out / "search.db") == before


def test_seeded_samplers_are_reproducible_with_one_worker(tmp_path: Path) -> None:
    for sampler in ("tpe", "qmc"):
        args = [*LEARN, "--trials", "8", "--sampler", sampler]
        runs = []
        for name in ("a", "b"):
            assert run_inprocess([*args, "--out", str(tmp_path / f"{sampler}-{name}")]) == 0
            runs.append(trials_json(tmp_path / f"{sampler}-{name}"))
        assert runs[0] == runs[1], sampler
        assert run_inprocess([*args, "--seed", "1", "--out", str(tmp_path / f"{sampler}-c")]) == 0
        assert trials_json(tmp_path / f"{sampler}-c") != runs[0]


def test_tpe_and_hyperband_survive_sigkill(tmp_path: Path) -> None:
    """The launcher and its two workers are killed twice in the middle of trials; the
    trials finished before are kept (not run again), none is lost or recorded twice."""
    out = tmp_path / "killed"
    db = out / "search.db"
    args = [*LEARN_SLOW, "--workers", "2", "--out", str(out), *FAST_HEARTBEAT]
    kept: dict[int, tuple] = {}
    for target in (2, 4):
        kill_when(start_cli(args), lambda t=target: mid_trial(db, t))
        rows = db_rows(db, "SELECT idx, state, attempts, result FROM pyref_search_unit")
        assert any(r[1] == "running" for r in rows)  # killed in the middle of trials
        for r in rows:
            if r[1] in ("complete", "pruned"):
                assert kept.setdefault(r[0], r) == r  # finished: never touched again
    assert len(kept) < 10
    again = run_cli(args)
    assert again.returncode == 0, again.stderr
    rows = {
        r[0]: r for r in db_rows(db, "SELECT idx, state, attempts, result FROM pyref_search_unit")
    }
    assert all(rows[i] == r for i, r in kept.items())
    check_learned_study(out, f"sqlite:///{db}", DEFAULT_STUDY, 10, 9)


def test_a_killed_worker_of_a_tpe_hyperband_study(tmp_path: Path) -> None:
    """One of two workers is killed in the middle of a trial (after it reported an
    epoch): the other takes the trial over with its recorded point and replayed
    decisions; the study ends with every trial once."""
    out = tmp_path / "one-killed"
    db = out / "search.db"
    proc = start_cli([*LEARN_SLOW, "--workers", "2", "--out", str(out), *FAST_HEARTBEAT])
    query = (
        "SELECT u.idx, u.worker FROM pyref_search_unit u JOIN pyref_search_epoch e "
        "ON e.study = u.study AND e.idx = u.idx WHERE u.state = 'running' AND u.idx >= 1"
    )

    victim = kill_a_running_worker(proc, db, query)  # after it reported an epoch
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert {u[0]: u[3] for u in units(db)}[victim] == 2
    check_learned_study(out, f"sqlite:///{db}", DEFAULT_STUDY, 10, 9)
