"""Blocks of a batch of documents, featurized, and the index arithmetic over them.

A batch holds the blocks of many documents side by side; ``doc`` numbers each
block's document and ``pos`` its place in it, so that every windowed feature stays
inside its own document and a document's features never depend on its batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from newssift.classifier.language import Language

__all__ = ["BlockBatch", "concat_batches", "doc_bounds", "doc_index", "shifted", "take_blocks"]


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
    # The n-gram counts behind ``tfidf``: an article's topic row is the TF-IDF of its
    # blocks' summed counts, the text as one document (None: pool the rows instead).
    counts: sp.csr_matrix | None = None
    # Each page's language as the featurizer identified it, by the text it read (its
    # longest blocks): the result's language reuses it where it reads the same text.
    languages: dict[str, Language] | None = None

    def __len__(self) -> int:
        return self.dense.shape[0]


def doc_index(lengths: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Document number and position-in-document of every block, from document lengths."""
    lengths = np.asarray(lengths, dtype=np.int64)
    doc = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    pos = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    return doc, pos



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
    # take and minimum/maximum, not indexing and clip: on one page, a third of the time.
    taken = values.take(np.minimum(np.maximum(at, 0), len(values) - 1), axis=0) if len(values) else (
        np.zeros(at.shape + values.shape[1:], values.dtype))
    inside = inside.reshape(inside.shape + (1,) * (values.ndim - 1))
    return np.where(inside, taken, np.asarray(fill, dtype=values.dtype))


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
        counts=(sp.vstack([b.counts for b in batches], format="csr")
                if batches and all(b.counts is not None for b in batches) else None),
    )


def take_blocks(batch: BlockBatch, rows: np.ndarray) -> BlockBatch:
    """A subset of blocks (keeping their document numbers and positions)."""
    return BlockBatch(batch.tfidf[rows], batch.dense[rows], batch.doc[rows], batch.pos[rows],
                      batch.n_words[rows], None if batch.framing is None else batch.framing[rows],
                      None if batch.counts is None else batch.counts[rows])

