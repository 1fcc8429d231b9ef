"""pyref: chapter 6 of "Deep Learning from Scratch", a Python reference with a Julia twin."""

__version__ = "0.1.0"
