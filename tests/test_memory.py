"""Keeping freed memory: fewer page faults for numpy's per-step temporaries."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from pyref.memory import ALLOCATOR_ENV, child_env

TRIAL = """
import resource, sys
import numpy as np
if sys.argv[1] == "tuned":
    from pyref.memory import keep_freed_memory
    assert keep_freed_memory()
from pyref.search import train_trial
rs = np.random.RandomState(0)
x, t = rs.rand(500, 784).astype(np.float32), rs.randint(0, 10, 500).astype(np.uint8)
def trial(epochs):  # a search trial: 400 training, 100 validation samples
    train_trial(x[100:], t[100:], x[:100], t[:100], 0.01, 1e-6, epochs, rng=np.random.RandomState(1))
trial(2)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
trial(10)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_kept_memory_spares_the_page_faults() -> None:
    faults = {}
    for mode in ("default", "tuned"):
        out = subprocess.run([sys.executable, "-c", TRIAL, mode], capture_output=True,
                             text=True, check=True, timeout=300)  # fmt: skip
        faults[mode] = int(out.stdout)
    assert faults["tuned"] * 10 < faults["default"], faults


def test_child_env_keeps_the_users_settings() -> None:
    env = child_env({"PATH": "/bin", "MALLOC_TRIM_THRESHOLD_": "7"})
    assert env["MALLOC_TRIM_THRESHOLD_"] == "7" and env["PATH"] == "/bin"
    assert env["MALLOC_MMAP_THRESHOLD_"] == ALLOCATOR_ENV["MALLOC_MMAP_THRESHOLD_"]
