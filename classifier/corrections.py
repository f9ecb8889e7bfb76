"""The correction memory: stored corrections applied at labelling time, without a retrain.

A person corrects a few blocks; they expect the very text to come back corrected, and
the same line elsewhere too: a site repeats its footer, its share line, its "Read our
full coverage..." teaser on every page.  So a correction is remembered three ways and
looked up in this order, the first match winning:

1. ``document``: the same block of the same text (its sha256 and block index);
2. ``line``: a block whose *normalised* text equals a corrected block's, where
   normalising collapses runs of whitespace and folds case.  A correction made with a
   ``site`` matches only texts sent with that site; one made without a site matches
   every text.  Within a site, a site-scoped correction wins over a global one;
3. ``pattern``: a near-duplicate that differs only in its numbers ("© 2024 Daily
   Ledger" and "© 2025 Daily Ledger", "12 comments" and "3 comments"), only for short
   lines (at most ``PATTERN_MAX_WORDS`` words), where numbers are dates and counts
   rather than the facts of a story.  Other near-duplicates are not matched: a story
   paragraph that differs in a word may say something else.

Among several corrections with the same key the newest wins.  A block that matches
gets the corrected role (role score 1.0) and, when the correction names one, the
corrected topic; its segment names the correction and how it matched.

This module is also the labeller's corrections stage, in one place: :func:`recall`
finds each block's correction, :func:`apply_corrections` lays the adapter's line table
and then the corrections over the decided roles, and :func:`article_topics` gives an
article the topic a person set on a block its topic comes from.

The memory is built from records in the labels exchange format (what ``GET /v1/labels``
exports and ``newssift train --labels`` reads): one ``{"text", "site"?, "labels":
[{"id"?, "index", "role"?, "topic"?}]}`` object per text.  It holds no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newssift.classifier.errors import InvalidInput
from newssift.classifier.labels import ROLES, Role
from newssift.classifier.segment import segment

if TYPE_CHECKING:  # arrays come from the labeller; reading corrections needs no numpy
    import numpy as np

__all__ = ["CorrectionMemory", "Fix", "normalize_line", "pattern_of", "text_key",
           "recall", "apply_corrections", "article_topics", "PATTERN_MAX_WORDS", "MATCH_KINDS"]

PATTERN_MAX_WORDS = 12
MATCH_KINDS = ("document", "line", "pattern")
_DIGITS = re.compile(r"\d+")


def normalize_line(text: str) -> str:
    """Whitespace runs to one space, ends trimmed, case folded."""
    return " ".join(text.split()).casefold()


def pattern_of(normalized: str) -> str | None:
    """The line with every number as ``#``, for short lines that hold a number; else None."""
    if not _DIGITS.search(normalized) or len(normalized.split()) > PATTERN_MAX_WORDS:
        return None
    return _DIGITS.sub("#", normalized)


def text_key(text: str) -> str:
    """The key of a whole text: its sha256, as the label store keys documents."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Fix:
    """What one stored correction says of a block, and which correction it is."""

    role: str | None
    topic: str | None
    id: int | str | None
    match: str = "document"

    def matched(self, kind: str) -> Fix:
        return self if kind == self.match else Fix(self.role, self.topic, self.id, kind)


class CorrectionMemory:
    """Corrections, looked up by document, by normalised line and by number pattern.

    Corrections are added newest last.  Each key answers with its newest correction, and
    keeps the others it holds, so that one can be taken out (:meth:`remove`: withdrawn, or
    superseded) and the key answer again with the newest left, as a memory rebuilt
    without it would: the service applies what changed in its store this way instead
    of rebuilding the memory on every change."""

    def __init__(self) -> None:
        self._documents: dict[tuple[str, int], Fix] = {}
        self._lines: dict[tuple[str, str], Fix] = {}      # (site or "", normalised line)
        self._patterns: dict[tuple[str, str], Fix] = {}   # (site or "", pattern)
        # Per table and key, every correction under it by the order it was added in; per
        # correction id, where it is (only corrections with an id can be removed).
        self._held: dict[tuple[int, tuple], dict[int, Fix]] = {}
        self._where: dict[int | str, list[tuple[int, tuple, int]]] = {}
        self._added = 0
        self.n_corrections = 0

    def __len__(self) -> int:
        return self.n_corrections

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, dict]] | Iterable[dict], *,
                     name: str = "corrections") -> CorrectionMemory:
        """From labels-format records (or ``(where, record)`` pairs naming each for error
        messages).  Among corrections with the same key the newest wins: the one with the
        highest numeric ``id`` when every correction has one (the label store's), else the
        one that comes last."""
        entries = []
        for n, item in enumerate(records, 1):
            where, rec = item if isinstance(item, tuple) else (f"{name}: record {n}", item)
            entries += _entries(rec, where)
        if all(isinstance(e[3].id, int) and not isinstance(e[3].id, bool) for e in entries):
            entries.sort(key=lambda e: e[3].id)
        memory = cls()
        for key, index, block_text, fix, site in entries:
            memory.add(key, index, block_text, fix, site)
        return memory

    def add_record(self, rec: dict, where: str = "record") -> None:
        """Add one record's corrections, after those already held (they win over them)."""
        for key, index, block_text, fix, site in _entries(rec, where):
            self.add(key, index, block_text, fix, site)

    def add(self, key: str, index: int, block_text: str, fix: Fix, site: str = "") -> None:
        """Remember one correction of block ``index`` of the text keyed ``key``, as the newest."""
        self.n_corrections += 1
        self._added += 1
        line = normalize_line(block_text)
        pattern = pattern_of(line)
        keys = [(0, (key, index), "document"), (1, (site, line), "line")]
        if pattern is not None:
            keys.append((2, (site, pattern), "pattern"))
        for table, k, kind in keys:
            matched = fix.matched(kind)
            self._tables[table][k] = matched
            self._held.setdefault((table, k), {})[self._added] = matched
            if fix.id is not None:
                self._where.setdefault(fix.id, []).append((table, k, self._added))

    def remove(self, ids: Iterable[int | str]) -> int:
        """Take out the corrections with these ids; each of their keys answers again with
        the newest correction it still holds, or with none.  Returns how many were held."""
        removed = 0
        for correction_id in ids:
            where = self._where.pop(correction_id, None)
            if where is None:
                continue
            removed += len({order for _, _, order in where})  # an id added twice was two corrections
            for table, k, order in where:
                held = self._held[(table, k)]
                held.pop(order, None)
                if held:
                    self._tables[table][k] = held[max(held)]
                else:
                    del self._held[(table, k)]
                    self._tables[table].pop(k, None)
        self.n_corrections -= removed
        return removed

    @property
    def _tables(self) -> tuple[dict, dict, dict]:
        return self._documents, self._lines, self._patterns

    def lookup(self, text: str, block_texts: Sequence[str], site: str | None = None,
               ) -> list[Fix | None]:
        """The correction that applies to each block of ``text``, or None."""
        if not self.n_corrections:
            return [None] * len(block_texts)
        key = text_key(text)
        sites = (site, "") if site else ("",)
        out: list[Fix | None] = []
        for i, block in enumerate(block_texts):
            fix = self._documents.get((key, i))
            if fix is None:
                line = normalize_line(block)
                fix = next((f for s in sites if (f := self._lines.get((s, line))) is not None), None)
                if fix is None and self._patterns:
                    pattern = pattern_of(line)
                    if pattern is not None:
                        fix = next((f for s in sites
                                    if (f := self._patterns.get((s, pattern))) is not None), None)
            out.append(fix)
        return out


def _entries(rec: dict, where: str) -> list[tuple[str, int, str, Fix, str]]:
    """(text key, block index, block text, fix, site) of each correction of one record."""
    out: list[tuple[str, int, str, Fix, str]] = []
    if isinstance(rec, dict) and not isinstance(rec.get("text"), str) and isinstance(rec.get("html"), str):
        from newssift.classifier.html import read_page

        try:  # a page's corrections (the labels format's {"html", "labels"}): its blocks' text
            rec = {**rec, "text": read_page(rec["html"]).text}
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc}") from None
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
        raise InvalidInput(f"{where}: expected an object with a 'text' (or 'html') string")
    labels = rec.get("labels")
    if not isinstance(labels, list):
        raise InvalidInput(f"{where}: expected a 'labels' list")
    site = rec.get("site") or ""
    if not isinstance(site, str):
        raise InvalidInput(f"{where}: 'site' must be a string")
    blocks = segment(rec["text"])
    key = text_key(rec["text"])
    for lab in labels:
        index = lab.get("index") if isinstance(lab, dict) else None
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(blocks):
            raise InvalidInput(f"{where}: block index {index!r} is not one of the text's "
                               f"{len(blocks)} blocks")
        role, topic = lab.get("role"), lab.get("topic")
        if role is not None and role not in ROLES:
            raise InvalidInput(f"{where}: unknown role {role!r}")
        if topic is not None and not isinstance(topic, str):
            raise InvalidInput(f"{where}: topic must be a string or null")
        if role is None and topic is None:
            continue
        out.append((key, index, blocks[index].text, Fix(role, topic, lab.get("id")), site))
    return out


# -- the labeller's corrections stage ------------------------------------------------------

def recall(memory: CorrectionMemory, texts: Sequence[str], docs: Sequence[Sequence[str]],
           sites: Sequence[str | None] | None = None) -> list[Fix | None]:
    """The stored correction of every block of every text (None where there is none),
    block-aligned with the batch ``docs`` (each text's block texts) make."""
    out: list[Fix | None] = []
    for n, (text, block_texts) in enumerate(zip(texts, docs)):
        out += memory.lookup(text, block_texts, sites[n] if sites else None)
    return out


def apply_corrections(role: np.ndarray, role_score: np.ndarray,
                      table: Sequence[tuple[int, str | None] | None] | None,
                      fixes: Sequence[Fix | None] | None,
                      ) -> tuple[np.ndarray, np.ndarray, list[str | None] | None]:
    """Roles as the adapter's line table and then the stored corrections say (either is
    certain: role score 1.0), and the topic each block was given (None: the model's).

    A correction naming only a topic keeps the table's role, and one naming only a role
    keeps the table's topic: a person sends what they changed."""
    if not table and not fixes:
        return role, role_score, None
    forced: list[tuple[int | None, str | None] | None] = list(table) if table else [None] * len(role)
    for i, f in enumerate(fixes or ()):
        if f is not None:
            role_code = Role[f.role.upper()] if f.role is not None else (
                forced[i][0] if forced[i] else None)
            topic = f.topic if f.topic is not None else (forced[i][1] if forced[i] else None)
            forced[i] = (role_code, topic)
    rows = [i for i, f in enumerate(forced) if f is not None and f[0] is not None]
    if rows:
        role, role_score = role.copy(), role_score.copy()
        role[rows] = [forced[i][0] for i in rows]
        role_score[rows] = 1.0
    topics = [None if f is None else f[1] for f in forced]
    return role, role_score, topics if any(t is not None for t in topics) else None


def article_topics(role: Sequence[int], doc: Sequence[int], n_docs: int,
                   topics: Sequence[str | None] | None) -> list[str | None] | None:
    """Per document, the topic a person gave a block its article's topic comes from (the
    first such block), or None: the model's.

    An article's topic comes from its main blocks, or with none from its teasers, so a
    corrected topic counts there only: a corrected teaser's topic is its own story's,
    not the article's, when the page has a story of its own."""
    if not topics:
        return None
    roles, docs = list(role), list(doc)
    out: list[str | None] = [None] * n_docs
    has_main = [False] * n_docs
    for d, r in zip(docs, roles):
        if r == Role.MAIN:
            has_main[d] = True
    for d, r, topic in zip(docs, roles, topics):
        source = Role.MAIN if has_main[d] else Role.TEASER
        if topic is not None and out[d] is None and r == source:
            out[d] = topic
    return out
