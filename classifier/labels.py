"""Label sets shared by every part of newssift."""

from __future__ import annotations

__all__ = ["ROLES", "DEFAULT_TOPICS", "MAIN", "TEASER", "BOILERPLATE"]

MAIN, TEASER, BOILERPLATE = "main", "teaser", "boilerplate"
ROLES: tuple[str, ...] = (MAIN, TEASER, BOILERPLATE)
DEFAULT_TOPICS: tuple[str, ...] = (
    "conflict", "politics", "culture", "legal", "business", "sport", "science-tech",
    "health", "other",
)
