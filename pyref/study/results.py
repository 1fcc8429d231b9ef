"""A finished trial as the study stores and reports it (a :class:`pyref.study.trial.Trial`
as JSON), and a numpy stream's state as JSON (the textbook stream's state after each
trial)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import numpy as np

from pyref.rng import set_rng_state
from pyref.study.errors import SearchError
from pyref.study.trial import Trial


def trial_record(trial: Trial) -> dict[str, Any]:
    """One object of trials.json: results only (no stream state, no timings), so a
    resumed study writes the same bytes as an uninterrupted one.

    Args:
        trial: a finished trial of the study.

    Returns:
        number, state, lr, weight_decay, seed, the curves, the final accuracies,
        fail_reason and, in a space other than the book's, params.
    """
    return {
        "number": trial.number,
        "state": trial.state,
        "lr": trial.lr,
        "weight_decay": trial.weight_decay,
        "seed": trial.seed,
        "val_acc_list": trial.val_acc_list,
        "train_acc_list": trial.train_acc_list,
        "final_val_acc": trial.final_val_acc,
        "final_train_acc": trial.final_train_acc,
        "fail_reason": trial.fail_reason,
        **({} if trial.params is None else {"params": trial.params}),
    }


def trial_to_json(trial: Trial) -> str:
    """The trial as the database stores it: every field, the stream state too."""
    return json.dumps(asdict(trial), allow_nan=False)


def trial_from_json(text: str) -> Trial:
    """The trial :func:`trial_to_json` stored; TypeError for unknown or missing fields."""
    return Trial(**json.loads(text))


def rng_from_json(state: Any, what: str = "the stream state") -> np.random.RandomState:
    """The RandomState a stored state (:func:`pyref.rng.rng_state`'s encoding)
    describes; SearchError naming ``what`` when the state is damaged (an edited
    database): not a Mersenne Twister state of 624 words."""
    try:
        return set_rng_state(np.random.RandomState(), state, what)
    except ValueError:
        raise SearchError(
            f"{what} is damaged (not a numpy RandomState state); was the "
            "database edited? Run the study again in a new --out or --study"
        ) from None
