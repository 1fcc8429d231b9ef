"""A study's settings: :class:`SearchConfig` (what defines its results) and the
defaults of ``pyref search`` (streams, engines, samplers, pruners, study name,
output folder, heartbeat, grace period, connection timeout). Optuna is not
imported here, so that the command line knows them without the search extra."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from pyref.checks import check_positive_int
from pyref.datasets import SOURCES
from pyref.rng import check_seed
from pyref.search import (
    SEARCH_BATCH_SIZE,
    SEARCH_EPOCHS,
    SEARCH_HIDDEN,
    SEARCH_TRAIN_SAMPLES,
    SEARCH_TRIALS,
    SEARCH_VALIDATION_RATE,
)
from pyref.study.errors import SearchError
from pyref.study.space import DEFAULT_SPACE, SearchSpace, SpaceError
from pyref.study.trial import MAX_HIDDEN_LAYERS, check_trial_net

#: Random streams: the book's single one, or one per trial.
STREAMS = ("textbook", "per-trial")
#: What trains a trial: pyref (numpy) or PyRef (Julia).
ENGINES = ("python", "julia")
#: How trials pick their hyperparameters, and how they may be stopped early
#: (pyref.study.samplers).
SAMPLERS = ("random", "tpe", "qmc")
PRUNERS = ("none", "median", "hyperband")
DEFAULT_SEED = 0
DEFAULT_STUDY = "pyref-search"
DEFAULT_OUT = "out/search"
#: Seconds between heartbeats of a running trial, and how old one may get before
#: the trial counts as lost and is claimed again.
HEARTBEAT_INTERVAL = 10.0
GRACE_PERIOD = 60.0
#: Seconds to wait for a database server before giving up with an error.
CONNECT_TIMEOUT = 5.0
#: The largest study: trials (a trial's row is made only when it is claimed, so a
#: study costs memory and storage for the trials that ran, not for those planned),
#: epochs per trial (each epoch's accuracies are stored with the trial), and local
#: worker processes of one command. Nets are bounded by pyref.study.trial's
#: MAX_HIDDEN_LAYERS and MAX_NET_WEIGHTS.
MAX_TRIALS = 1_000_000
MAX_EPOCHS = 10_000
MAX_WORKERS = 256
#: The most training samples a study can take: the full MNIST's 60,000 (the embedded
#: subset has fewer, checked when the data load).
MAX_TRAIN_SIZE = 60_000
#: The input of every trial's net: an MNIST image's 28 x 28 pixels.
INPUT_SIZE = 784


def positive_int(name: str, value: object, limit: int | None = None) -> int:
    """``value`` as an int from 1 to ``limit`` (no limit: None); SearchError naming
    ``name`` otherwise."""
    try:
        check_positive_int(name, value)
    except (TypeError, ValueError):
        raise SearchError(f"{name} must be a positive integer, got {value!r}") from None
    if limit is not None and value > limit:
        raise SearchError(f"{name} must be at most {limit:,}, got {value:,}")
    return int(value)


def positive_seconds(name: str, value: object) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and value > 0):
        raise SearchError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class SearchConfig:
    """What defines a study's results. All but ``trials`` must match when a study is
    resumed (trials may be added later: trial i does not depend on later ones)."""

    trials: int = SEARCH_TRIALS
    epochs: int = SEARCH_EPOCHS
    train_size: int = SEARCH_TRAIN_SAMPLES
    seed: int = DEFAULT_SEED
    stream: str = "textbook"
    engine: str = "python"
    hidden: tuple[int, ...] = SEARCH_HIDDEN
    data: str = "embedded"
    validation_rate: float = SEARCH_VALIDATION_RATE
    batch_size: int = SEARCH_BATCH_SIZE
    space: SearchSpace = DEFAULT_SPACE
    sampler: str = "random"
    pruner: str = "none"

    def __post_init__(self) -> None:
        for name, limit in (
            ("trials", MAX_TRIALS),
            ("epochs", MAX_EPOCHS),
            ("train_size", MAX_TRAIN_SIZE),
            ("batch_size", None),
        ):
            positive_int(name, getattr(self, name), limit)
        try:
            check_seed("seed", self.seed)
        except (TypeError, ValueError) as err:
            raise SearchError(str(err)) from None
        for name, value, choices in (
            ("stream", self.stream, STREAMS),
            ("engine", self.engine, ENGINES),
            ("data", self.data, SOURCES),
            ("sampler", self.sampler, SAMPLERS),
            ("pruner", self.pruner, PRUNERS),
        ):
            if value not in choices:
                raise SearchError(f"unknown {name} {value!r}; choose from {', '.join(choices)}")
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if not self.hidden:
            raise SearchError("hidden must name at least one layer size")
        for size in self.hidden:
            positive_int("hidden layer size", size)
        try:
            check_trial_net(INPUT_SIZE, self.hidden)
        except ValueError as err:
            raise SearchError(str(err)) from None
        if not isinstance(self.validation_rate, (int, float)) or not 0 < self.validation_rate < 1:
            raise SearchError(f"validation_rate must be in (0, 1), got {self.validation_rate}")

        if not isinstance(self.space, SearchSpace):
            raise SearchError(f"space must be a SearchSpace, not {type(self.space).__name__}")
        train = self.train_size - int(self.train_size * self.validation_rate)
        for p in self.space.params:
            if p.name != "batch_size":
                continue
            sizes = list(p.choices) if p.kind == "choice" else None
            if sizes is None or any(train % b for b in sizes):
                raise SearchError(
                    f"search parameter batch_size: give choices that divide the {train} training "
                    f"samples (e.g. batch_size={'|'.join(map(str, _divisors(train)[:4]))}): the "
                    "book's Trainer measures the accuracies once an epoch only when an epoch is "
                    "a whole number of steps"
                )
        self._check_largest_net()

    def _check_largest_net(self) -> None:
        """Refuse a space whose largest net (the top of hidden_size and of
        hidden_layers) is one check_trial_net refuses, naming the parameter."""
        by_name = {p.name: p for p in self.space.params}
        tops = {}
        for name in ("hidden_size", "hidden_layers"):
            p = by_name.get(name)
            if p is not None:
                tops[name] = max(p.choices) if p.kind == "choice" else int(p.high)
        if not tops:
            return
        size = tops.get("hidden_size", self.hidden[0])
        layers = tops.get("hidden_layers", len(self.hidden))
        names = " and ".join(tops)
        if layers > MAX_HIDDEN_LAYERS:  # before a list of that many sizes is made
            raise SearchError(
                f"search parameter hidden_layers: {layers:,} hidden layers are more than "
                f"MAX_HIDDEN_LAYERS = {MAX_HIDDEN_LAYERS}"
            )
        try:
            check_trial_net(INPUT_SIZE, [size] * layers)
        except ValueError as err:
            what = str(err).removeprefix("hidden: ")
            raise SearchError(
                f"search parameter {names}: the largest net of the space is too big: {what}"
            ) from None

    def to_json(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {**d, "hidden": list(self.hidden), "space": self.space.to_json()}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SearchConfig:
        """Settings stored by to_json; a study stored before spaces, samplers and pruners
        existed gets the book's space, random sampling and no pruning."""
        d = dict(d)
        if "space" in d:
            try:
                d["space"] = SearchSpace.from_json(d["space"])
            except SpaceError as err:
                raise SearchError(str(err)) from None
        return cls(**d)

    @property
    def learns(self) -> bool:
        """True when trials' points come from the sampler, not from their streams."""
        return self.sampler != "random"


def _divisors(n: int) -> list[int]:
    """Divisors of ``n`` from 10 up (batch sizes worth suggesting), else all of them."""
    found = [d for d in range(1, n + 1) if n % d == 0]
    return [d for d in found if d >= 10] or found
