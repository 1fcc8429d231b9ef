"""The commands: ``pyref search`` (:func:`run_search`: set up or resume a study, run
its local workers, write its outputs) and ``pyref search worker`` (:func:`join_study`:
one more worker, from any machine)."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from pyref.allocator import child_env
from pyref.datasets import describe_source
from pyref.study.claims import ClaimStore
from pyref.study.config import (
    CONNECT_TIMEOUT,
    DEFAULT_OUT,
    DEFAULT_STUDY,
    GRACE_PERIOD,
    HEARTBEAT_INTERVAL,
    MAX_WORKERS,
    SearchConfig,
    positive_int,
    positive_seconds,
)
from pyref.study.data import SearchData, prepare_data, save_data
from pyref.study.database import DONE_STATES, default_storage, mask_url
from pyref.study.engines import check_engine
from pyref.study.errors import SearchError, first_line, warn
from pyref.study.outputs import check_out, write_outputs
from pyref.study.worker import PARENT_ENV, run_worker
from pyref.tempdirs import SEARCH_PREFIX, owned_dir, sweep

#: The prefix of the local workers' shared folder (pyref-search-<pid>-<random>).
FOLDER_PREFIX = SEARCH_PREFIX

#: Environment of local worker processes: one BLAS/OpenMP thread each.
ONE_THREAD_ENV = {
    name: "1"
    for name in (
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "BLIS_NUM_THREADS",
        "JULIA_NUM_THREADS",
    )
}


def run_search(
    config: SearchConfig,
    *,
    out: str | os.PathLike = DEFAULT_OUT,
    storage: str | None = None,
    study: str = DEFAULT_STUDY,
    workers: int = 1,
    heartbeat: float = HEARTBEAT_INTERVAL,
    grace: float = GRACE_PERIOD,
    connect_timeout: float = CONNECT_TIMEOUT,
    progress: bool = True,
) -> int:
    """Set up or resume the study, run ``workers`` local workers until no trial is
    left, write the outputs. Returns 0 when every trial is finished (complete or
    failed), 1 when some are left (run again to resume). Raises SearchError for
    bad settings or an unusable database, before anything is stored: a new study's
    settings are saved only once its data load and split. Interrupted (Ctrl-C), it
    writes the outputs of the trials finished so far, then raises KeyboardInterrupt."""
    workers = positive_int("workers", workers, MAX_WORKERS)
    heartbeat, grace = positive_seconds("heartbeat", heartbeat), positive_seconds("grace", grace)
    connect_timeout = positive_seconds("connect_timeout", connect_timeout)
    if config.stream == "textbook" and workers != 1:
        raise SearchError(
            "the textbook stream is one stream and runs sequentially: use "
            "--workers 1, or --stream per-trial to run trials in parallel"
        )
    check_engine(config.engine)
    out = check_out(out)  # before any work: a typo must not cost the study
    sweep(FOLDER_PREFIX)  # the local workers' folders a killed launcher left
    create_folder = storage is None  # only the default storage's folder: --out
    storage = storage or default_storage(out)
    store = ClaimStore(
        storage, study, connect_timeout=connect_timeout, create_folder=create_folder
    )
    try:
        data = None
        store.check_tables()
        if store.existing_config() is None:  # a new study: its settings must work first
            data = prepare_data(config)
        config = store.ensure_study(config)
        counts = store.counts()
        left = counts["waiting"] + counts["running"]
        if left and data is None:
            data = prepare_data(config)  # once, for all local workers
        description = data.description if data else describe_source(config.data)
        print(f"data: {description}")
        print(
            f"study {study!r} in {mask_url(storage)}: {config.trials} trials of "
            f"{config.epochs} epochs, stream {config.stream}, engine {config.engine}, "
            f"{workers} worker(s)",
            flush=True,
        )
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(
                total=config.trials,
                initial=sum(counts[k] for k in DONE_STATES),
                desc="trials",
                unit="trial",
                dynamic_ncols=True,
                smoothing=0.1,
            )

        def advance(_: Any = None) -> None:  # the bar follows every worker's trials
            if bar is not None:
                c = store.counts()
                bar.update(max(0, sum(c[k] for k in DONE_STATES) - bar.n))

        status = 0
        finished_outputs = functools.partial(
            _write_finished,
            store,
            out,
            config=config,
            study=study,
            storage=storage,
            description=description,
        )
        try:
            if not left:
                pass  # finished already: the outputs are written again
            elif workers == 1:
                from threadpoolctl import threadpool_limits

                with threadpool_limits(limits=1):  # as local workers: one BLAS thread
                    run_worker(
                        config,
                        store,
                        heartbeat=heartbeat,
                        grace=grace,
                        data=data,
                        on_finished=advance,
                    )
                advance()  # trials other commands finished meanwhile
            else:
                status = _run_local_workers(
                    config,
                    store,
                    data,
                    workers,
                    advance,
                    heartbeat=heartbeat,
                    grace=grace,
                    connect_timeout=connect_timeout,
                )
        except KeyboardInterrupt:  # Ctrl-C: keep what finished, then stop
            if bar is not None:
                bar.close()
                bar = None
            finished_outputs()
            raise
        finally:
            if bar is not None:
                bar.close()
        counts = store.counts()
        left = counts["waiting"] + counts["running"]
        if left:
            print(
                f"pyref search: {left} trial(s) unfinished; run the same command again to resume",
                file=sys.stderr,
            )
            status = status or 1
        else:
            store.reconcile_optuna()
        results = store.results(config.trials)
        listing = write_outputs(
            out, results, config=config, study=study, storage=storage, data_description=description
        )
        print(listing)
        failed = sum(r.state == "failed" for r in results)
        print(f"{len(results)} trial(s) finished ({failed} failed); results in {out}/")
        return status
    finally:
        store.dispose()


def join_study(
    storage: str,
    study: str,
    *,
    heartbeat: float = HEARTBEAT_INTERVAL,
    grace: float = GRACE_PERIOD,
    connect_timeout: float = CONNECT_TIMEOUT,
    progress: bool = True,
) -> int:
    """``pyref search worker``: one worker joins the existing ``study`` in ``storage``
    from any machine that reaches the database, with the study's stored settings (it
    loads and splits the data itself, identically), and claims trials until none is
    left. It writes no outputs (the command that created the study does). Returns 0
    when the study has no trial left, 1 otherwise."""
    heartbeat, grace = positive_seconds("heartbeat", heartbeat), positive_seconds("grace", grace)
    connect_timeout = positive_seconds("connect_timeout", connect_timeout)
    store = ClaimStore(
        storage, study, connect_timeout=connect_timeout, create_folder=False, must_exist=True
    )
    try:
        config = store.existing_config()
        if config is None:
            raise SearchError(
                f"no study {study!r} in {mask_url(storage)}: start it with "
                "`pyref search --storage ... --study ...` first"
            )
        check_engine(config.engine)
        config = store.ensure_study(config)
        print(
            f"joining study {study!r} in {mask_url(storage)}: {config.trials} trials of "
            f"{config.epochs} epochs, sampler {config.sampler}, pruner {config.pruner}, "
            f"engine {config.engine}",
            flush=True,
        )
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(
                total=config.trials,
                initial=sum(store.counts()[k] for k in DONE_STATES),
                desc="trials",
                unit="trial",
                dynamic_ncols=True,
            )

        def advance(_: Any = None) -> None:
            if bar is not None:
                c = store.counts()
                bar.update(max(0, sum(c[k] for k in DONE_STATES) - bar.n))

        from threadpoolctl import threadpool_limits

        try:
            with threadpool_limits(limits=1):
                done = run_worker(
                    config, store, heartbeat=heartbeat, grace=grace, on_finished=advance
                )
        finally:
            if bar is not None:
                bar.close()
        counts = store.counts()
        left = counts["waiting"] + counts["running"]
        print(
            f"this worker recorded {done} trial(s); the study has "
            f"{sum(counts[k] for k in DONE_STATES)} finished, {left} left"
        )
        return 1 if left else 0
    finally:
        store.dispose()


def _write_finished(
    store: ClaimStore,
    out: Path,
    *,
    config: SearchConfig,
    study: str,
    storage: str,
    description: str,
) -> None:
    """After an interruption: the outputs of the trials finished so far, or a warning."""
    try:
        results = store.results(config.trials)
        write_outputs(
            out, results, config=config, study=study, storage=storage, data_description=description
        )
        print(
            f"pyref search: the {len(results)} trial(s) finished so far are in {out}/",
            file=sys.stderr,
            flush=True,
        )
    except Exception as err:
        warn(f"interrupted; could not write the finished trials: {first_line(err)}")


def _run_local_workers(
    config: SearchConfig,
    store: ClaimStore,
    data: SearchData,
    workers: int,
    advance: Callable[[], None],
    *,
    heartbeat: float,
    grace: float,
    connect_timeout: float,
) -> int:
    """Run ``workers`` worker processes to the end; 2 if one of them stopped on a
    SearchError (no Julia, say: it printed why), else 0. Their data and settings are
    in a folder of this process's (0700, pyref-search-<pid>-<random>, locked by it and
    by them while they run: pyref.tempdirs), removed however they end; one left by a
    killed launcher is removed by the next."""
    with owned_dir(FOLDER_PREFIX) as folder:
        tmp = folder.path
        save_data(data, Path(tmp) / "data.npz")
        payload = json.dumps(
            {
                "config": config.to_json(),
                "storage": store.url,
                "study": store.study,
                "heartbeat": heartbeat,
                "grace": grace,
                "connect_timeout": connect_timeout,
                "data": str(Path(tmp) / "data.npz"),
                "description": data.description,
            }
        )
        settings = Path(tmp) / "worker.json"  # the storage URL may hold a password: 0600
        fd = os.open(settings, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(payload)
        env = {**child_env(dict(os.environ)), **ONE_THREAD_ENV, PARENT_ENV: str(os.getpid())}
        cmd = [sys.executable, "-m", "pyref.study", "--worker", str(settings)]
        procs: list[subprocess.Popen] = []
        try:
            for _ in range(workers):
                procs.append(subprocess.Popen(cmd, env=env, pass_fds=(folder.lock_fd,)))
        except BaseException:
            _stop_workers(procs)
            raise
        return _wait_for_workers(procs, advance)


def _wait_for_workers(procs: list[subprocess.Popen], advance: Callable[[], None]) -> int:
    try:
        while any(p.poll() is None for p in procs):
            advance()
            time.sleep(0.5)
        advance()
    except BaseException:
        _stop_workers(procs)
        raise
    codes = [p.returncode for p in procs]
    if any(codes):  # their trials were taken over by the others, or are left for a rerun
        warn(
            f"{sum(c != 0 for c in codes)} of {len(procs)} worker(s) exited abnormally "
            f"(codes {codes})"
        )
    return 2 if 2 in codes else 0


def _stop_workers(procs: list[subprocess.Popen]) -> None:
    """SIGTERM the workers still running (each hands its trial back), wait for them,
    SIGKILL those that take longer than 10 s."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
