"""``pyref bench``'s parity and verify sections: the two commands that check a Julia
side against the Python one, each timed in a fresh process.

- **parity**: the wall time of ``pyref parity`` and Julia's time to its first result
  (start-up, loading PyRef, compiling the first scenario);
- **verify**: ``pyref verify`` of a one-optimizer port (:data:`VERIFY_PORT`), Julia's
  start included.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pyref.runtime import kept


def bench_parity(quick: bool) -> dict[str, Any]:
    """``pyref parity`` in a fresh process: its wall time and Julia's first result."""
    with tempfile.TemporaryDirectory(prefix="pyref-bench-") as tmp:
        report_path = Path(tmp) / "parity.json"
        cmd = [sys.executable, "-m", "pyref.cli", "parity", "--json", str(report_path)]
        if quick:
            cmd.append("--quick")
        env = dict(os.environ, MPLBACKEND="Agg", PYREF_JULIA_BRIDGE="exe")
        started = time.perf_counter()
        proc = kept.run(cmd, capture_output=True, text=True, env=env, timeout=3600, folder=tmp)
        wall = time.perf_counter() - started
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"pyref parity could not run:\n{proc.stderr[-3000:]}")
        report = json.loads(report_path.read_text())
    first = report["results"][0] if report["results"] else {"julia_seconds": 0.0}
    startup = report["info"].get("julia_startup_seconds", 0.0)
    return {
        "quick": quick,
        "wall_seconds": wall,
        "julia_startup_seconds": startup,
        "julia_first_result_seconds": startup + first["julia_seconds"],
        "scenarios": report["scenarios"],
        "scenarios_passed": report["scenarios_passed"],
    }


#: The port `pyref bench --only verify` checks: one optimizer, a few lines.
VERIFY_PORT = """using PyRef.Verify
mutable struct Momentum; lr; momentum; v; end
function update!(o::Momentum, p, g)
    o.v === nothing && (o.v = Dict(k => zero(v) for (k, v) in p))
    for k in keys(p)
        o.v[k] .= o.momentum .* o.v[k] .- o.lr .* g[k]
        p[k] .+= o.v[k]
    end
end
verify_optimizer("Momentum"; make=h -> Momentum(h.lr, h.momentum, nothing), step=update!)
"""


def bench_verify() -> dict[str, Any]:
    """``pyref verify`` of a one-optimizer port in a fresh process, Julia's start included."""
    with tempfile.TemporaryDirectory(prefix="pyref-bench-") as tmp:
        port = Path(tmp) / "momentum.jl"
        port.write_text(VERIFY_PORT)
        report_path = Path(tmp) / "verify.json"
        cmd = [sys.executable, "-m", "pyref.cli", "verify", str(port), "--json", str(report_path)]
        env = dict(os.environ, PYREF_JULIA_BRIDGE="exe")
        started = time.perf_counter()
        proc = kept.run(cmd, capture_output=True, text=True, env=env, timeout=600, folder=tmp)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(
                f"pyref verify did not pass:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
            )
        report = json.loads(report_path.read_text())
    return {"wall_seconds": wall, "verdicts": [c["verdict"] for c in report["checks"]]}
