"""A finished trial as the study stores and reports it (:class:`TrialResult`), and
a numpy stream's state as JSON (the textbook stream's state after each trial)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from pyref.rng import set_rng_state
from pyref.search import Trial
from pyref.study.errors import SearchError


@dataclass
class TrialResult:
    """One finished trial: its hyperparameters, curves and state ('complete'/'failed');
    in textbook mode also the stream's state after it (not part of the outputs)."""

    number: int
    lr: float
    weight_decay: float
    seed: int | None
    state: str
    val_acc_list: list[float] = field(default_factory=list)
    train_acc_list: list[float] = field(default_factory=list)
    fail_reason: str | None = None
    rng_state: dict[str, Any] | None = None
    #: The trial's point in a search space other than the book's (None in the book's:
    #: lr and weight_decay say it all).
    params: dict[str, Any] | None = None

    @property
    def final_val_acc(self) -> float | None:
        return self.val_acc_list[-1] if self.val_acc_list else None

    @property
    def final_train_acc(self) -> float | None:
        return self.train_acc_list[-1] if self.train_acc_list else None

    def to_trial(self) -> Trial:
        """As pyref.search's Trial, for the book's ranking and listing."""
        return Trial(
            self.number,
            self.lr,
            self.weight_decay,
            list(self.val_acc_list),
            list(self.train_acc_list),
            self.fail_reason,
        )

    def to_record(self) -> dict[str, Any]:
        """One object of trials.json: results only (no stream state, no timings), so a
        resumed study writes the same bytes as an uninterrupted one."""
        return {
            "number": self.number,
            "state": self.state,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "seed": self.seed,
            "val_acc_list": self.val_acc_list,
            "train_acc_list": self.train_acc_list,
            "final_val_acc": self.final_val_acc,
            "final_train_acc": self.final_train_acc,
            "fail_reason": self.fail_reason,
            **({} if self.params is None else {"params": self.params}),
        }

    def dumps(self) -> str:
        return json.dumps(asdict(self), allow_nan=False)

    @classmethod
    def loads(cls, text: str) -> TrialResult:
        return cls(**json.loads(text))


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
