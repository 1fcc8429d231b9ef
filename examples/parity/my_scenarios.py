"""A port author's scenarios: a Momentum written from the book, and a pixel count on
the first digits, each checked against pyref with ``pyref parity --load``.

The Python sides are pyref's own: the built-in scenario function ``optimizer_steps``
(pyref's Momentum through ``pyref.optimizers.make_optimizer``) and a small function
here; the Julia sides are in ``my_scenarios.jl`` next to this file. Run::

    pyref parity --load examples/parity/my_scenarios.py
"""

import functools
from pathlib import Path

from pyref.parity import EXACT, Scenario, register
from pyref.parity.scenarios import mnist_batch, optimizer_steps

JULIA_FILES = (str(Path(__file__).with_name("my_scenarios.jl")),)


def bright_pixels(*, x, t, threshold):
    """How many pixels of each digit (rows of ``x``) are brighter than ``threshold``."""
    return {"count": (x > threshold).sum(axis=1), "labels": t}


register(
    Scenario(
        "my-momentum",
        optimizer_steps,  # W and b after each update, drawn as the built-in suite does
        "MyScenarios.optimizer_steps",
        kwargs={
            "name": "momentum",
            "params": {"lr": 0.1, "momentum": 0.9},
            "seed": 11,
            "steps": 25,
            "shape": [6, 4],
        },
        step_axis=0,  # W is (steps, 6, 4): a difference is reported by step and index
        julia_files=JULIA_FILES,
        description="my Momentum against the book's, 25 steps",
    )
)

register(
    Scenario(
        "my-bright-pixels",
        bright_pixels,
        "MyScenarios.bright_pixels",
        kwargs={"threshold": 0.5},
        inputs=functools.partial(mnist_batch, 100),  # x (100, 784) and t, made once
        tiers={"count": EXACT, "labels": EXACT},
        julia_files=JULIA_FILES,
        description="pixels brighter than 0.5 in each of the first 100 digits",
    )
)
