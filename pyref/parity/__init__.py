"""The parity harness: run each scenario in Python (pyref) and in Julia (PyRef), and
compare their named outputs under the tolerance tier each output declares.

In ``numpy`` BLAS mode (the default wherever numpy runs on OpenBLAS) PyRef's
matrix products go through numpy's own OpenBLAS with numpy's call, so every output
of every scenario is compared ``exact``. In ``native`` mode (Julia's own BLAS) each
output is compared under the tier it declares:

- ``exact``: bit-identical (random streams, initial weights, masks, split indices,
  sampled hyperparameters, elementwise updates, histogram counts ...).
- ``close``: difference at most ``rtol`` (default 1e-12) of the output's scale (its
  largest magnitude), plus ``atol``: one pass through BLAS, whose last bits differ
  between numpy's OpenBLAS and Julia's. (It was called ``ulp``; that name now
  raises a ValueError saying so.)
- ``trajectory``: over training; the divergence per iteration is reported and its
  maximum must stay within the scenario's ``bound`` (``bound=0`` demands equality,
  as for accuracies).

The package, imports running one way (docs/architecture.md):

- :mod:`~pyref.parity.tiers` (the tiers), :mod:`~pyref.parity.random_calls`
  (numpy's random-call vocabulary) and :mod:`~pyref.parity.frames` (the stack frames
  of users' files in error reports) are leaves;
- :mod:`~pyref.parity.scenario` (what a scenario is), :mod:`~pyref.parity.compare`
  (the comparison numerics and verdicts), :mod:`~pyref.parity.registry` (the suite,
  users' scenario files), :mod:`~pyref.parity.scenarios` (the built-in suite; its
  functions' twin is julia/src/parity/scenarios.jl), :mod:`~pyref.parity.report` (tables, JSON, plots)
  and :mod:`~pyref.parity.numpy_vectors` (numpy's test vectors for ``pyref julia test``)
  start no Julia;
- :mod:`~pyref.parity.runner` runs both sides: the only module here that talks to Julia.

This module re-exports the public API (``from pyref.parity import Scenario, register``).
"""

from __future__ import annotations

from typing import Any

from pyref.parity.compare import Comparison as Comparison
from pyref.parity.compare import ScenarioResult as ScenarioResult
from pyref.parity.compare import compare_output as compare_output
from pyref.parity.compare import compare_outputs as compare_outputs
from pyref.parity.compare import flatten_outputs as flatten_outputs
from pyref.parity.compare import ulp_distance as ulp_distance
from pyref.parity.registry import ScenarioLoadError as ScenarioLoadError
from pyref.parity.registry import all_scenarios as all_scenarios
from pyref.parity.registry import load_scenarios as load_scenarios
from pyref.parity.registry import register as register
from pyref.parity.registry import select as select
from pyref.parity.report import divergence_figures as divergence_figures
from pyref.parity.report import divergence_series as divergence_series
from pyref.parity.report import format_info as format_info
from pyref.parity.report import format_table as format_table
from pyref.parity.report import plot_divergence as plot_divergence
from pyref.parity.report import report as report
from pyref.parity.runner import environment_info as environment_info
from pyref.parity.runner import run_julia_tests as run_julia_tests
from pyref.parity.runner import run_scenario as run_scenario
from pyref.parity.runner import run_suite as run_suite
from pyref.parity.runner import use_blas as use_blas
from pyref.parity.scenario import Scenario as Scenario
from pyref.parity.tiers import CLOSE as CLOSE
from pyref.parity.tiers import DEFAULT_CLOSE_RTOL as DEFAULT_CLOSE_RTOL
from pyref.parity.tiers import EXACT as EXACT
from pyref.parity.tiers import RENAMED, renamed
from pyref.parity.tiers import TIER_KINDS as TIER_KINDS
from pyref.parity.tiers import Tier as Tier
from pyref.parity.tiers import close as close
from pyref.parity.tiers import trajectory as trajectory


def __getattr__(name: str) -> Any:
    """The tier's old names (``ulp``, ``ULP``, ``DEFAULT_ULP_RTOL``) raise a ValueError
    naming the new ones, so ``from pyref.parity import ulp`` in a scenario file says
    what to write instead of a bare ImportError."""
    if name in RENAMED:
        raise renamed(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
