"""Samplers and pruners of ``pyref search``: which point a trial trains, and whether it
stops early.

Samplers (``--sampler``)
    ``random``: the point is drawn from the trial's own stream (or the textbook
    stream), parameter by parameter in the space's order; with the book's space these
    are the book's draws, so today's studies are unchanged.
    ``tpe``: Optuna's TPESampler, which models the finished (and pruned) trials. A new
    sampler is made for each trial, seeded with the trial's seed
    (``trial_seed(seed, index)``), so its random part does not depend on which worker
    or process samples it; what it learns from is the trials finished when it samples
    (``constant_liar`` keeps parallel workers from sampling the same point).
    ``qmc``: a scrambled Sobol sequence (scipy.stats.qmc.Sobol, as Optuna's QMCSampler
    uses), seeded with the study's seed; trial i takes point i of the sequence, so the
    points do not depend on the number of workers at all.

Pruners (``--pruner``)
    Optuna's MedianPruner (``median``: stop a trial whose accuracy at an epoch is below
    the median of earlier trials' at that epoch, after 5 trials and 1 epoch) and
    HyperbandPruner (``hyperband``: min resource 1 epoch, max the study's epochs,
    reduction factor 3), fed the validation accuracy of every epoch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna

from pyref.search import trial_seed
from pyref.study.config import PRUNERS, SAMPLERS
from pyref.study.space import SearchSpace, Value

#: MedianPruner: trials finished before it prunes, epochs before it judges a trial.
MEDIAN_STARTUP_TRIALS = 5
MEDIAN_WARMUP_EPOCHS = 1
#: HyperbandPruner's reduction factor (Optuna's default).
HYPERBAND_REDUCTION = 3


def check_sampler(name: str) -> str:
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; choose from {', '.join(SAMPLERS)}")
    return name


def check_pruner(name: str) -> str:
    if name not in PRUNERS:
        raise ValueError(f"unknown pruner {name!r}; choose from {', '.join(PRUNERS)}")
    return name


def make_pruner(name: str, epochs: int) -> optuna.pruners.BasePruner:
    """The Optuna pruner ``name`` for trials of ``epochs`` epochs."""
    check_pruner(name)
    if name == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=MEDIAN_STARTUP_TRIALS, n_warmup_steps=MEDIAN_WARMUP_EPOCHS
        )
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=max(int(epochs), 1), reduction_factor=HYPERBAND_REDUCTION
        )
    return optuna.pruners.NopPruner()


def make_sampler(name: str, seed: int, index: int) -> optuna.samplers.BaseSampler:
    """The Optuna sampler that samples trial ``index`` (TPE; random otherwise, used only
    for what a study needs a sampler for)."""
    check_sampler(name)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=trial_seed(seed, index), constant_liar=True)
    return optuna.samplers.RandomSampler(seed=trial_seed(seed, index))


def qmc_point(space: SearchSpace, seed: int, index: int) -> dict[str, Value]:
    """Point ``index`` of the scrambled Sobol sequence of ``space``'s dimension, seeded
    with ``seed``, mapped onto the space."""
    from scipy.stats import qmc

    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
        raise ValueError(f"index must be an integer >= 0, got {index!r}")
    engine = qmc.Sobol(d=len(space.params), scramble=True, seed=int(seed))
    if index:
        engine.fast_forward(int(index))
    return space.from_unit(engine.random(1)[0])


def suggest_point(trial: Any, space: SearchSpace) -> dict[str, Value]:
    """The point an Optuna trial (of a study with the sampler set) suggests."""
    point: dict[str, Value] = {}
    for p in space.params:
        if p.kind == "choice":
            point[p.name] = trial.suggest_categorical(p.name, list(p.choices))
        elif p.kind == "float":
            point[p.name] = float(trial.suggest_float(p.name, p.low, p.high, log=p.log))
        else:
            point[p.name] = int(trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log))
    return point
