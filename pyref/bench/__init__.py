"""``pyref bench``: what a training step, a search and a parity run cost, each beside
its limit, measured in one run on one machine. One module per section, and the report:

- :mod:`pyref.bench.step`: one training step of 6.1.8's net in pyref and PyRef, each
  against its GEMM bound (twin: ``julia/src/bench/step.jl``);
- :mod:`pyref.bench.convnet`: one SimpleConvNet step (chapter 7), likewise, and the
  book's own code with ``--book`` (twin: ``julia/src/bench/convnet.jl``);
- :mod:`pyref.bench.deep_convnet`: one DeepConvNet step (chapter 8), likewise
  (twin: ``julia/src/bench/deep_convnet.jl``);
- :mod:`pyref.bench.search`: trials per hour of the book's search with 1 and 2
  workers, and the samplers' time to target (search-ttt);
- :mod:`pyref.bench.parity`: ``pyref parity`` and ``pyref verify`` in fresh processes;
- :mod:`pyref.bench.sections`: :func:`run`, every section asked for, in order;
- :mod:`pyref.bench.report`: the targets, the machine and the table.

Peak resident memory of each step loop and of a two-worker search is reported beside
the times. Every number is a measurement of this machine at this moment: the table
says which machine, and whether other processes were busy meanwhile.
"""

from pyref.bench.report import MINIMUM_TARGETS, TARGETS, format_table, machine_info
from pyref.bench.sections import ALL_SECTIONS, SECTIONS, run

__all__ = [
    "ALL_SECTIONS",
    "MINIMUM_TARGETS",
    "SECTIONS",
    "TARGETS",
    "format_table",
    "machine_info",
    "run",
]
