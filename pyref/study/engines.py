"""One trial of the study, trained by its engine: pyref (numpy, epoch by epoch with
pyref.search_epochs) or PyRef (Julia, julia/src/search_epochs.jl through the bridge).
The one module of the study that starts Julia."""

from __future__ import annotations

import contextlib
from typing import Any, Callable

import numpy as np

from pyref.rng import rng_state, set_rng_state
from pyref.runtime.session import JuliaBridgeError
from pyref.search import divergence_reason, trial_seed
from pyref.search_epochs import EpochTrial, make_trainer, train_epochs
from pyref.study.config import ENGINES, SearchConfig
from pyref.study.data import SearchData
from pyref.study.errors import ClaimLost, SearchError, first_line
from pyref.study.results import TrialResult
from pyref.study.space import trial_settings
from pyref.trainer import iter_per_epoch


def check_engine(engine: str, *, start: bool = False) -> None:
    """Raise SearchError unless ``engine`` can train trials here; ``start`` also starts
    the Julia session (a worker does so before its first trial, so that a broken
    Julia stops the worker instead of failing every trial)."""
    if engine not in ENGINES:
        raise SearchError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    if engine == "python":
        return
    from pyref.runtime import session

    if start:
        try:
            session()
        except Exception as err:
            raise SearchError(f"--engine julia: could not start Julia: {first_line(err)}") from None


def _train_julia(
    config: SearchConfig,
    data: SearchData,
    settings: dict[str, Any],
    rng: np.random.RandomState,
    *,
    stop_on_divergence: bool,
    on_epoch: Callable[[int, float, float], bool] | None,
    check: Callable[[], None] | None,
) -> EpochTrial:
    """A trial trained in PyRef (julia/src/search_epochs.jl) through the bridge, epoch by
    epoch: PyRef builds the net and Trainer from ``settings`` on ``rng``'s stream (the
    state after the trial's hyperparameters were drawn), each call trains up to the
    next accuracy measurement, and ``on_epoch`` (the pruner) decides between calls, so
    a pruned trial really stops. ``rng`` is moved to the state PyRef left. (Should
    the bridge hold the GIL during a call, this worker's heartbeat waits for it: one
    epoch must then take less than ``grace`` seconds.)"""
    from pyref.runtime import session

    julia = session()
    julia.use_blas()  # numpy's thread count now: the products' last bits depend on it
    handle = julia.call(
        "PyRef.search_epochs_start",
        data.x_train,
        data.t_train,
        data.x_val,
        data.t_val,
        epochs=config.epochs,
        hidden=np.asarray(settings["hidden"], dtype=np.int64),
        batch_size=settings["batch_size"],
        optimizer=settings["optimizer"],
        lr=settings["lr"],
        weight_decay=settings["weight_decay"],
        dropout_ratio=settings["dropout_ratio"],
        use_batchnorm=int(settings["use_batchnorm"]),
        stop_on_divergence=int(stop_on_divergence),
        rng_state=rng_state(rng),
    )
    result, seen = EpochTrial(), 0
    try:
        while True:
            step = julia.call("PyRef.search_epochs_next", handle)
            if check is not None:
                check()
            nonfinite = bool(step["nonfinite"])
            if nonfinite and stop_on_divergence:
                break
            if int(step["measured"]) > seen:
                seen = int(step["measured"])
                if (
                    on_epoch is not None
                    and not nonfinite
                    and on_epoch(seen, float(step["val_acc"]), float(step["train_acc"]))
                ):
                    result.pruned_at = seen
                    break
            if step["done"]:
                break
    except JuliaBridgeError:
        raise  # the Julia worker is gone, and the trial with it
    except BaseException:  # ClaimLost, Ctrl-C: let PyRef forget the trial, then go on
        with contextlib.suppress(Exception):
            julia.call("PyRef.search_epochs_finish", handle)
        raise
    out = julia.call("PyRef.search_epochs_finish", handle)
    set_rng_state(rng, out["rng_state"], "the stream state PyRef returned")
    per_epoch = iter_per_epoch(data.x_train.shape[0], settings["batch_size"])
    result.fail_reason = divergence_reason([float(v) for v in out["train_loss_list"]], per_epoch)
    result.val_acc_list = [float(a) for a in out["val_acc_list"]]
    result.train_acc_list = [float(a) for a in out["train_acc_list"]]
    return result


def study_trial(
    config: SearchConfig,
    data: SearchData,
    index: int,
    rng: np.random.RandomState,
    *,
    point: dict[str, Any] | None = None,
    check: Callable[[], None] | None = None,
    on_start: Callable[[dict[str, Any]], None] | None = None,
    on_epoch: Callable[[int, float, float], bool] | None = None,
) -> TrialResult:
    """Trial ``index`` of the study, drawing from ``rng`` (the textbook stream where
    trial index - 1 left it, or the trial's own stream): its point in the space (drawn
    from ``rng`` parameter by parameter, unless the sampler gave ``point``), then the
    net's weights and minibatches, trained with the study's engine epoch by epoch;
    ``on_epoch`` (the pruner) may stop it, and it is then 'pruned'."""
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise SearchError(f"index must be an integer >= 0, got {index!r}")
    if not isinstance(rng, np.random.RandomState):
        raise TypeError(f"rng must be a numpy.random.RandomState, not {type(rng).__name__}")
    textbook = config.stream == "textbook"
    seed = None if textbook else trial_seed(config.seed, index)
    if point is None:
        point = config.space.draw(rng)
    settings = trial_settings(point, hidden=config.hidden, batch_size=config.batch_size)
    if on_start is not None:
        on_start(point)
    try:
        if config.engine == "julia":
            trial = _train_julia(
                config,
                data,
                settings,
                rng,
                stop_on_divergence=not textbook,
                on_epoch=on_epoch,
                check=check,
            )
        else:
            trainer = make_trainer(
                settings, data.x_train, data.t_train, data.x_val, data.t_val, config.epochs, rng
            )
            trial = train_epochs(
                trainer, stop_on_divergence=not textbook, on_epoch=on_epoch, check=check
            )
    except ClaimLost:
        raise
    except JuliaBridgeError:
        raise  # the Julia worker died or could not start: not the trial's fault
    except Exception as err:
        if textbook and isinstance(err, MemoryError):  # the machine's limit, not a bug
            raise SearchError(
                f"trial {index} ran out of memory ({first_line(err)}); the textbook stream "
                "cannot go on past it: free memory or choose a smaller net, then run the "
                "same command again"
            ) from None
        if textbook:
            raise  # the stream cannot go on past it: stop here (a rerun retries)
        # a broken trial must not stop the study; its point is known
        trial = EpochTrial(fail_reason=f"error: {type(err).__name__}: {err}")
    state = (
        "failed" if trial.fail_reason else "pruned" if trial.pruned_at is not None else "complete"
    )
    return TrialResult(
        number=index,
        lr=settings["lr"],
        weight_decay=settings["weight_decay"],
        seed=seed,
        state=state,
        val_acc_list=trial.val_acc_list,
        train_acc_list=trial.train_acc_list,
        fail_reason=trial.fail_reason,
        rng_state=rng_state(rng) if textbook else None,
        params=None if config.space.is_default else dict(point),
    )
