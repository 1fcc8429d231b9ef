"""The names chapter 6's scripts import from the book: everything pyref exports (its
``__all__`` is the book's names of chapters 6 and 7)."""

from pyref import *  # noqa: F403
from pyref import __all__ as _names

__all__ = list(_names)
