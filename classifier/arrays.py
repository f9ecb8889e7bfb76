"""How a model's arrays are named in ``weights.npz``: each part's under its own prefix.

A model part (the featurizer, a head, an adapter) writes its arrays with plain names;
the part that holds it files them under ``"<prefix>.<name>"`` and hands them back the
same way, so any part can nest another without knowing what it holds.
"""

from __future__ import annotations

import numpy as np

__all__ = ["prefixed", "part"]


def prefixed(prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` under ``prefix``: ``{"coef": a}`` -> ``{"first.coef": a}``."""
    return {f"{prefix}.{name}": value for name, value in arrays.items()}


def part(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays filed under ``prefix``, with their plain names (what ``prefixed`` undid)."""
    start = len(prefix) + 1
    return {name[start:]: value for name, value in arrays.items() if name.startswith(prefix + ".")}
