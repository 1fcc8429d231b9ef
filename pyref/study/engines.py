"""One trial of the study, trained by its engine: pyref (numpy, :mod:`pyref.study.trial`)
or PyRef (Julia, julia/src/study/trial.jl through the bridge), both driven measurement
by measurement by :func:`pyref.study.trial.train_trial`. The one module of the study
that starts Julia."""

from __future__ import annotations

import contextlib
from typing import Any, Callable

import numpy as np

from pyref.rng import rng_state, set_rng_state
from pyref.runtime.session import JuliaBridgeError
from pyref.search import trial_seed
from pyref.study.config import ENGINES, SearchConfig
from pyref.study.data import SearchData
from pyref.study.errors import ClaimLost, SearchError, first_line
from pyref.study.space import trial_settings
from pyref.study.trial import (
    Trial,
    TrialRun,
    divergence_reason,
    finish_trial,
    train_to_next_measurement,
    train_trial,
    trial_trainer,
)
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


def _julia_trial(
    config: SearchConfig,
    data: SearchData,
    settings: dict[str, Any],
    rng: np.random.RandomState,
    *,
    stop_on_divergence: bool,
    on_epoch: Callable[[int, float, float], bool] | None,
    check: Callable[[], None] | None,
) -> tuple[dict[str, Any], int | None]:
    """A trial trained in PyRef (julia/src/study/trial.jl) through the bridge.

    PyRef builds the net and Trainer from ``settings`` on ``rng``'s stream (the state
    after the trial's hyperparameters were drawn); each call trains up to the next
    accuracy measurement, and :func:`train_trial` asks ``on_epoch`` (the pruner)
    between calls, so a pruned trial really stops. ``rng`` is moved to the state PyRef
    left. (Should the bridge hold the GIL during a call, this worker's heartbeat waits
    for it: one epoch must then take less than ``grace`` seconds.)

    Returns:
        (what :func:`finish_trial` returns, the epoch it was pruned at or None).
    """
    from pyref.runtime import session

    julia = session()
    julia.use_blas()  # numpy's thread count now: the products' last bits depend on it
    handle = julia.call(
        "PyRef.start_trial",
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

    def next_measurement() -> dict[str, Any]:
        step = julia.call("PyRef.train_to_next_measurement!", handle)
        if check is not None:
            check()
        return step

    try:
        pruned_at = train_trial(next_measurement, on_epoch)
    except JuliaBridgeError:
        raise  # the Julia worker is gone, and the trial with it
    except BaseException:  # ClaimLost, Ctrl-C: let PyRef forget the trial, then go on
        with contextlib.suppress(Exception):
            julia.call("PyRef.finish_trial", handle)
        raise
    out = julia.call("PyRef.finish_trial", handle)
    set_rng_state(rng, out["rng_state"], "the stream state PyRef returned")
    return out, pruned_at


def _python_trial(
    config: SearchConfig,
    data: SearchData,
    settings: dict[str, Any],
    rng: np.random.RandomState,
    *,
    stop_on_divergence: bool,
    on_epoch: Callable[[int, float, float], bool] | None,
    check: Callable[[], None] | None,
) -> tuple[dict[str, Any], int | None]:
    """A trial trained by pyref (:mod:`pyref.study.trial`) on ``rng``'s stream.

    Returns:
        (what :func:`finish_trial` returns, the epoch it was pruned at or None).
    """
    trainer = trial_trainer(
        data.x_train,
        data.t_train,
        data.x_val,
        data.t_val,
        epochs=config.epochs,
        rng=rng,
        **settings,
    )
    run = TrialRun(trainer, rng, stop_on_divergence)
    pruned_at = train_trial(lambda: train_to_next_measurement(run, check), on_epoch)
    return finish_trial(run), pruned_at


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
) -> Trial:
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
    record = {
        "number": index,
        "lr": settings["lr"],
        "weight_decay": settings["weight_decay"],
        "seed": seed,
        "params": None if config.space.is_default else dict(point),
    }
    train = _julia_trial if config.engine == "julia" else _python_trial
    try:
        out, pruned_at = train(
            config,
            data,
            settings,
            rng,
            stop_on_divergence=not textbook,
            on_epoch=on_epoch,
            check=check,
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
        return Trial(**record, fail_reason=f"error: {type(err).__name__}: {err}")
    per_epoch = iter_per_epoch(data.x_train.shape[0], settings["batch_size"])
    reason = divergence_reason(out["train_loss_list"], per_epoch)
    return Trial(
        **record,
        val_acc_list=[float(a) for a in out["val_acc_list"]],
        train_acc_list=[float(a) for a in out["train_acc_list"]],
        fail_reason=reason,
        state="failed" if reason else "pruned" if pruned_at is not None else "complete",
        rng_state=rng_state(rng) if textbook else None,
    )
