"""What a study's database is: its SQLAlchemy URL (the default SQLite file, masked
for messages, parsed and checked), the states of its units (one row per trial) and a
worker's :class:`Claim` on one of them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from pyref.study.errors import SearchError

#: Finished states: a unit in one of them holds its result.
DONE_STATES = ("complete", "failed", "pruned")
#: Every state a trial (a unit) can be in.
UNIT_STATES = ("waiting", "running", "complete", "failed", "pruned")


def default_storage(out: str | os.PathLike) -> str:
    """The default storage: an SQLite file ``search.db`` inside the output folder."""
    return f"sqlite:///{Path(out).resolve() / 'search.db'}"


def mask_url(url: str | URL) -> str:
    """``url`` with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def parse_storage_url(url: str) -> URL:
    """Parse and check a SQLAlchemy URL; SearchError for a malformed or unknown one."""
    if not isinstance(url, str) or not url.strip():
        raise SearchError("--storage must be a SQLAlchemy URL such as sqlite:///path/search.db")
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as err:
        raise SearchError(
            f"malformed --storage URL {url!r} ({err}); expected e.g. sqlite:///path/search.db "
            "or postgresql://user:password@host:5432/dbname"
        ) from None
    try:
        parsed.get_dialect()
    except (NoSuchModuleError, ImportError) as err:
        raise SearchError(
            f"--storage URL {mask_url(parsed)}: unknown database kind {parsed.drivername!r} ({err})"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise SearchError("--storage: an SQLite study needs a file (sqlite:///path/search.db)")
    if parsed.drivername == "postgresql":  # no driver named: the one the search extra installs
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


@dataclass
class Claim:
    """A worker's hold on one trial index, proven by its token."""

    index: int
    token: str
    attempt: int
    optuna_trial_id: int | None = None
