"""A study's outputs in ``--out``: best.txt (the book's Best-N listing), trials.json,
trials.csv, study.json and the figures."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from pyref.search import BEST_N, TRIAL_SEED_MULTIPLIER, format_best
from pyref.study.config import SearchConfig
from pyref.study.database import mask_url
from pyref.study.results import trial_record
from pyref.study.trial import Trial

CSV_FIELDS = (
    "number",
    "state",
    "lr",
    "weight_decay",
    "seed",
    "final_val_acc",
    "final_train_acc",
    "fail_reason",
    "val_acc_list",
    "train_acc_list",
)


def check_out(out: str | os.PathLike) -> Path:
    """``out`` as a Path once it is shown to be writable, before any work: a folder
    that exists, or whose nearest existing parent takes, a file (a temporary one is
    made there and removed). Creates nothing; SearchError naming ``--out``."""
    from pyref.fileio import OutputPathError, check_output_dir
    from pyref.study.errors import SearchError

    out = Path(out)
    try:
        check_output_dir(out, "--out")
    except OutputPathError as err:
        raise SearchError(str(err)) from None
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:  # permissions say yes to root everywhere; only a write proves it (/proc, ro mounts)
        fd, tmp = tempfile.mkstemp(dir=probe, prefix=".pyref-search-probe-")
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        raise SearchError(f"--out {out}: cannot write in {probe} ({err.strerror or err})") from None
    return out


def _csv_cell(value: object) -> object:
    """A CSV cell: empty for None, a curve as its accuracies separated by spaces, a
    float as repr (all its digits)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(map(repr, value))
    if isinstance(value, float):
        return repr(value)
    return value


def trials_csv(results: Sequence[Trial]) -> str:
    """All trials as CSV; each curve as space-separated accuracies; with a space other
    than the book's, one more column per parameter beyond lr and weight decay."""
    extra: list[str] = []
    for r in results:
        extra += [k for k in (r.params or {}) if k not in CSV_FIELDS and k not in extra]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*CSV_FIELDS, *extra])
    for r in results:
        rec = {**(r.params or {}), **trial_record(r)}
        writer.writerow([_csv_cell(rec.get(k)) for k in (*CSV_FIELDS, *extra)])
    return buf.getvalue()


def write_outputs(
    out: Path,
    results: Sequence[Trial],
    *,
    config: SearchConfig,
    study: str,
    storage: str,
    data_description: str,
) -> str:
    """Write best.txt (the book's Best-N listing), best20.png, scatter.png,
    history.png, parallel.png, trials.json, trials.csv and study.json into ``out``;
    returns the listing."""
    from pyref.figures import hyperparameter_optimization as search_figures
    from pyref.fileio import save_figure, write_json, write_text
    from pyref.study.figures import history_figure, parallel_figure

    complete = [r for r in results if r.state == "complete"]
    listing = format_best(list(complete), BEST_N)
    if not config.space.is_default:  # each line also names the trial's other settings
        listing = _with_params(listing, complete)
    write_text(out / "best.txt", listing + "\n")
    write_json(out / "trials.json", [trial_record(r) for r in results])
    write_text(out / "trials.csv", trials_csv(results))
    write_json(
        out / "study.json",
        {
            "study": study,
            "storage": mask_url(storage),
            "settings": config.to_json(),
            "data": data_description,
            "trial_seed": (
                None
                if config.stream == "textbook"
                else f"(seed * {TRIAL_SEED_MULTIPLIER} + number) mod 2**32"
            ),
            "complete": len(complete),
            "failed": sum(r.state == "failed" for r in results),
            **(
                {"pruned": sum(r.state == "pruned" for r in results)}
                if config.pruner != "none"
                else {}
            ),
            **({} if config.space.is_default else {"space": config.space.describe()}),
        },
    )
    if complete:
        scatter = {"lr", "weight_decay"} <= set(config.space.names)  # its axes are searched
        with warnings.catch_warnings():
            if not scatter:  # a fixed weight decay of 0 has no place on a log axis
                warnings.simplefilter("ignore", UserWarning)
            figures = search_figures(
                {"trials": [trial_record(r) for r in complete]}, n=BEST_N, data=config.data
            )
        save_figure(figures["best"], out / "best20.png")
        if scatter:
            save_figure(figures["scatter"], out / "scatter.png")
        records = [trial_record(r) for r in results]
        save_figure(history_figure(records), out / "history.png")
        save_figure(parallel_figure(records, config.space), out / "parallel.png")
    return listing


def _with_params(listing: str, complete: Sequence[Trial]) -> str:
    """The Best-N listing with each trial's point appended (``| optimizer:adam, ...``)."""
    ranked = sorted(complete, key=lambda r: r.final_val_acc, reverse=True)
    lines = listing.split("\n")
    for i, r in enumerate(ranked[: len(lines) - 1]):
        extra = {k: v for k, v in (r.params or {}).items() if k not in ("lr", "weight_decay")}
        if extra:
            lines[i + 1] += " | " + ", ".join(f"{k}:{v}" for k, v in extra.items())
    return "\n".join(lines)
