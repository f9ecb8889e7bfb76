"""Label sets shared by every part of newssift."""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

__all__ = ["ROLES", "DEFAULT_TOPICS", "MAIN", "TEASER", "BOILERPLATE", "Role", "RoleName"]

RoleName = Literal["main", "teaser", "boilerplate"]  # the values of ROLES, for type checkers

MAIN, TEASER, BOILERPLATE = "main", "teaser", "boilerplate"
ROLES: tuple[str, ...] = (MAIN, TEASER, BOILERPLATE)


class Role(IntEnum):
    """A block's role as the arrays hold it; ``ROLES[code]`` is its name in the output."""

    MAIN = 0
    TEASER = 1
    BOILERPLATE = 2

    @property
    def label(self) -> str:
        return ROLES[self]
DEFAULT_TOPICS: tuple[str, ...] = (
    "conflict", "politics", "culture", "legal", "business", "sport", "science-tech",
    "health", "other",
)
