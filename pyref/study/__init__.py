"""``pyref search``: the random search of 6.5.3 as a study kept in a database, so
that several worker processes, on one machine or many, share its trials, and a
study that was interrupted (Ctrl-C, SIGKILL, a lost machine) resumes where it
stopped when the same command runs again, with the results of an uninterrupted run.

Random streams (``stream``)
    ``textbook``: the book's single stream. ``RandomState(seed)`` shuffles for the
    validation split, then each trial draws weight decay, lr, its initial weights
    and its minibatches from it, exactly as :func:`pyref.search.random_search`
    (and the book's hyperparameter_optimization.py after ``np.random.seed(seed)``)
    does. Trial i starts from the state trial i - 1 left, which is stored with
    each result: resumable, but sequential.

    ``per-trial``: the split still comes from ``RandomState(seed)``, but trial i
    draws from its own ``RandomState(trial_seed(seed, i))``, so its result does
    not depend on which worker runs it, or when: 1, 2 or 8 workers give identical
    studies.

Storage and claiming
    One database through SQLAlchemy: an SQLite file (``search.db`` in the output
    folder) by default, or any SQLAlchemy URL (``postgresql://user@host/db`` to
    spread workers over machines). It holds

    * pyref's tables, the authority: ``pyref_search_study`` (the settings) and
      ``pyref_search_unit``, one row per trial index (made when a worker first
      needs it, a batch at a time, not for every planned trial up front) with its
      state (waiting, running, complete, failed, pruned), the claiming worker, its token, a heartbeat
      time, a version and, when done, the result. A worker claims a trial with
      one compare-and-swap ``UPDATE ... WHERE version = <the version it read>``,
      atomic in SQLite (one writer at a time) and PostgreSQL (row lock, WHERE
      re-checked): exactly one worker wins. Heartbeats and results are written
      ``WHERE token = <own token>``, so a worker whose trial was taken over can
      never record it. (Optuna's own WAITING -> RUNNING switch is a read, then a
      write, which is not atomic on SQLite, and its retries get new trial
      numbers, which fixed per-trial streams cannot have.)
    * an Optuna study of the same name (Optuna's RDB schema), mirrored from the
      units for ``optuna-dashboard``: each trial index is one Optuna trial (created
      by its first attempt; a retried or resumed attempt takes it up again: WAITING
      while released, RUNNING again) with params ``lr`` and ``weight_decay``, value =
      final validation accuracy (maximize), user attributes ``index``, ``attempt``,
      ``worker``, the curves and ``fail_reason``.

Heartbeats and retries
    While a trial trains, a thread refreshes its heartbeat every ``heartbeat``
    seconds. A running trial whose heartbeat is older than ``grace`` seconds, or
    whose worker was a process on this machine that has ended, is claimed again;
    the retry re-draws the same stream, so it reproduces what the lost attempt
    would have given. A per-trial trial that lost ``MAX_ATTEMPTS`` workers is
    recorded as failed. Heartbeats compare the clocks of different machines: keep
    them in sync (NTP) well within ``grace``.

Trials and engines
    A trial is :mod:`pyref.study.trial`'s: one record (:class:`~pyref.study.trial.Trial`),
    its net and Trainer built by ``trial_trainer``, and one loop, ``train_trial``,
    that trains it from one accuracy measurement to the next and asks the pruner
    between two. The book's search (:func:`pyref.search.run_trial`) trains its trials
    with it too. ``engines.study_trial`` draws a trial's point, then trains it with
    the study's engine: ``python`` with pyref (``train_to_next_measurement``);
    ``julia`` with PyRef's twin (julia/src/study/trial.jl: ``start_trial``, then
    ``train_to_next_measurement!`` once per measurement, then ``finish_trial``)
    through the bridge ``pyref.runtime.session()``, drawing the same weights and
    minibatches from the same stream.

Failed trials
    A trial whose training loss becomes NaN or inf is recorded as failed with the
    step and epoch (in textbook mode it still trains to its end, so that the
    stream advances as the book's). An exception in a per-trial trial is
    recorded as its failure; the study goes on. A Julia worker that dies during a
    trial is not the trial's failure but a lost worker: per-trial, the trial is
    retried (at most ``MAX_ATTEMPTS`` attempts); textbook, the command stops with a
    SearchError and the trial is handed back for the next run.

Modules
    ``config`` (the settings and the command's defaults; no Optuna), ``trial`` (a
    trial's record, net and training loop; no Optuna), ``results`` (a finished trial
    and stream states as JSON), ``data`` (the split, handed to local workers),
    ``engines`` (one trial, by pyref or PyRef), ``database`` (storage URLs,
    unit states, claims), ``claims`` (the claim store), ``optuna_study`` (the Optuna study),
    ``liveness`` (whether a worker's process lives), ``worker`` (heartbeats and the
    worker loop), ``outputs`` (best.txt, trials.json/csv, study.json, figures), ``run``
    (``pyref search`` and ``pyref search worker``); and the helpers ``space`` (search
    spaces), ``samplers`` (samplers and pruners), ``figures`` (history, parallel
    coordinates) and ``bench`` (the samplers' time to target).
"""
