"""Shallow per-block features: lengths, character classes, sentence marks, position.

Computed for a whole batch at once, with numpy over the blocks' joined characters
and compiled regexes over the joined text, never a Python loop over characters:
the prototype spent as long on them as on the TF-IDF transform.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from newssift.classifier.batch import shifted

__all__ = ["SHALLOW_NAMES", "CJK_CHARS_PER_WORD", "CJK_PATTERN", "shallow_names",
           "POSITION_NAMES", "NEIGHBOUR_COLUMNS", "NEIGHBOUR_OFFSETS",
           "neighbour_features", "position_features", "regex_hits", "shallow_features",
           "starts_of"]

_LEGAL_RE = re.compile(r"©|\(c\)|copyright|all rights reserved", re.IGNORECASE)
# Hints on lowercased text for _LEGAL_RE (see comment_lines for the idea): its letters
# match three characters case-insensitively that lower() does not turn into them:
# "ı" and "ſ" (kept) and "İ" (which becomes "i" plus U+0307).
_LEGAL_HINT_RE = re.compile(r"©|\(c\)|copyright|all rights reserved")
_LEGAL_ODD = "\u0131\u017f\u0307"
_LEGAL_ODD_RE = re.compile(f"[{_LEGAL_ODD}]")
_LINK_RE = re.compile(r"https?://|www\.|@\w|\.com\b|\.org\b")
_SENTENCE_ENDS = ".!?\"”'’)"
_BULLETS = "-–—•*·>»|#0123456789"
_QUOTES = "\"“'‘«"

SHALLOW_NAMES = (
    "log_chars", "log_words", "word_len", "digit_share", "upper_share", "punct_share",
    "cap_word_share", "ends_sentence", "ends_ellipsis", "ends_colon", "separators",
    "legal", "link", "commas_per_word", "starts_bullet", "starts_quote", "log_sentences",
)
POSITION_NAMES = (
    "rel_pos", "log_before", "log_after", "log_doc_blocks", "chars_before_share",
    "chars_share_of_max", "is_first", "is_last",
)


def _char_table() -> np.ndarray:
    """One byte of flags per code point below 65536 (rarer characters have no flags)."""
    table = np.zeros(65536, dtype=np.uint16)
    upper = "".join(chr(c) for c in range(65536) if chr(c).isupper())
    for chars, flag in ((_DIGITS, F_DIGIT), (upper, F_UPPER), (".,;:!?", F_PUNCT),
                        (_SEPARATORS, F_SEPARATOR), (".!?", F_STOP), (",", F_COMMA),
                        (_SENTENCE_ENDS, F_END), (_BULLETS, F_BULLET), (_QUOTES, F_QUOTE)):
        for ch in chars:
            table[ord(ch)] |= flag
    for code in range(65536):
        if chr(code).isspace():
            table[code] |= F_SPACE
    for first, last in _CJK_RANGES:
        table[first:last + 1] |= F_CJK
    for chars, flag in ((_CJK_STOPS, F_CJK_STOP), (_CJK_COMMAS, F_CJK_COMMA),
                        (_CJK_CLOSERS, F_CJK_CLOSE)):
        for ch in chars:
            table[ord(ch)] |= flag
    return table


(F_DIGIT, F_UPPER, F_PUNCT, F_SEPARATOR, F_STOP, F_COMMA, F_END, F_BULLET, F_QUOTE, F_SPACE,
 F_CJK, F_CJK_STOP, F_CJK_COMMA, F_CJK_CLOSE) = (1 << i for i in range(14))
# Scripts written without spaces between words: Han ideographs and the Japanese kana (one
# definition for every module that counts them).
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
CJK_PATTERN = "[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _CJK_RANGES) + "]"
_CJK_STOPS = "。！？．"
_CJK_COMMAS = "，、；："
_CJK_CLOSERS = "」』）】"
# In language-independent units (``shallow_features(..., units=True)``) a run of CJK
# characters counts as this many characters a word: Chinese words average 1.5 to 2
# characters; the figure makes a CJK paragraph about as long, in words, as its translation.
CJK_CHARS_PER_WORD = 1.7
_DIGITS = "0123456789"
_SEPARATORS = "|»›·•/>«‹"
_TABLE: np.ndarray | None = None


def _flags(codes: np.ndarray) -> np.ndarray:
    global _TABLE
    if _TABLE is None:
        _TABLE = _char_table()
    return _TABLE[np.minimum(codes, 65535)] * (codes < 65536)


def shallow_names(units: bool = False) -> tuple[str, ...]:
    """SHALLOW_NAMES, or with ``units`` the names of the columns that language-independent
    units change (see :func:`shallow_features`)."""
    return tuple(_UNIT_NAMES.get(n, n) for n in SHALLOW_NAMES) if units else SHALLOW_NAMES


_UNIT_NAMES = {"log_words": "log_units", "word_len": "unit_len", "punct_share": "punct_share_cjk",
               "cap_word_share": "cap_unit_share", "ends_sentence": "ends_sentence_cjk",
               "commas_per_word": "commas_per_unit", "log_sentences": "log_sentences_cjk"}


def shallow_features(texts: Sequence[str], lowered: Sequence[str] | None = None,
                     units: bool = False) -> np.ndarray:
    """Per-block shallow features (see SHALLOW_NAMES), float32 of shape (n, 17).

    With ``units``, lengths hold across scripts: a run of Chinese or Japanese characters
    counts ``1 / CJK_CHARS_PER_WORD`` of a word a character (it is one "word" between
    spaces otherwise), and the ideographic full stop, comma and closing brackets count as
    their Latin counterparts.  A CJK paragraph then reads as long and as sentence-like as
    it is, instead of as one long word (:func:`shallow_names` names the changed columns).

    All blocks are joined into one string and classified character by character
    with numpy (a lookup table of flags, then per-block sums from one cumulative
    count of every flag); the regexes run once over the joined text.  No Python
    loop touches a character or a word.  ``lowered`` is ``[t.lower() for t in
    texts]``, when the caller already has it.  Large inputs go in slices of about
    ``SHALLOW_CHUNK_CHARS`` characters, which bounds the working memory.
    """
    if len(texts) == 0:
        return np.zeros((0, len(SHALLOW_NAMES)), dtype=np.float32)
    lowered = list(map(str.lower, texts)) if lowered is None else lowered
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    cuts = [0, *np.searchsorted(ends, np.arange(SHALLOW_CHUNK_CHARS, ends[-1],
                                                SHALLOW_CHUNK_CHARS)).tolist(), len(texts)]
    parts = [_shallow(texts[a:b], lowered[a:b], units) for a, b in zip(cuts, cuts[1:]) if b > a]
    return np.vstack(parts) if len(parts) != 1 else parts[0]


SHALLOW_CHUNK_CHARS = 1 << 20


def _shallow(texts: Sequence[str], lowered: Sequence[str], units: bool = False) -> np.ndarray:
    n = len(texts)
    joined = "\n".join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    starts = starts_of(texts)
    ends = starts + lengths
    # A closing newline: every index below stays inside, even for empty blocks.
    codes = np.frombuffer((joined + "\n").encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    flags = _flags(codes)
    space = (flags & F_SPACE) > 0
    upper = (flags & F_UPPER) > 0
    prev_space = np.concatenate([[True], space[:-1]])
    word_start = ~space & prev_space
    next2_upper = np.concatenate([upper[2:], np.zeros(min(2, len(upper)), dtype=bool)])
    next_space = np.concatenate([space[1:], [True]])
    sentence_break = ((flags & F_STOP) > 0) & next_space & next2_upper
    stop_flag, end_flag, punct, comma = F_STOP, F_END, (flags & F_PUNCT) > 0, (flags & F_COMMA) > 0
    if units:  # an ideographic full stop ends a sentence whatever follows it
        sentence_break |= (flags & F_CJK_STOP) > 0
        punct |= (flags & (F_CJK_STOP | F_CJK_COMMA)) > 0
        comma |= (flags & F_CJK_COMMA) > 0
        stop_flag, end_flag = F_STOP | F_CJK_STOP, F_END | F_CJK_STOP | F_CJK_CLOSE
    sentence_break[np.maximum(ends - 1, 0)] = False  # a block's last stop is counted below

    # Per-block counts of eight character classes (nine with units), from one cumulative sum.
    rows = [word_start, (flags & F_DIGIT) > 0, upper, punct, word_start & upper,
            (flags & F_SEPARATOR) > 0, comma, sentence_break]
    cjk = (flags & F_CJK) > 0 if units else None
    if cjk is not None and cjk.any():  # most batches have none: no ninth and tenth count
        rows += [cjk, word_start & cjk]
    marks = np.empty((len(rows), len(codes) + 1), dtype=np.int32)
    marks[:, 0] = 0
    for j, row in enumerate(rows):
        marks[j, 1:] = row
    np.cumsum(marks, axis=1, out=marks)
    counted = (marks[:, ends] - marks[:, starts]).astype(np.float32)
    words, digits, uppers, puncts, cap_words, separators, commas, breaks = counted[:8]
    if len(counted) > 8:  # a run of CJK characters is k / CJK_CHARS_PER_WORD words, not one
        words = words - counted[9] + counted[8] / CJK_CHARS_PER_WORD

    n_chars = np.maximum(lengths, 1).astype(np.float32)
    n_words = np.maximum(words, 1)
    last = flags[np.maximum(ends - 1, 0)]
    first = flags[np.minimum(starts, len(flags) - 1)]
    last_code = codes[np.maximum(ends - 1, 0)]
    prev_code = codes[np.maximum(ends - 2, 0)]
    ellipsis = (last_code == ord("…")) | ((last_code == ord(".")) & (prev_code == ord("."))
                                          & (lengths >= 2))
    joined_lower, lower_starts = "\n".join(lowered), starts_of(lowered)
    legal = regex_hits(_LEGAL_HINT_RE, joined_lower, lower_starts, n)
    if any(ch in joined_lower for ch in _LEGAL_ODD):
        legal |= regex_hits(_LEGAL_ODD_RE, joined_lower, lower_starts, n)
    search = _LEGAL_RE.search
    for i in np.flatnonzero(legal).tolist():
        legal[i] = search(texts[i]) is not None
    link = regex_hits(_LINK_RE, joined, starts, n)
    sentences = breaks + ((last & stop_flag) > 0)
    out = np.column_stack([
        np.log1p(lengths),
        np.log1p(words),
        np.minimum((n_chars - words + 1) / n_words, 20.0),
        digits / n_chars,
        uppers / n_chars,
        puncts / n_chars,
        cap_words / n_words,
        (last & end_flag) > 0,
        ellipsis,
        last_code == ord(":"),
        separators > 0,
        legal,
        link,
        commas / n_words,
        (first & F_BULLET) > 0,
        (first & F_QUOTE) > 0,
        np.log1p(sentences),
    ]).astype(np.float32)
    return out


def regex_hits(pattern: re.Pattern, joined: str, starts: np.ndarray, n: int) -> np.ndarray:
    """Which blocks hold a match of ``pattern`` (one pass over the joined text)."""
    hits = np.zeros(n, dtype=bool)
    positions = [m.start() for m in pattern.finditer(joined)]
    if positions:
        hits[np.searchsorted(starts, positions, side="right") - 1] = True
    return hits


def position_features(doc: np.ndarray, pos: np.ndarray, log_chars: np.ndarray) -> np.ndarray:
    """Where each block sits in its document (see POSITION_NAMES)."""
    n = len(doc)
    if n == 0:
        return np.zeros((0, len(POSITION_NAMES)), dtype=np.float32)
    counts = np.bincount(doc)
    size = counts[doc]
    # Whole numbers: the batch-wide cumulative sums below stay exact.
    chars = np.rint(np.expm1(log_chars.astype(np.float64)))
    csum = np.cumsum(chars) - chars
    doc_start = np.cumsum(counts) - counts
    before = csum - csum[doc_start][doc]
    total = np.bincount(doc, weights=chars)[doc]
    nonempty = counts > 0
    doc_max = np.maximum.reduceat(chars, doc_start[nonempty])
    max_chars = doc_max[(np.cumsum(nonempty) - 1)[doc]]
    out = np.empty((n, len(POSITION_NAMES)), dtype=np.float32)
    out[:, 0] = pos / np.maximum(size - 1, 1)
    out[:, 1] = np.log1p(pos)
    out[:, 2] = np.log1p(size - 1 - pos)
    out[:, 3] = np.log1p(size)
    out[:, 4] = before / np.maximum(total, 1)
    out[:, 5] = chars / np.maximum(max_chars, 1)
    out[:, 6] = pos == 0
    out[:, 7] = pos == size - 1
    return out


def starts_of(texts: Sequence[str]) -> np.ndarray:
    """Offsets of each text in the texts joined with newlines."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])


# Shallow columns whose neighbours' values help the first pass.
NEIGHBOUR_COLUMNS = (1, 6, 7, 8, 10, 13)
NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)


def neighbour_features(base: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """For each offset: the neighbour's NEIGHBOUR_COLUMNS, then 1 if that neighbour exists."""
    with_exists = np.hstack([base[:, NEIGHBOUR_COLUMNS], np.ones((len(doc), 1), np.float32)])
    return shifted(with_exists, NEIGHBOUR_OFFSETS, doc, 0.0).reshape(
        len(doc), len(NEIGHBOUR_OFFSETS) * with_exists.shape[1])
