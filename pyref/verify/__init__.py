"""Checking someone's Julia port of the book's components: ``pyref verify PORT.jl``.

The port file registers its functions with ``PyRef.Verify`` (``verify_optimizer``,
``verify_layer``, ...); :mod:`pyref.verify.cases` draws the inputs and runs the book's
component, :mod:`pyref.verify.verdict` says whether a difference is only rounding or
a different formula, :mod:`pyref.verify.runner` runs the port in Julia,
:mod:`pyref.verify.report` prints and writes the verdicts and
:mod:`pyref.verify.vectors` writes known-answer vectors for a port's own tests.
"""
