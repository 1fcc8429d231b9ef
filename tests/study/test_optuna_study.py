"""The Optuna study mirrored from the units (pyref.study.optuna_study), as optuna-dashboard
shows it."""

from __future__ import annotations

import json
from pathlib import Path

from study_helpers import (
    trials_json,
)

from pyref.study.config import DEFAULT_STUDY


def test_optuna_dashboard_shows_the_study(tiny_reference: Path) -> None:
    """optuna-dashboard's own web app, served in process, reads the study's database."""
    from wsgiref.util import setup_testing_defaults

    import optuna_dashboard as dashboard  # in `.[dev]`

    app = dashboard.wsgi(f"sqlite:///{tiny_reference / 'search.db'}")

    def get(path: str) -> dict:
        env: dict = {}
        setup_testing_defaults(env)
        env["PATH_INFO"] = path
        status = []
        body = b"".join(app(env, lambda s, headers, exc_info=None: status.append(s)))
        assert status == ["200 OK"], body[:300]
        return json.loads(body)

    (summary,) = get("/api/studies")["study_summaries"]
    assert summary["study_name"] == DEFAULT_STUDY and summary["directions"] == ["maximize"]
    trials = get(f"/api/studies/{summary['study_id']}")["trials"]
    records = trials_json(tiny_reference)
    assert [t["values"] for t in trials] == [[r["final_val_acc"]] for r in records]
    assert [{p["name"]: p["param_internal_value"] for p in t["params"]} for t in trials] == [
        {"lr": r["lr"], "weight_decay": r["weight_decay"]} for r in records
    ]
