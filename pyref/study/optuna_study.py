"""The study's Optuna side, mixed into :class:`pyref.study.claims.ClaimStore`: the
Optuna study mirrored from the units for ``optuna-dashboard`` (best effort: the units
are the authority), and what the learning samplers and pruners need (a trial's
point, recorded at its first claim; each epoch's report and the pruner's decision)."""

from __future__ import annotations

import json
from typing import Any

import optuna
import sqlalchemy as sa
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pyref.search import LR_LOG10_RANGE, WEIGHT_DECAY_LOG10_RANGE
from pyref.study.config import SearchConfig
from pyref.study.database import (
    Claim,
    mask_url,
)
from pyref.study.errors import ClaimLost, SearchError, first_line, warn
from pyref.study.space import DEFAULT_SPACE, SearchSpace, SpaceError
from pyref.study.trial import Trial


class OptunaStudyMixin:
    """The Optuna methods of :class:`pyref.study.claims.ClaimStore`; they use its
    engine, tables (``t_unit``, ``t_point``, ``t_epoch``), ``_update``, ``_result`` and
    the caches ``_optuna`` and ``_optuna_study_id`` its constructor sets to None."""

    # a trial's attempts

    def start_attempt(
        self, claim: Claim, point: dict[str, Any], worker: str, space: SearchSpace = DEFAULT_SPACE
    ) -> None:
        """Record this attempt in the Optuna study (RUNNING, with its params): in the
        index's Optuna trial from an earlier attempt when it has one, else a new one."""
        if self._optuna_resume(claim, point, worker):
            return
        claim.optuna_trial_id = self._optuna_running_trial(claim, point, worker, space)
        self._link_optuna(claim)

    def _link_optuna(self, claim: Claim) -> None:
        if claim.optuna_trial_id is not None:
            u = self.t_unit.c
            try:  # only for tidying the mirror later: a database hiccup must not fail the trial
                self._update(
                    claim.index, [u.token == claim.token], optuna_trial_id=claim.optuna_trial_id
                )
            except SQLAlchemyError as err:
                warn(f"could not link trial {claim.index} to its Optuna trial: {first_line(err)}")

    # learning samplers and pruners

    def stored_point(self, index: int) -> tuple[dict[str, Any], int | None] | None:
        """The point recorded for trial ``index`` at its first claim, and its Optuna trial."""
        p = self.t_point.c
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(p.params, p.optuna_trial_id).where(p.study == self.study, p.idx == index)
            ).first()
        if row is None:
            return None
        try:
            point = json.loads(row.params)
        except ValueError:
            point = None
        if not isinstance(point, dict):
            raise SearchError(
                f"study {self.study!r} in {mask_url(self.url)}: the stored point "
                f"of trial {index} is damaged; was the database edited?"
            )
        return point, row.optuna_trial_id

    def optuna_study(self, config: SearchConfig, index: int) -> optuna.Study:
        """The Optuna study with the sampler that samples trial ``index`` and the pruner."""
        from pyref.study.samplers import make_pruner, make_sampler

        return optuna.load_study(
            study_name=self.study,
            storage=self.optuna,
            sampler=make_sampler(config.sampler, config.seed, index),
            pruner=make_pruner(config.pruner, config.epochs),
        )

    def _check_held(self, conn: Any, claim: Claim) -> None:
        """Raise ClaimLost unless ``claim`` still holds its trial (inside ``conn``'s
        transaction, so that what follows is written only while it does)."""
        u = self.t_unit.c
        held = conn.execute(
            sa.select(u.idx).where(
                u.study == self.study,
                u.idx == claim.index,
                u.token == claim.token,
                u.state == "running",
            )
        ).first()
        if held is None:
            raise ClaimLost(f"trial {claim.index} was claimed by another worker")

    def sample_point(self, claim: Claim, config: SearchConfig, worker: str) -> dict[str, Any]:
        """Trial ``claim.index``'s point from the study's learning sampler: the one
        recorded at an earlier attempt, else a new one (TPE: from a new Optuna trial,
        which becomes the index's; QMC: the index's Sobol point), recorded now."""
        from pyref.study.samplers import qmc_point, suggest_point

        stored = self.stored_point(claim.index)
        if stored is not None:
            point, trial_id = stored
            try:
                point = config.space.check_point(point)
            except SpaceError as err:
                raise SearchError(f"study {self.study!r}: trial {claim.index}: {err}") from None
            if claim.optuna_trial_id is None:
                claim.optuna_trial_id = trial_id
            return point
        if config.sampler == "qmc":
            point = qmc_point(config.space, config.seed, claim.index)
        else:
            ostudy = self.optuna_study(config, claim.index)
            trial_id = claim.optuna_trial_id  # an attempt that died while sampling made it
            state = None if trial_id is None else self.optuna.get_trial(trial_id).state
            if state == TrialState.WAITING:
                self.optuna.set_trial_state_values(trial_id, TrialState.RUNNING)
            elif state != TrialState.RUNNING:
                # An attempt that died between creating its Optuna trial and linking it
                # left it RUNNING (or, released, WAITING) with this index: take it up.
                trial_id = self._unlinked_optuna_trial(claim.index)
                if trial_id is None:  # created with its index in one transaction
                    trial_id = self.optuna.create_new_trial(
                        self.optuna_study_id,
                        create_trial(state=TrialState.RUNNING, user_attrs={"index": claim.index}),
                    )
                elif self.optuna.get_trial(trial_id).state == TrialState.WAITING:
                    self.optuna.set_trial_state_values(trial_id, TrialState.RUNNING)
                claim.optuna_trial_id = trial_id
                self._link_optuna(claim)  # before sampling: a retry samples in this trial
            self.optuna.set_trial_user_attr(trial_id, "index", claim.index)
            self.optuna.set_trial_user_attr(trial_id, "attempt", claim.attempt)
            self.optuna.set_trial_user_attr(trial_id, "worker", worker)
            point = suggest_point(optuna.Trial(ostudy, trial_id), config.space)
        with self.engine.begin() as conn:  # only while this worker holds the trial
            self._check_held(conn, claim)
            conn.execute(
                self.t_point.insert().values(
                    study=self.study,
                    idx=claim.index,
                    params=json.dumps(point),
                    optuna_trial_id=claim.optuna_trial_id,
                )
            )
        self._link_optuna(claim)
        return point

    def _unlinked_optuna_trial(self, index: int) -> int | None:
        """An unfinished Optuna trial of trial ``index`` that no unit links to, if any
        (reads the unfinished Optuna trials: about as many as there are workers)."""
        found = [
            t._trial_id
            for t in self.optuna.get_all_trials(
                self.optuna_study_id,
                deepcopy=False,
                states=(TrialState.RUNNING, TrialState.WAITING),
            )
            if t.user_attrs.get("index") == index
        ]
        if not found:
            return None
        u = self.t_unit.c
        with self.engine.connect() as conn:
            linked = {
                r[0]
                for r in conn.execute(
                    sa.select(u.optuna_trial_id).where(
                        u.study == self.study, u.optuna_trial_id.in_(found)
                    )
                )
            }
        return next((t for t in found if t not in linked), None)

    def epoch_reports(self, index: int) -> dict[int, tuple[float, float, bool]]:
        """Trial ``index``'s reported epochs: epoch -> (val_acc, train_acc, pruned)."""
        e = self.t_epoch.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(e.epoch, e.val_acc, e.train_acc, e.prune).where(
                    e.study == self.study, e.idx == index
                )
            )
            return {
                int(r.epoch): (float(r.val_acc), float(r.train_acc), bool(r.prune)) for r in rows
            }

    def report_epoch(
        self,
        claim: Claim,
        ostudy: optuna.Study | None,
        epoch: int,
        val_acc: float,
        train_acc: float,
        last: bool,
    ) -> bool:
        """Report ``val_acc`` at ``epoch`` to the trial's Optuna trial (``trial.report``)
        and ask the pruner (never at the ``last`` epoch); the accuracies and the decision
        are written before they are acted on. True: prune the trial."""
        prune = False
        trial_id = claim.optuna_trial_id
        if trial_id is not None and ostudy is not None:
            try:
                self.optuna.set_trial_intermediate_value(trial_id, epoch, val_acc)
                if not last:
                    prune = bool(ostudy.pruner.prune(ostudy, self.optuna.get_trial(trial_id)))
            except Exception as err:  # the pruner must never fail the trial
                warn(
                    f"could not report epoch {epoch} of trial {claim.index} to Optuna: "
                    f"{first_line(err)}"
                )
        with self.engine.begin() as conn:
            self._check_held(conn, claim)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    self.t_epoch.insert().values(
                        study=self.study,
                        idx=claim.index,
                        epoch=epoch,
                        val_acc=val_acc,
                        train_acc=train_acc,
                        prune=int(prune),
                    )
                )
        except IntegrityError:  # a lost attempt wrote this epoch just before: its decision
            return self.epoch_reports(claim.index)[epoch][2]
        return prune

    # the Optuna mirror: best effort, the units are the authority

    @property
    def optuna(self) -> Any:
        if self._optuna is None:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            self._optuna = optuna.storages.RDBStorage(
                self.parsed.render_as_string(hide_password=False),
                engine_kwargs=self._engine_kwargs,
            )
        return self._optuna

    @property
    def optuna_study_id(self) -> int:
        if self._optuna_study_id is None:
            self._optuna_study_id = self.optuna.get_study_id_from_name(self.study)
        return self._optuna_study_id

    def _optuna_running_trial(
        self, claim: Claim, point: dict[str, Any], worker: str, space: SearchSpace
    ) -> int | None:
        try:
            if space.is_default:  # the order Optuna shows them in, as before spaces existed
                params = {"lr": float(point["lr"]), "weight_decay": float(point["weight_decay"])}
                distributions = {
                    "lr": FloatDistribution(*(10**e for e in LR_LOG10_RANGE), log=True),
                    "weight_decay": FloatDistribution(
                        *(10**e for e in WEIGHT_DECAY_LOG10_RANGE), log=True
                    ),
                }
            else:
                params, distributions = dict(point), space.distributions()
            template = create_trial(
                state=TrialState.RUNNING,
                params=params,
                distributions=distributions,
                user_attrs={"index": claim.index, "attempt": claim.attempt, "worker": worker},
            )
            return self.optuna.create_new_trial(self.optuna_study_id, template)
        except Exception as err:  # the mirror must never stop the study
            warn(f"could not record trial {claim.index} in the Optuna study: {first_line(err)}")
            return None

    def _optuna_resume(self, claim: Claim, point: dict[str, Any], worker: str) -> bool:
        """Take up the index's Optuna trial from an earlier attempt (WAITING after a
        release, RUNNING after a lost worker) for this one; False if there is none
        that fits (none yet, finished, or other params)."""
        if claim.optuna_trial_id is None:
            return False
        try:
            st = self.optuna
            trial = st.get_trial(claim.optuna_trial_id)
            same = trial.params == point
            if not same or trial.state not in (TrialState.WAITING, TrialState.RUNNING):
                if not trial.state.is_finished():
                    self._optuna_fail(claim.optuna_trial_id, "superseded by a new attempt")
                claim.optuna_trial_id = None
                return False
            if trial.state == TrialState.WAITING:
                st.set_trial_state_values(claim.optuna_trial_id, TrialState.RUNNING)
            st.set_trial_user_attr(claim.optuna_trial_id, "attempt", claim.attempt)
            st.set_trial_user_attr(claim.optuna_trial_id, "worker", worker)
            return True
        except Exception as err:  # the mirror must never stop the study
            warn(f"could not resume Optuna trial {claim.optuna_trial_id}: {first_line(err)}")
            claim.optuna_trial_id = None
            return False

    def _optuna_waiting(self, trial_id: int | None) -> None:
        """An attempt that stopped unfinished: its Optuna trial waits for the next one."""
        if trial_id is None:
            return
        try:
            if self.optuna.get_trial(trial_id).state == TrialState.RUNNING:
                self.optuna.set_trial_state_values(trial_id, TrialState.WAITING)
        except Exception:
            pass  # finished meanwhile by another process: nothing to do

    def _optuna_finish(self, trial_id: int | None, result: Trial) -> None:
        if trial_id is None:
            return
        st = self.optuna
        try:
            st.set_trial_user_attr(trial_id, "val_acc_list", result.val_acc_list)
            st.set_trial_user_attr(trial_id, "train_acc_list", result.train_acc_list)
            if result.state == "complete":
                st.set_trial_state_values(trial_id, TrialState.COMPLETE, [result.final_val_acc])
            elif result.state == "pruned":  # as Optuna's tell: the last reported value
                st.set_trial_state_values(trial_id, TrialState.PRUNED, [result.final_val_acc])
            else:
                st.set_trial_user_attr(trial_id, "fail_reason", result.fail_reason)
                st.set_trial_state_values(trial_id, TrialState.FAIL)
        except Exception as err:
            warn(f"could not finish Optuna trial {trial_id}: {first_line(err)}")

    def _optuna_fail(self, trial_id: int | None, reason: str) -> None:
        if trial_id is None:
            return
        try:
            if not self.optuna.get_trial(trial_id).state.is_finished():
                self.optuna.set_trial_user_attr(trial_id, "fail_reason", reason)
                self.optuna.set_trial_state_values(trial_id, TrialState.FAIL)
        except Exception:
            pass  # finished meanwhile by another process: nothing to do

    def reconcile_optuna(self) -> None:
        """Once no trial is left: close Optuna trials still RUNNING or WAITING (their
        workers died between recording a result and mirroring it, or before recording
        the attempt)."""
        u = self.t_unit.c
        with self.engine.connect() as conn:
            rows = {
                r.optuna_trial_id: r
                for r in conn.execute(
                    sa.select(u.idx, u.optuna_trial_id, u.result).where(
                        u.study == self.study, u.optuna_trial_id.is_not(None)
                    )
                )
            }
        try:
            running = self.optuna.get_all_trials(
                self.optuna_study_id,
                deepcopy=False,
                states=(TrialState.RUNNING, TrialState.WAITING),
            )
        except Exception as err:
            warn(f"could not read the Optuna study: {first_line(err)}")
            return
        for tr in running:
            row = rows.get(tr._trial_id)
            if row is not None and row.result:
                self._optuna_finish(tr._trial_id, self._result(row.idx, row.result))
            else:
                self._optuna_fail(tr._trial_id, "worker lost before it recorded the attempt")
