"""What the assignment's notebooks use to compare with their published values."""

from __future__ import annotations

import numpy as np


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """The notebooks' relative error: max |x - y| / max(1e-8, |x| + |y|)."""
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
