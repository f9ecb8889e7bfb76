"""Raw text to blocks.

A block is one non-empty line, the shape scraped text usually has; blank lines
between paragraphs and CRLF/CR line ends need no special handling because empty
lines are simply skipped.  Each block keeps the character offsets of its
stripped text in the original string, so ``text[block.start:block.end] ==
block.text`` always holds and a client can map labels back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Block", "segment"]

# Line ends as str.splitlines() knows them, minus the form feed / file separator
# family that scraped text uses inside lines.  One match per non-empty line,
# spanning it without its surrounding whitespace (linear: no backtracking over space runs).
_BREAKS = "\r\n\u2028\u2029\x85"
_BLOCK_RE = re.compile(rf"\S(?:[^{_BREAKS}]*\S)?")


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the input: its position and its exact text."""

    index: int
    start: int
    end: int
    text: str


def segment(text: str) -> list[Block]:
    """Split ``text`` into blocks, one per line that holds more than whitespace.

    Surrounding whitespace is left out of each block (offsets point at the
    stripped text); nothing inside a line is changed, nothing is reordered.
    """
    blocks: list[Block] = []
    append = blocks.append
    for i, match in enumerate(_BLOCK_RE.finditer(text)):
        append(Block(i, match.start(), match.end(), match.group()))
    return blocks
