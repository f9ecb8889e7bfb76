"""Blocks to numbers: the fitted featurizer, TF-IDF rows plus the dense block features.

One vocabulary serves every head (role, teaser, topic), so a block is tokenized
once: the transform is the dominant cost of the whole model.  The dense part is
assembled here from the pure functions of :mod:`~newssift.classifier.shallow`
(lengths, character classes, position, neighbours) and
:mod:`~newssift.classifier.comments` (comment framing), and standardised with the
mean and scale learned at fit.  Stopword density comes for free from the count
matrix the TF-IDF is built on.

A fitted featurizer is arrays only (vocabulary, IDF, scaling); scikit-learn's
``CountVectorizer`` is used to learn the vocabulary and never kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from newssift.classifier.arrays import part, prefixed
from newssift.classifier.batch import BlockBatch, doc_index
from newssift.classifier.comments import SECTION_NAMES, comment_lines, section_features
from newssift.classifier.counting import NgramCounter, decode_terms, encode_terms
from newssift.classifier.defaults import COMMENT_FEATURES, MAX_FEATURES, MIN_DF, NGRAM_MAX
from newssift.classifier.pooling import normalize_data
from newssift.classifier.shallow import (
    NEIGHBOUR_COLUMNS,
    NEIGHBOUR_OFFSETS,
    POSITION_NAMES,
    SHALLOW_NAMES,
    neighbour_features,
    position_features,
    shallow_features,
    shallow_names,
)
from newssift.classifier.stoplists import Stoplists, page_stop_counts

if TYPE_CHECKING:
    from newssift.classifier.language import Language

__all__ = ["Featurizer", "dense_names", "normalize_data", "normalize_rows", "shape_of",
           "SCALE_FLOOR", "WORD_BINS", "SHAPE_COLUMNS"]

SCALE_FLOOR = 0.05
WORD_BINS = np.array([2, 5, 10, 20, 40], dtype=np.float32)
# The first dense columns, a text's form: its shallow features and its stopword share.
SHAPE_COLUMNS = len(SHALLOW_NAMES) + 1


def dense_names(comment_features: bool = COMMENT_FEATURES,
                language_features: bool = False) -> list[str]:
    """The name of every dense column, in the order ``Featurizer`` builds them.

    A model's weights and trees are fitted to these columns: a saved model records them
    (:mod:`~newssift.classifier.persist`), so that one fitted to other columns is refused
    rather than read wrong.  Change a column and this list changes with it."""
    shallow = shallow_names(language_features)
    stop, words = ("stop_share_lang", "units") if language_features else ("stop_share", "words")
    neighbours = [f"{name}@{k:+d}" for k in NEIGHBOUR_OFFSETS
                  for name in [*(shallow[c] for c in NEIGHBOUR_COLUMNS), "exists"]]
    return [*shallow, stop, *(f"{words}>{int(b)}" for b in WORD_BINS),
            *(("stop_share_vs_page",) if language_features else ()), *POSITION_NAMES,
            *neighbours, *(SECTION_NAMES if comment_features else ())]


def _against_page(stops: np.ndarray, n_words: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """Each block's stopword share less its page's (all its blocks' stopwords over all their
    words): how story-like a block reads by the page's own measure, whatever the size of
    its language's list."""
    if not len(doc):
        return np.zeros((0, 1), dtype=np.float32)
    page = np.bincount(doc, weights=stops) / np.maximum(np.bincount(doc, weights=n_words), 1)
    return (np.minimum(stops / n_words, 1.0) - page[doc])[:, None].astype(np.float32)


def shape_of(batch: BlockBatch) -> np.ndarray:
    """Each block's form (standardised), what the topic gate reads beside its words."""
    return batch.dense[:, :SHAPE_COLUMNS]


def normalize_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """Scale every non-empty row of ``x`` to unit L2 norm, in place (and return it).

    scikit-learn's ``normalize`` checks its input at a cost larger than the arithmetic
    on one short document, and importing it costs more than labelling one."""
    normalize_data(x.data, x.indptr)
    return x


class Featurizer:
    """Documents (lists of block texts) to a :class:`~newssift.classifier.batch.BlockBatch`."""

    def __init__(self, *, ngram_range: tuple[int, int] = (1, NGRAM_MAX), min_df: int = MIN_DF,
                 max_features: int | None = MAX_FEATURES,
                 comment_features: bool = COMMENT_FEATURES,
                 language_features: bool = False) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.comment_features = comment_features
        # Stopwords counted in each page's own language and lengths in units that hold for
        # scripts without spaces (classifier/stoplists.py, shallow_features(units=True)).
        # False for models saved before it, whose columns are counted the English way.
        self.language_features = language_features

    def get_params(self) -> dict:
        return {"ngram_range": list(self.ngram_range), "min_df": self.min_df,
                "max_features": self.max_features, "comment_features": self.comment_features,
                "language_features": self.language_features}

    def dense_names(self) -> list[str]:
        """The names of the dense columns this featurizer makes (:func:`dense_names`)."""
        return dense_names(self.comment_features, self.language_features)

    def fit(self, docs: Sequence[Sequence[str]], y=None) -> Featurizer:
        """Learn the vocabulary, IDF weights and feature scaling from documents of blocks."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

        if tuple(self.ngram_range) not in ((1, 1), (1, 2)):
            raise ValueError(f"ngram_range {self.ngram_range}: only (1, 1) and (1, 2) are supported")
        texts = [t for d in docs for t in d]
        vectorizer = CountVectorizer(ngram_range=tuple(self.ngram_range), min_df=self.min_df,
                                     max_features=self.max_features, dtype=np.float32)
        counts = vectorizer.fit_transform(texts)
        vocab = vectorizer.vocabulary_
        self.terms_ = sorted(vocab, key=vocab.__getitem__)
        self.counter_ = NgramCounter(vocab, dtype=np.float32)
        # Sublinear tf, smoothed idf: TfidfTransformer(sublinear_tf=True)'s weights.
        n_docs = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = (np.log((1 + n_docs) / (1 + df)) + 1).astype(np.float32)
        self.stop_columns_ = np.array(sorted(vocab[w] for w in ENGLISH_STOP_WORDS if w in vocab),
                                      dtype=np.int64)
        self._stop_mask = None
        self.stoplists_ = Stoplists.from_justext() if self.language_features else None
        base, *_ = self._dense(texts, counts, *doc_index([len(d) for d in docs]))
        self.mean_ = base.mean(axis=0)
        # Floored: a feature nearly constant in the fitting text (comment lines are rare
        # in news) would otherwise turn its first nonzero value into a z-score of 1e6.
        self.scale_ = np.maximum(base.std(axis=0), SCALE_FLOOR)
        return self

    @property
    def vocabulary_(self) -> dict[str, int]:
        """Term -> column, as ``CountVectorizer.vocabulary_`` (built on first use)."""
        vocab = self.__dict__.get("_vocabulary")
        if vocab is None:
            vocab = self._vocabulary = dict(zip(self.terms, range(len(self.terms))))
        return vocab

    @property
    def terms(self) -> list[str]:
        """The vocabulary in column order."""
        terms = self.__dict__.get("terms_")
        if terms is None:
            terms = self.terms_ = decode_terms(self._terms_bytes)
        return terms

    def transform(self, docs: Sequence[Sequence[str]]) -> BlockBatch:
        texts = [t for d in docs for t in d]
        doc, pos = doc_index([len(d) for d in docs])
        lowered = [t.lower() for t in texts]  # shared by the counter and the comment scan
        counts = self.count(texts, lowered)
        tfidf = self.weigh(counts) if texts else counts
        dense, n_words, framing, languages = self._dense(texts, counts, doc, pos, lowered)
        dense = (dense - self.mean_) / self.scale_
        return BlockBatch(tfidf=tfidf.tocsr(), dense=dense.astype(np.float32), doc=doc, pos=pos,
                          n_words=n_words, framing=framing, counts=counts.tocsr(),
                          languages=languages)

    def pooled_shape(self, batch: BlockBatch, mask: np.ndarray, n_docs: int) -> np.ndarray:
        """The form (``SHAPE_COLUMNS``, standardised) of each document's ``mask`` blocks read
        as one text joined by newlines, as :meth:`transform` gives it for that text, from the
        blocks' own columns: no second pass over the characters.

        Counts add up (characters, words, digits, ...), so the shares are exact (the sentence
        count can differ by a line that ends in a full stop before a lower-case line); the
        ending is the last block's, the start the first's, and a separator, a legal line or
        a link anywhere counts."""
        cols = {name: i for i, name in enumerate(SHALLOW_NAMES)}
        k = SHAPE_COLUMNS
        raw = batch.dense[:, :k].astype(np.float64) * self.scale_[:k] + self.mean_[:k]
        rows = np.flatnonzero(mask)
        doc = batch.doc[rows]
        raw = raw[rows]
        chars = np.expm1(raw[:, cols["log_chars"]])
        words = np.expm1(raw[:, cols["log_words"]])
        if not self.language_features:  # whole words: exact; units of CJK text are not whole
            words = np.rint(words)
        n_chars, n_words = np.maximum(chars, 1), np.maximum(words, 1)

        def total(values: np.ndarray) -> np.ndarray:
            return np.bincount(doc, weights=values, minlength=n_docs)

        blocks = np.bincount(doc, minlength=n_docs)
        d_chars = total(chars) + np.maximum(blocks - 1, 0)  # the joining newlines
        d_words = total(words)
        dn_chars, dn_words = np.maximum(d_chars, 1), np.maximum(d_words, 1)
        at = np.arange(len(rows))
        first = np.full(n_docs, len(rows))
        last = np.full(n_docs, -1)
        np.minimum.at(first, doc, at)
        np.maximum.at(last, doc, at)
        out = np.zeros((n_docs, k))
        out[:, cols["log_chars"]] = np.log1p(d_chars)
        out[:, cols["log_words"]] = np.log1p(d_words)
        out[:, cols["word_len"]] = np.minimum((dn_chars - d_words + 1) / dn_words, 20.0)
        for share in ("digit_share", "upper_share", "punct_share"):
            out[:, cols[share]] = total(raw[:, cols[share]] * n_chars) / dn_chars
        for share in ("cap_word_share", "commas_per_word"):
            out[:, cols[share]] = total(raw[:, cols[share]] * n_words) / dn_words
        for flag in ("separators", "legal", "link"):
            out[:, cols[flag]] = total(raw[:, cols[flag]] > 0.5) > 0
        has = last >= 0
        for name in ("ends_sentence", "ends_ellipsis", "ends_colon"):
            out[has, cols[name]] = raw[last[has], cols[name]]
        for name in ("starts_bullet", "starts_quote"):
            out[has, cols[name]] = raw[first[has], cols[name]]
        out[:, cols["log_sentences"]] = np.log1p(total(np.expm1(raw[:, cols["log_sentences"]])))
        out[:, k - 1] = np.minimum(total(raw[:, k - 1] * n_words) / dn_words, 1.0)
        out[~has] = self.mean_[:k]  # no block: the mean form (standardised to zero)
        return ((out - self.mean_[:k]) / self.scale_[:k]).astype(np.float32)

    def count(self, texts: Sequence[str], lowered: Sequence[str] | None = None) -> sp.csr_matrix:
        """The n-gram count matrix of blocks (what ``CountVectorizer.transform`` gives)."""
        if not texts:
            return sp.csr_matrix((0, self.counter_.n_features), dtype=np.float32)
        return self.counter_.transform(texts, lowered)

    def weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear tf times idf, rows to unit length (``TfidfTransformer(sublinear_tf=True)``)."""
        out = counts.astype(np.float32, copy=True)
        self.weigh_arrays(out.data, out.indices, out.indptr)
        return out

    def weigh_arrays(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray) -> None:
        """:meth:`weigh` on a CSR matrix's arrays of counts, in place."""
        np.log(data, out=data)
        data += 1
        data *= self.idf_[indices]
        normalize_data(data, indptr)

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

    def _dense(self, texts, counts, doc, pos, lowered=None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, dict[str, Language] | None]:
        base = shallow_features(texts, lowered, units=self.language_features)
        n_words = np.maximum(np.expm1(base[:, 1]), 1)
        stops = self._stop_counts(counts)
        languages = self._own_language_stops(texts, doc, stops) if self.language_features else None
        stop_share = np.minimum(stops / n_words, 1.0)[:, None].astype(np.float32)
        bins = (n_words[:, None] > WORD_BINS[None, :]).astype(np.float32)
        with_stop = np.hstack([base, stop_share])
        parts = [with_stop, bins]
        if self.language_features:
            parts.append(_against_page(stops, n_words, doc))
        parts += [position_features(doc, pos, base[:, 0]), neighbour_features(with_stop, doc)]
        framing = None
        if self.comment_features:
            meta, framing = comment_lines(texts, lowered)
            parts.append(section_features(meta, doc))
        dense = np.hstack(parts).astype(np.float32)
        return dense, np.rint(np.expm1(base[:, 1])).astype(np.int32), framing, languages

    def _own_language_stops(self, texts: Sequence[str], doc: np.ndarray,
                            stops: np.ndarray) -> dict[str, Language]:
        """Replace, in place, the English stopword counts of the blocks of every page in
        another language with counts from its own list (a page in a language without one,
        or in none identified, with its most frequent words: ``page_stop_counts``).

        A page's language is identified on its longest blocks (the story's paragraphs, on
        most pages, rather than its English-looking menus).  Returns what was identified,
        by the text read, for the result's language to reuse."""
        from newssift.classifier.language import identify, longest_sample

        if not len(texts):
            return {}
        bounds = np.flatnonzero(np.diff(doc)) + 1
        starts = [0, *bounds.tolist()]
        ends = [*bounds.tolist(), len(texts)]
        samples = [longest_sample(texts[a:b]) for a, b in zip(starts, ends)]
        languages = identify(samples)
        for (a, b), found in zip(zip(starts, ends), languages):
            if found.lang == "en":
                continue
            if found.lang in self.stoplists_:
                stops[a:b] = self.stoplists_.stop_counts(texts[a:b], found.lang)
            else:  # no list for it, or not identified: the page's own frequent words
                stops[a:b] = page_stop_counts(texts[a:b])
        return dict(zip(samples, languages))

    # -- persistence ------------------------------------------------------------------

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        counter_cfg, counter = self.counter_.to_arrays()
        arrays = {"terms": encode_terms(self.terms), "idf": self.idf_,
                  "stop_columns": self.stop_columns_, "mean": self.mean_, "scale": self.scale_}
        arrays.update(prefixed("counter", counter))
        if self.stoplists_ is not None:
            arrays.update(prefixed("stoplists", self.stoplists_.to_arrays()))
        return {"params": self.get_params(), "counter": counter_cfg}, arrays

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray]) -> Featurizer:
        params = dict(config["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        model = cls(**params)
        model._terms_bytes = arrays["terms"]  # decoded only if the vocabulary is asked for
        model.counter_ = NgramCounter.from_arrays(config["counter"], part(arrays, "counter"))
        model.idf_ = arrays["idf"]
        model.stop_columns_ = arrays["stop_columns"]
        model.mean_ = arrays["mean"]
        model.scale_ = arrays["scale"]
        model.stoplists_ = (Stoplists.from_arrays(part(arrays, "stoplists"))
                            if model.language_features else None)
        return model
