"""The switch: ``from pyref.book.chNN import *`` gives every name the book's chapter-NN
scripts import from the book (``common/``, ``dataset/`` and the chapter's own modules),
so a script runs on pyref by replacing its book imports with that one line.

Each module's ``__all__`` is exactly those names; where the book's name of a class is
taken by two chapters (ch04's and ch05's ``TwoLayerNet``), each chapter's module maps it
to the right pyref class.
"""
