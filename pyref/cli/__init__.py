"""The `pyref` command line, one module per command: :mod:`~pyref.cli.run`,
:mod:`~pyref.cli.parity`, :mod:`~pyref.cli.search`, :mod:`~pyref.cli.bench` and
:mod:`~pyref.cli.julia`; :mod:`~pyref.cli.parser` builds the parser and holds
:func:`main`, the console script's entry point (``pyref = "pyref.cli:main"``);
:mod:`~pyref.cli.args` holds what the commands share."""

from pyref.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
