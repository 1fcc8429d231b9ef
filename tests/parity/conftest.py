"""Every test under tests/parity/ carries the ``parity`` marker: ``-m parity`` runs
only them, ``-m 'not parity'`` everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks this folder's tests, before ``-m`` selects among them."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.parity)
