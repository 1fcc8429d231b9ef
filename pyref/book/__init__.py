"""The switch: one module per chapter of the book, ``pyref.book.chNN``, giving every
name that chapter's scripts import from the book's ``common/``, ``dataset/`` and
chapter modules, so a script runs on pyref by replacing those imports with
``from pyref.book.chNN import *``."""
