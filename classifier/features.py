"""Blocks to numbers: TF-IDF rows plus shallow text and position features.

Shallow features are computed for a whole batch at once, with numpy over the
blocks' joined characters and compiled regexes over the joined text, never a
Python loop over characters: the prototype spent as long on them as on the
TF-IDF transform.  Stopword density comes for free from the count matrix the
TF-IDF is built on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from classifier.counting import NgramCounter

__all__ = ["BlockBatch", "Featurizer", "concat_batches", "doc_index", "position_features",
           "shallow_features", "take_blocks"]

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
SCALE_FLOOR = 0.05
WORD_BINS = np.array([2, 5, 10, 20, 40], dtype=np.float32)

SHALLOW_NAMES = (
    "log_chars", "log_words", "word_len", "digit_share", "upper_share", "punct_share",
    "cap_word_share", "ends_sentence", "ends_ellipsis", "ends_colon", "separators",
    "legal", "link", "commas_per_word", "starts_bullet", "starts_quote", "log_sentences",
)
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
_COMMENT_HINTS = ("ays", "rote", "ſ", "ago", r"\d:\d")
_THREAD_HINTS = ("rites", "score:", "reply", "ſ", "ı", "\u0307")
_HINT_RES = {p: re.compile(p) for p in dict.fromkeys(_COMMENT_HINTS + _THREAD_HINTS)}
SECTION_WINDOW = 5
POSITION_NAMES = (
    "rel_pos", "log_before", "log_after", "log_doc_blocks", "chars_before_share",
    "chars_share_of_max", "is_first", "is_last",
)


@dataclass
class BlockBatch:
    """Blocks of one or more documents, featurized.

    ``doc`` gives each block's document number (0..n_docs-1, non-decreasing)
    and ``pos`` its index inside its document; the context stages use them to
    keep neighbour features from crossing document boundaries.
    """

    tfidf: sp.csr_matrix
    dense: np.ndarray
    doc: np.ndarray
    pos: np.ndarray
    n_words: np.ndarray
    framing: np.ndarray | None = None  # from comment_lines; None when not scanned for

    def __len__(self) -> int:
        return self.dense.shape[0]


def doc_index(lengths: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Document number and position-in-document of every block, from document lengths."""
    lengths = np.asarray(lengths, dtype=np.int64)
    doc = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    pos = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    return doc, pos


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
    return table


F_DIGIT, F_UPPER, F_PUNCT, F_SEPARATOR, F_STOP, F_COMMA, F_END, F_BULLET, F_QUOTE, F_SPACE = (
    1 << i for i in range(10))
_DIGITS = "0123456789"
_SEPARATORS = "|»›·•/>«‹"
_TABLE: np.ndarray | None = None


def _flags(codes: np.ndarray) -> np.ndarray:
    global _TABLE
    if _TABLE is None:
        _TABLE = _char_table()
    return _TABLE[np.minimum(codes, 65535)] * (codes < 65536)


def shallow_features(texts: Sequence[str], lowered: Sequence[str] | None = None) -> np.ndarray:
    """Per-block shallow features (see SHALLOW_NAMES), float32 of shape (n, 17).

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
    parts = [_shallow(texts[a:b], lowered[a:b]) for a, b in zip(cuts, cuts[1:]) if b > a]
    return np.vstack(parts) if len(parts) != 1 else parts[0]


SHALLOW_CHUNK_CHARS = 1 << 20


def _shallow(texts: Sequence[str], lowered: Sequence[str]) -> np.ndarray:
    n = len(texts)
    joined = "\n".join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    starts = _starts(texts)
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
    sentence_break[np.maximum(ends - 1, 0)] = False  # a block's last stop is counted below

    # Per-block counts of eight character classes, from one cumulative sum.
    marks = np.empty((8, len(codes) + 1), dtype=np.int32)
    marks[:, 0] = 0
    for j, row in enumerate((word_start, (flags & F_DIGIT) > 0, upper, (flags & F_PUNCT) > 0,
                             word_start & upper, (flags & F_SEPARATOR) > 0,
                             (flags & F_COMMA) > 0, sentence_break)):
        marks[j, 1:] = row
    np.cumsum(marks, axis=1, out=marks)
    words, digits, uppers, puncts, cap_words, separators, commas, breaks = (
        (marks[:, ends] - marks[:, starts]).astype(np.float32))

    n_chars = np.maximum(lengths, 1).astype(np.float32)
    n_words = np.maximum(words, 1)
    last = flags[np.maximum(ends - 1, 0)]
    first = flags[np.minimum(starts, len(flags) - 1)]
    last_code = codes[np.maximum(ends - 1, 0)]
    prev_code = codes[np.maximum(ends - 2, 0)]
    ellipsis = (last_code == ord("…")) | ((last_code == ord(".")) & (prev_code == ord("."))
                                          & (lengths >= 2))
    joined_lower, lower_starts = "\n".join(lowered), _starts(lowered)
    legal = _regex_hits(_LEGAL_HINT_RE, joined_lower, lower_starts, n)
    if any(ch in joined_lower for ch in _LEGAL_ODD):
        legal |= _regex_hits(_LEGAL_ODD_RE, joined_lower, lower_starts, n)
    search = _LEGAL_RE.search
    for i in np.flatnonzero(legal).tolist():
        legal[i] = search(texts[i]) is not None
    link = _regex_hits(_LINK_RE, joined, starts, n)
    sentences = breaks + ((last & F_STOP) > 0)
    out = np.column_stack([
        np.log1p(lengths),
        np.log1p(words),
        np.minimum((n_chars - words + 1) / n_words, 20.0),
        digits / n_chars,
        uppers / n_chars,
        puncts / n_chars,
        cap_words / n_words,
        (last & F_END) > 0,
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


def _regex_hits(pattern: re.Pattern, joined: str, starts: np.ndarray, n: int) -> np.ndarray:
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


def comment_lines(texts: Sequence[str], lowered: Sequence[str] | None = None,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The comment-framing lines among the blocks, found in one scan.

    Returns ``meta``, whether a block matches ``_COMMENT_META_RE`` (what the role
    model's section features count), and ``framing``, what the thread rule reads: 0 no
    framing line, FRAMING_TIME a time stamp only ("March 4, 2021 at 9:15 am", "3 hours
    ago"), FRAMING_VOICE a commenter, a reply or the comment form (``_COMMENT_VOICE_RE``,
    ``_THREAD_START``, ``_THREAD_INLINE``).  Equal to searching every block with those
    patterns, three times as fast: the line-start branches run once over the joined
    blocks, the in-line ones only on blocks holding one of their hints.  ``lowered`` is
    ``[t.lower() for t in texts]``, when the caller already has it.
    """
    n = len(texts)
    meta, thread = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if n == 0:
        return meta, np.zeros(0, dtype=np.int8)
    joined = "\n".join(texts)
    at = [m.start() for m in _LINE_START_RE.finditer(joined)]
    if at:
        block = np.searchsorted(_starts(texts), at, side="right") - 1
        # A line of the first set is a voice line, whichever else it matches.
        first = np.array([_COMMENT_START_RE.match(joined, i) is not None for i in at])
        meta[block[first]] = True
        thread[block[~first]] = True
    lowered = list(map(str.lower, texts)) if lowered is None else lowered
    joined, lower_starts = "\n".join(lowered), _starts(lowered)
    hint_hits = {p: _regex_hits(r, joined, lower_starts, n) for p, r in _HINT_RES.items()}

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


def _starts(texts: Sequence[str]) -> np.ndarray:
    """Offsets of each text in the texts joined with newlines."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])


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


def doc_bounds(doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First row and one past the last row of each block's document.

    Documents must be runs of rows with ascending numbers, as in every BlockBatch.
    """
    counts = np.bincount(doc)
    start = (np.cumsum(counts) - counts)[doc]
    return start, start + counts[doc]


def shifted(values: np.ndarray, offsets: Sequence[int], doc: np.ndarray, fill: float,
            bounds: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The values of the blocks ``k`` rows later (k > 0) or earlier (k < 0) in the same
    document, ``fill`` past its ends: shape (n, len(offsets), *values.shape[1:])."""
    start, end = doc_bounds(doc) if bounds is None else bounds
    at = np.arange(len(values))[:, None] + np.asarray(offsets, dtype=np.int64)[None, :]
    inside = (at >= start[:, None]) & (at < end[:, None])
    taken = values[np.clip(at, 0, max(len(values) - 1, 0))] if len(values) else (
        np.zeros(at.shape + values.shape[1:], values.dtype))
    inside = inside.reshape(inside.shape + (1,) * (values.ndim - 1))
    return np.where(inside, taken, np.asarray(fill, dtype=values.dtype))


# Shallow columns whose neighbours' values help the first pass.
NEIGHBOUR_COLUMNS = (1, 6, 7, 8, 10, 13)
NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)


def neighbour_features(base: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """For each offset: the neighbour's NEIGHBOUR_COLUMNS, then 1 if that neighbour exists."""
    with_exists = np.hstack([base[:, NEIGHBOUR_COLUMNS], np.ones((len(doc), 1), np.float32)])
    return shifted(with_exists, NEIGHBOUR_OFFSETS, doc, 0.0).reshape(
        len(doc), len(NEIGHBOUR_OFFSETS) * with_exists.shape[1])


class Featurizer(TransformerMixin, BaseEstimator):
    """Documents (lists of block texts) to a :class:`BlockBatch`.

    One vocabulary serves every head (role, teaser, topic) so that a block is
    tokenized once: the transform is the dominant cost of the whole model.
    """

    def __init__(self, *, ngram_range: tuple[int, int] = (1, 2), min_df: int = 3,
                 max_features: int | None = 200_000, comment_features: bool = False) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.comment_features = comment_features

    def fit(self, docs: Sequence[Sequence[str]], y=None) -> Featurizer:
        """Learn the vocabulary, IDF weights and feature scaling from documents of blocks."""
        for cache in ("_fast_counter", "_stop_mask"):  # derived from a previous fit
            self.__dict__.pop(cache, None)
        texts = [t for d in docs for t in d]
        self.counter_ = CountVectorizer(
            ngram_range=tuple(self.ngram_range), min_df=self.min_df,
            max_features=self.max_features, dtype=np.float32,
        )
        counts = self.counter_.fit_transform(texts)
        self.idf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        vocab = self.counter_.vocabulary_
        self.stop_columns_ = np.array(sorted(vocab[w] for w in ENGLISH_STOP_WORDS if w in vocab))
        base, _, _ = self._dense(texts, counts, *doc_index([len(d) for d in docs]))
        self.mean_ = base.mean(axis=0)
        # Floored: a feature nearly constant in the fitting text (comment lines are rare
        # in news) would otherwise turn its first nonzero value into a z-score of 1e6.
        self.scale_ = np.maximum(base.std(axis=0), SCALE_FLOOR)
        return self

    def transform(self, docs: Sequence[Sequence[str]]) -> BlockBatch:
        texts = [t for d in docs for t in d]
        doc, pos = doc_index([len(d) for d in docs])
        lowered = [t.lower() for t in texts]  # shared by the counter and the comment scan
        counts = self.count(texts, lowered)
        tfidf = self._weigh(counts) if texts else counts
        dense, n_words, framing = self._dense(texts, counts, doc, pos, lowered)
        dense = (dense - self.mean_) / self.scale_
        return BlockBatch(tfidf=tfidf.tocsr(), dense=dense.astype(np.float32), doc=doc, pos=pos,
                          n_words=n_words, framing=framing)

    def count(self, texts: Sequence[str], lowered: Sequence[str] | None = None) -> sp.csr_matrix:
        """The n-gram count matrix of blocks (what ``counter_.transform`` gives, faster)."""
        if not texts:
            return sp.csr_matrix((0, len(self.counter_.vocabulary_)), dtype=np.float32)
        fast = self.__dict__.get("_fast_counter")
        if fast is None:
            # Built on first use and never pickled: it is derived from ``counter_``.
            fast = (NgramCounter(self.counter_.vocabulary_, dtype=self.counter_.dtype)
                    if NgramCounter.supports(self.counter_) else False)
            self._fast_counter = fast
        return fast.transform(texts, lowered) if fast else self.counter_.transform(texts)

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """``idf_.transform(counts)`` (sublinear tf, idf, L2 rows) without its input checks,
        which cost more than the arithmetic on one short document."""
        out = counts.astype(np.float32, copy=True)
        np.log(out.data, out=out.data)
        out.data += 1
        out.data *= self.idf_.idf_[out.indices]
        inplace_csr_row_normalize_l2(out)
        return out

    def _stop_counts(self, counts: sp.csr_matrix) -> np.ndarray:
        """Stopword tokens per block: ``counts[:, stop_columns_].sum(axis=1)``, without the
        column indexing that cost more than the rest of the dense features."""
        is_stop = self.__dict__.get("_stop_mask")
        if is_stop is None:
            is_stop = np.zeros(counts.shape[1], dtype=counts.dtype)
            is_stop[self.stop_columns_] = 1
            self._stop_mask = is_stop
        # Counts are whole numbers, so the running sum is exact.
        running = np.concatenate([[0.0], np.cumsum(counts.data * is_stop[counts.indices],
                                                   dtype=np.float64)])
        return (running[counts.indptr[1:]] - running[counts.indptr[:-1]]).astype(counts.dtype)

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: the object being saved keeps its caches
        state.pop("_fast_counter", None)
        state.pop("_stop_mask", None)
        return state

    def _dense(self, texts, counts, doc, pos, lowered=None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        base = shallow_features(texts, lowered)
        n_words = np.maximum(np.expm1(base[:, 1]), 1)
        stops = self._stop_counts(counts)
        stop_share = np.minimum(stops / n_words, 1.0)[:, None].astype(np.float32)
        bins = (n_words[:, None] > WORD_BINS[None, :]).astype(np.float32)
        with_stop = np.hstack([base, stop_share])
        parts = [with_stop, bins, position_features(doc, pos, base[:, 0]),
                 neighbour_features(with_stop, doc)]
        framing = None
        if getattr(self, "comment_features", False):  # models saved before it lack the attribute
            meta, framing = comment_lines(texts, lowered)
            parts.append(section_features(meta, doc))
        dense = np.hstack(parts).astype(np.float32)
        return dense, np.rint(np.expm1(base[:, 1])).astype(np.int32), framing


def concat_batches(batches: Sequence[BlockBatch]) -> BlockBatch:
    """Join batches of whole documents, renumbering documents to stay distinct."""
    docs, offset = [], 0
    for b in batches:
        docs.append(b.doc + offset)
        offset += int(b.doc.max()) + 1 if len(b) else 0
    return BlockBatch(
        tfidf=sp.vstack([b.tfidf for b in batches], format="csr"),
        dense=np.vstack([b.dense for b in batches]),
        doc=np.concatenate(docs) if docs else np.zeros(0, np.int64),
        pos=np.concatenate([b.pos for b in batches]),
        n_words=np.concatenate([b.n_words for b in batches]),
        framing=(np.concatenate([b.framing for b in batches])
                 if batches and all(b.framing is not None for b in batches) else None),
    )


def take_blocks(batch: BlockBatch, rows: np.ndarray) -> BlockBatch:
    """A subset of blocks (keeping their document numbers and positions)."""
    return BlockBatch(batch.tfidf[rows], batch.dense[rows], batch.doc[rows], batch.pos[rows],
                      batch.n_words[rows], None if batch.framing is None else batch.framing[rows])
