"""``pyref bench``'s report: the targets its figures are judged by, which machine the
numbers come from (and how busy it was meanwhile), and the table the command prints.

Every number is a measurement of this machine at this moment: the table says which
machine, and whether other processes were busy meanwhile.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import numpy as np

#: The targets: step ÷ GEMM bound (Julia on its own BLAS, and on numpy's, whose bound
#: is numpy's own products; the convnet and deepconvnet steps) and the speed-up of 2
#: search workers.
#: step.julia_numpy.over_python: Julia's step on numpy's BLAS ÷ Python's (no slower).
TARGETS = {
    "step.python.ratio": 1.25,
    "step.julia.ratio": 1.10,
    "step.julia_numpy.ratio": 1.05,
    "step.julia_numpy.over_python": 1.0,
    "convnet.python.ratio": 1.5,
    "convnet.julia.ratio": 1.25,
    "deepconvnet.julia.ratio": 1.5,
    "verify.one_optimizer_seconds": 20.0,
}
#: search_ttt: epochs TPE + Hyperband needs to reach random search's best, over random
#: search's own (at most a third).
TARGETS["search_ttt.tpe_hyperband.over_random"] = round(1 / 3, 3)
MINIMUM_TARGETS = {
    "search.python.speedup": 1.8,
    "convnet.python.speedup_over_book": 1.0,
    "deepconvnet.python.speedup_over_book": 1.5,
}


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def machine_info() -> dict[str, Any]:
    """Which machine the numbers come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def format_table(record: dict[str, Any]) -> str:
    """The figures as a table, with targets where the issue set one."""
    lines = [f"{'figure':<44} {'value':>12}  target"]
    for key, value in record["figures"].items():
        mark = ""
        if key in TARGETS:
            mark = f"≤ {TARGETS[key]}  " + ("ok" if value <= TARGETS[key] else "MISSED")
        elif key in MINIMUM_TARGETS:
            mark = f"≥ {MINIMUM_TARGETS[key]}  " + (
                "ok" if value >= MINIMUM_TARGETS[key] else "MISSED"
            )
        shown = f"{value:.6f}" if key.endswith("seconds") and value < 1 else f"{value:.3f}"
        lines.append(f"{key:<44} {shown:>12}  {mark}")
    m = record["machine"]
    lines.append("")
    lines.append(
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy {m['numpy']}"
        + (
            f"; other load meanwhile: {m['busy_cpus_during_run']} busy CPUs incl. this run"
            if "busy_cpus_during_run" in m
            else ""
        )
    )
    return "\n".join(lines)
