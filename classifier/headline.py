"""The story's own headline: which block above the story names it.

A page sent as text has its headline somewhere above the story's first paragraph, often
with a byline, a date, a share bar or a photo credit between them, and navigation above
it.  Read alone, a headline looks like any short line (a menu entry, another story's
teaser), and the role heads, which lean on a block's neighbours, called it non-main on
nearly every composed page.  What tells it from the short lines around it is what it
says: a headline names the story, so it shares words with the story's opening
paragraphs, and a menu, a byline or a share bar does not.

``find_headlines`` picks, for each document with a story, the short line among the
``HEADLINE_WINDOW`` blocks above the story's first paragraph that shares the most words
with the story's first ``HEADLINE_STORY_BLOCKS`` main blocks (at least
``HEADLINE_MIN_SHARED``; the nearest on a tie).  The decision then calls it main
(:func:`newssift.classifier.decision.decide`), so that the headline is part of
``article.text`` on every page, and ``article.headline`` names it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from newssift.classifier.line_forms import FORM_NONE, line_form
from newssift.classifier.shallow import CJK_PATTERN

__all__ = ["find_headlines", "with_headlines",
           "HEADLINE_WINDOW", "HEADLINE_STORY_BLOCKS", "HEADLINE_MIN_SHARED",
           "HEADLINE_MAX_WORDS", "HEADLINE_MIN_WORDS", "STORY_MIN_WORDS"]

HEADLINE_WINDOW = 6          # blocks above the story's first paragraph a headline may sit
HEADLINE_STORY_BLOCKS = 3    # the story's blocks whose words a headline shares
HEADLINE_MIN_SHARED = 2      # words it must share with them
HEADLINE_MIN_WORDS = 3
HEADLINE_MAX_WORDS = 30
STORY_MIN_WORDS = 15         # the story's first paragraph: its first main block this long
# Words that say what a text is about: four letters or more (short words are mostly
# function words in the languages with spaces), and each Han or kana character pair.
_WORD_RE = re.compile(r"[^\W\d_]{4,}")
_CJK_RE = re.compile(CJK_PATTERN + "{2,}")
_SENTENCE_END = (".", "!", "?", "。")


def _words(text: str) -> set[str]:
    lowered = text.lower()
    words = set(_WORD_RE.findall(lowered))
    for run in _CJK_RE.findall(lowered):
        words.update(run[i:i + 2] for i in range(len(run) - 1))
    return words


def find_headlines(texts: Sequence[str], keep: np.ndarray, n_words: np.ndarray,
                   doc: np.ndarray, n_docs: int) -> np.ndarray:
    """Each document's headline block (an index into the batch's blocks), -1 where none is
    found: ``keep`` is the main decision, ``n_words`` the blocks' word counts."""
    out = np.full(n_docs, -1, dtype=np.int64)
    if not len(doc):
        return out
    starts = np.searchsorted(doc, np.arange(n_docs), side="left")
    story = np.flatnonzero(keep & (n_words >= STORY_MIN_WORDS))
    if not len(story):
        return out
    # The first story paragraph of each document.
    first = np.full(n_docs, -1, dtype=np.int64)
    first_of = story[np.r_[True, doc[story][1:] != doc[story][:-1]]]
    first[doc[first_of]] = first_of
    main = np.flatnonzero(keep)
    for d in np.flatnonzero(first >= 0).tolist():
        f = int(first[d])
        lo = max(int(starts[d]), f - HEADLINE_WINDOW)
        # A line whose form says it is no story (a cookie notice, "Read more: ...") is no
        # story's headline either, whatever words it shares with the story.
        candidates = [i for i in range(f - 1, lo - 1, -1)
                      if HEADLINE_MIN_WORDS <= n_words[i] <= HEADLINE_MAX_WORDS
                      and not texts[i].rstrip().endswith(_SENTENCE_END)
                      and line_form(texts[i]) == FORM_NONE]
        if not candidates:
            continue
        at = np.searchsorted(main, f)
        opening = main[at:at + HEADLINE_STORY_BLOCKS]
        opening = opening[doc[opening] == d]
        story_words = set().union(*(_words(texts[i]) for i in opening.tolist()))
        best, best_shared = -1, HEADLINE_MIN_SHARED - 1
        for i in candidates:  # nearest first: a tie keeps the nearer line
            shared = len(_words(texts[i]) & story_words)
            if shared > best_shared:
                best, best_shared = i, shared
        out[d] = best
    return out


def with_headlines(keep: np.ndarray, texts: Sequence[str], n_words: np.ndarray,
                   doc: np.ndarray, n_docs: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``keep`` with each document's headline kept too, and the headlines (one index for
    each of ``n_docs`` documents, -1 for none; documents numbered by ``doc``; ``n_docs``
    defaults to the last block's document and one)."""
    if n_docs is None:
        n_docs = int(doc[-1]) + 1 if len(doc) else 0
    heads = find_headlines(texts, keep, n_words, doc, n_docs)
    found = heads[heads >= 0]
    if len(found):
        keep = keep.copy()
        keep[found] = True
    return keep, heads
