"""Keeping freed memory: fewer page faults for numpy's per-step temporaries."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from pyref.allocator import ALLOCATOR_ENV, child_env

STEPS = """
import resource, sys
import numpy as np
if sys.argv[1] == "tuned":
    from pyref.allocator import keep_freed_memory
    assert keep_freed_memory()
def step():  # three 200 kB temporaries, freed together, as a layer's step makes them
    temporaries = [np.ones(25_000) for _ in range(3)]
    del temporaries
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_kept_memory_spares_the_page_faults() -> None:
    """glibc gives the freed heap top back and faults it in again; kept, it is reused.

    A synthetic step, not a training run: how many faults a real trial makes depends
    on the order of its allocations, which differs between machines and numpy builds.
    """
    faults = {}
    for mode in ("default", "tuned"):
        out = subprocess.run(
            [sys.executable, "-c", STEPS, mode],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        faults[mode] = int(out.stdout)
    assert faults["default"] >= 100 * 25_000 * 8 // 4096, faults  # every step refaults
    assert faults["tuned"] * 100 < faults["default"], faults


def test_child_env_keeps_the_users_settings() -> None:
    env = child_env({"PATH": "/bin", "MALLOC_TRIM_THRESHOLD_": "7"})
    assert env["MALLOC_TRIM_THRESHOLD_"] == "7" and env["PATH"] == "/bin"
    assert env["MALLOC_MMAP_THRESHOLD_"] == ALLOCATOR_ENV["MALLOC_MMAP_THRESHOLD_"]
