"""Comment-framing lines: which blocks frame a user comment, and where a block sits among them.

"Posted by: tj at October 29, 2012 06:10 PM", "3 hours ago", "Reply", "Jane says:".
A comment's words look like the story's; what gives a comment away is the framing
around it.  The role model's section features count one set of forms (``meta``);
the comment-thread rule (:mod:`newssift.classifier.threads`) reads a wider set
(``framing``).  Both come from one scan.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from newssift.classifier.batch import doc_bounds, shifted
from newssift.classifier.shallow import NEIGHBOUR_OFFSETS, regex_hits, starts_of

__all__ = ["FRAMING_TIME", "FRAMING_VOICE", "SECTION_NAMES", "comment_lines", "section_features"]

SECTION_NAMES = (
    "comment_meta", "log_meta_before", "log_meta_after", "meta_window",
    "meta_prev2", "meta_prev1", "meta_next1", "meta_next2",
)
# Lines that frame user comments: "Posted by: tj at October 29, 2012 06:10 PM",
# "3 hours ago", "Reply", "12 comments", "Jane says:".  Anchored to whole lines
# where a phrase alone would also occur in stories.
_COMMENT_START_FORMS = (
    r"posted by|reply\b|report(?: abuse)?$|permalink|share this comment|"
    r"\d+ (?:replies|comments?|responses)\b|comments? \(\d+\)|leave a (?:comment|reply)|"
    r"log in to (?:reply|comment)|add (?:a |your )?comment|comments?$|\d+ (?:points?|likes?)\b")
_COMMENT_START = rf"^(?:{_COMMENT_START_FORMS})"
_COMMENT_INLINE = (
    r"\b(?:says|wrote)[ \t]*:?[ \t]*$"
    r"|\b\d+[ \t]+(?:minutes?|hours?|days?|weeks?|months?|years?)[ \t]+ago\b"
    r"|\bat \d{1,2}:\d{2}[ \t]*(?:[ap]\.?m\.?)?\b.{0,10}$")
_COMMENT_META_RE = re.compile(f"{_COMMENT_START}|{_COMMENT_INLINE}", re.IGNORECASE | re.MULTILINE)
# The framing lines that speak of a commenter or of replying, not only of a time: "Updated
# at 10:10 am" lines also punctuate live blogs, whose entries are the story.
_COMMENT_VOICE_RE = re.compile(rf"{_COMMENT_START}|\b(?:says|wrote)[ \t]*:?[ \t]*$",
                               re.IGNORECASE | re.MULTILINE)
FRAMING_TIME, FRAMING_VOICE = 1, 2
# More lines that speak of a commenter, a reply or the comment form ("Comment #8 - Posted
# by:", "by jdoe (1234) writes:", "Re: (Score:2)", "Jacob | May 9, 2012 | Reply", "Name
# (required)").  Only the thread rule sees them: given to the role model's features as
# well, they lowered the leave-one-dataset-out mean (0.8395 against 0.8430).
_THREAD_START_FORMS = (
    r"comment #\d+\b|flag as inappropriate|rate this comment|report comment$|"
    r"log ?in to (?:reply|comment|post)|post a comment|link to this comment|"
    r"responses? \(\d+\)|\d+ of \d+ comments\b|"
    r"name \(required\)|e-?mail \((?:will not be published|required)|"
    r"(?:this is only a preview\. )?your comment\b")
_THREAD_START = rf"^(?:{_THREAD_START_FORMS})"
_THREAD_INLINE = r"\bwrites[ \t]*:[ \t]*$|\(score:-?[0-5](?:,[ \t]*\w+)?\)|\|[ \t]*reply[ \t]*$"
_THREAD_INLINE_RE = re.compile(_THREAD_INLINE, re.IGNORECASE | re.MULTILINE)
# Both sets of line-start forms in one pass (named groups would make it three times as slow);
# each match is then matched again against the first set.
_LINE_START_RE = re.compile(rf"^(?:{_COMMENT_START_FORMS}|{_THREAD_START_FORMS})",
                            re.IGNORECASE | re.MULTILINE)
_COMMENT_START_RE = re.compile(_COMMENT_START, re.IGNORECASE | re.MULTILINE)
_COMMENT_INLINE_RE = re.compile(_COMMENT_INLINE, re.IGNORECASE | re.MULTILINE)
# Every match of an in-line branch holds one of these pieces once lowercased ("ſ" is
# the one letter that case-insensitive matching equates with "s" and lower() keeps; "ı"
# and "İ", lowered to "i" and U+0307, are the two it equates with "i").
# Scanning all text for them is fast; the slow case-insensitive search then runs
# only on the few blocks that hold one.
# (One pattern each: the regex engine finds a lone literal far faster than an alternation.)
# The time of day's hint is a digit, a colon and a digit (as ``\d:\d``), written to start
# with the colon: a pattern that starts with a literal is searched for 15 times as fast.
_COMMENT_HINTS = ("ays", "rote", "ſ", "ago", r":(?=\d)(?<=\d:)")
_THREAD_HINTS = ("rites", "score:", "reply", "ſ", "ı", "\u0307")
_HINT_RES = {p: re.compile(p) for p in dict.fromkeys(_COMMENT_HINTS + _THREAD_HINTS)}
SECTION_WINDOW = 5


def comment_lines(texts: Sequence[str], lowered: Sequence[str] | None = None,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The comment-framing lines among the blocks, found in one scan.

    Returns ``meta``, whether a block matches ``_COMMENT_META_RE`` (what the role
    model's section features count), and ``framing``, what the thread rule reads: 0 no
    framing line, FRAMING_TIME a time stamp only ("March 4, 2021 at 9:15 am", "3 hours
    ago"), FRAMING_VOICE a commenter, a reply or the comment form (``_COMMENT_VOICE_RE``,
    ``_THREAD_START``, ``_THREAD_INLINE``).  Equal to searching every block with those
    patterns, three times as fast: the line-start branches are matched once at each
    line's start, the in-line ones searched for only in blocks holding one of their hints.  ``lowered`` is
    ``[t.lower() for t in texts]``, when the caller already has it.
    """
    n = len(texts)
    meta, thread = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if n == 0:
        return meta, np.zeros(0, dtype=np.int8)
    # The line-start forms are matched at each line's start, not searched for over the
    # joined text (0.7 times the time); a block is one line but for a caller's own blocks.
    line_start, comment_start = _LINE_START_RE.match, _COMMENT_START_RE.match
    for i, text in enumerate(texts):
        for line in text.split("\n") if "\n" in text else (text,):
            if line_start(line) is not None:
                # A line of the first set is a voice line, whichever else it matches.
                if comment_start(line) is not None:
                    meta[i] = True
                else:
                    thread[i] = True
    lowered = list(map(str.lower, texts)) if lowered is None else lowered
    joined, lower_starts = "\n".join(lowered), starts_of(lowered)
    hint_hits = {p: regex_hits(r, joined, lower_starts, n) for p, r in _HINT_RES.items()}

    def hinted(hints: tuple[str, ...], found_already: np.ndarray) -> list[int]:
        out = np.zeros(n, dtype=bool)
        for p in hints:
            out |= hint_hits[p]
        return np.flatnonzero(out & ~found_already).tolist()

    framing = np.where(meta, FRAMING_VOICE, 0).astype(np.int8)  # line-start forms are voice lines
    search = _COMMENT_INLINE_RE.search  # the line-start branches have had their say above
    voice = _COMMENT_VOICE_RE.search
    for i in hinted(_COMMENT_HINTS, meta):
        if search(texts[i]) is not None:
            meta[i] = True
            framing[i] = FRAMING_VOICE if voice(texts[i]) is not None else FRAMING_TIME
    search = _THREAD_INLINE_RE.search
    for i in hinted(_THREAD_HINTS, thread):
        thread[i] = search(texts[i]) is not None
    framing[thread] = FRAMING_VOICE
    return meta, framing


def section_features(meta: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """Where a block sits among comment-framing lines (see SECTION_NAMES).

    The words of a user comment look like the story's; what gives a comment
    away is its surroundings: a run of them after the story, each under a
    "Posted by ... at 5:10 PM" or "3 hours ago" line.
    """
    n = len(doc)
    if n == 0:
        return np.zeros((0, len(SECTION_NAMES)), dtype=np.float32)
    m = meta.astype(np.int64)
    bounds = doc_bounds(doc)
    before_all = np.cumsum(m) - m  # integers: exact, so a block's value ignores its batch
    before = before_all - before_all[bounds[0]]
    after = np.bincount(doc, weights=m).astype(np.int64)[doc] - before - m
    flags = meta.astype(np.float32)
    window = shifted(flags, range(-SECTION_WINDOW, SECTION_WINDOW + 1), doc, 0.0, bounds).sum(axis=1)
    near = shifted(flags, NEIGHBOUR_OFFSETS, doc, 0.0, bounds)
    return np.column_stack([meta, np.log1p(before), np.log1p(after),
                            window / (2 * SECTION_WINDOW + 1), near]).astype(np.float32)
