"""``pyref bench``'s sections, run in order: :func:`run` measures the sections asked
for and gathers their figures (flat names such as ``step.python.ratio``) and details
into one record, which :func:`pyref.bench.report.format_table` prints.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from pyref.bench.convnet import BOOK_NETS, bench_convnet_julia, bench_convnet_python
from pyref.bench.deep_convnet import bench_deepconvnet_julia, bench_deepconvnet_python
from pyref.bench.parity import bench_parity, bench_verify
from pyref.bench.report import busy_cpu_seconds, machine_info
from pyref.bench.search import (
    QUICK_TTT_EPOCHS,
    QUICK_TTT_SEEDS,
    QUICK_TTT_TRIALS,
    TTT_EPOCHS,
    TTT_SEEDS,
    TTT_TRIALS,
    bench_searches,
    bench_time_to_target,
)
from pyref.bench.step import bench_step_julia, bench_step_python

#: The sections of the benchmark, in the order they run.
SECTIONS = ("step", "convnet", "deepconvnet", "search", "parity", "verify")
#: Every section: also search-ttt (about 20 minutes: it runs only when named in --only).
ALL_SECTIONS = ("step", "convnet", "deepconvnet", "search", "search-ttt", "parity", "verify")


def _record_step(record: dict[str, Any], name: str, r: dict[str, Any]) -> dict[str, Any]:
    """A step timing's details and its four figures (seconds, bound, both ratios) under ``name``."""
    record["details"][name] = r
    figures = record["figures"]
    figures[f"{name}.seconds"] = r["step_seconds"]
    figures[f"{name}.bound_seconds"] = r["bound_seconds"]
    figures[f"{name}.ratio"] = r["ratio"]
    figures[f"{name}.minimal_ratio"] = r["minimal_ratio"]
    return r


#: The sections that time one of the book's nets with ``book``, and which net.
_BOOK_SECTIONS = {"convnet": "SimpleConvNet", "deepconvnet": "DeepConvNet"}


def _book_files(section: str) -> tuple[str, ...]:
    """What a checkout of the book's code must hold for ``section``'s ``book``: its
    net's module and common/optimizer.py."""
    folder, module = BOOK_NETS[_BOOK_SECTIONS[section]]
    return (f"{folder}/{module}.py", "common/optimizer.py")


def _check_book(book: str | None, sections: tuple[str, ...]) -> None:
    """ValueError naming ``--book`` unless ``book`` is None or a checkout of the book's
    code (_book_files) that the convnet or deepconvnet section will time."""
    if book is None:
        return
    timed = [s for s in _BOOK_SECTIONS if s in sections]
    if not timed:
        raise ValueError(
            "--book times the book's SimpleConvNet (convnet section) and DeepConvNet "
            "(deepconvnet section): add convnet or deepconvnet to --only"
        )
    root = Path(book)
    if not root.is_dir():
        raise ValueError(f"--book {book}: there is no folder {root}")
    missing: dict[str, list[str]] = {}
    for section in timed:
        for f in _book_files(section):
            if not (root / f).is_file():
                missing.setdefault(f, []).append(section)
    if missing:
        which = "; ".join(
            f"no {f}, which the {' and '.join(users)} section{'s' if len(users) > 1 else ''} "
            f"time{'' if len(users) > 1 else 's'}"
            for f, users in missing.items()
        )
        raise ValueError(f"--book {book}: not a checkout of deep-learning-from-scratch ({which})")


def run(
    quick: bool = False,
    sections: tuple[str, ...] = SECTIONS,
    book: str | None = None,
    ttt: dict[str, int | None] | None = None,
) -> dict[str, Any]:
    """Every section's measurements as one flat dict of figures plus details; ``ttt``
    may set the search-ttt section's ``seeds``, ``trials`` and ``epochs``. ValueError
    for a ``book`` that is not a checkout of the book's code, before any work."""
    _check_book(book, sections)
    record: dict[str, Any] = {
        "machine": machine_info(),
        "quick": quick,
        "figures": {},
        "details": {},
    }
    figures = record["figures"]
    busy0, t0 = busy_cpu_seconds(), time.monotonic()
    if "step" in sections:
        steps = (
            ("python", bench_step_python),
            ("julia", bench_step_julia),
            ("julia_numpy", lambda q: bench_step_julia(q, "numpy")),
        )
        for lang, func in steps:
            r = _record_step(record, f"step.{lang}", func(quick))
            figures[f"memory.step.{lang}.peak_rss_mb"] = r["maxrss_bytes"] / 2**20
        # With numpy's BLAS both languages run the same kernels: Julia's step against Python's.
        figures["step.julia_numpy.over_python"] = (
            figures["step.julia_numpy.seconds"] / figures["step.python.seconds"]
        )
    nets = (
        ("convnet", bench_convnet_python, bench_convnet_julia),
        ("deepconvnet", bench_deepconvnet_python, bench_deepconvnet_julia),
    )
    for section, in_python, in_julia in nets:
        if section not in sections:
            continue
        for lang, func in (("python", in_python), ("julia", in_julia)):
            _record_step(record, f"{section}.{lang}", func(quick))
        if book is not None:
            r = in_python(quick, book)
            record["details"][f"{section}.book"] = r
            figures[f"{section}.book.seconds"] = r["step_seconds"]
            figures[f"{section}.book.ratio"] = r["ratio"]
            figures[f"{section}.python.speedup_over_book"] = (
                r["step_seconds"] / figures[f"{section}.python.seconds"]
            )
    if "search" in sections:
        searches = bench_searches(quick)
        record["details"]["search"] = searches
        for engine, r in searches.items():
            for one in r["runs"]:
                figures[f"search.{engine}.workers{one['workers']}.trials_per_hour"] = one[
                    "trials_per_hour"
                ]
            figures[f"search.{engine}.speedup"] = r["speedup"]
            figures[f"memory.search.{engine}.workers2.peak_rss_mb"] = (
                r["runs"][1]["peak_rss_bytes"] / 2**20
            )
    if "search-ttt" in sections:
        given = {k: v for k, v in (ttt or {}).items() if v is not None}
        defaults = (
            {
                "seeds": QUICK_TTT_SEEDS,
                "trials": QUICK_TTT_TRIALS,
                "epochs": QUICK_TTT_EPOCHS,
            }
            if quick
            else {"seeds": TTT_SEEDS, "trials": TTT_TRIALS, "epochs": TTT_EPOCHS}
        )
        r = bench_time_to_target(
            **{**defaults, **given}, report=lambda line: print(line, file=sys.stderr, flush=True)
        )
        record["details"]["search_ttt"] = r
        for name, value in r["median_epochs_to_target"].items():
            figures[f"search_ttt.{name}.median_epochs"] = value
        figures["search_ttt.tpe.over_random"] = r["tpe_over_random"]
        figures["search_ttt.tpe_hyperband.over_random"] = r["tpe_hyperband_over_random"]
    if "parity" in sections:
        r = bench_parity(quick)
        record["details"]["parity"] = r
        figures["parity.wall_seconds"] = r["wall_seconds"]
        figures["parity.julia_first_result_seconds"] = r["julia_first_result_seconds"]
    if "verify" in sections:
        r = bench_verify()
        record["details"]["verify"] = r
        figures["verify.one_optimizer_seconds"] = r["wall_seconds"]
    busy1 = busy_cpu_seconds()
    if busy0 is not None and busy1 is not None:
        record["machine"]["busy_cpus_during_run"] = round(
            (busy1 - busy0) / (time.monotonic() - t0), 2
        )
    return record
