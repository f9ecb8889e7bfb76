"""A few documents' article rows in numpy are scipy's sparse sums to the bit: the same
entries in the same order, so that what adds them afterwards adds in the same order."""

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from newssift.classifier.features import normalize_rows
from newssift.classifier.pooling import Rows, article_rows, normalize_data
from newssift.classifier.topic import pool_rows

N_COLS = 50


def same(ours: Rows, theirs: sp.csr_matrix) -> bool:
    """Entry for entry, in order, bit for bit."""
    return (np.array_equal(ours.indptr, theirs.indptr)
            and np.array_equal(ours.indices, theirs.indices)
            and ours.data.tobytes() == theirs.data.astype(ours.data.dtype).tobytes())


@st.composite
def count_batches(draw, one_document=False):
    """Counts of a few documents' blocks (sorted columns, whole numbers), and two masks."""
    lengths = (draw(st.lists(st.integers(0, 12), min_size=1, max_size=1)) if one_document
               else draw(st.lists(st.integers(0, 4), min_size=1, max_size=4)))
    rows = []
    for _ in range(sum(lengths)):
        cols = sorted(draw(st.sets(st.integers(0, N_COLS - 1), max_size=8)))
        rows.append([(c, draw(st.integers(1, 5))) for c in cols])
    indptr = np.cumsum([0] + [len(r) for r in rows])
    counts = sp.csr_matrix((np.array([v for r in rows for _, v in r], dtype=np.float32),
                            np.array([c for r in rows for c, _ in r], dtype=np.int32), indptr),
                           shape=(len(rows), N_COLS))
    doc = np.repeat(np.arange(len(lengths)), lengths)
    masks = [np.array(draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))),
                      dtype=bool) for _ in range(2)]
    return counts, doc, len(lengths), masks


def _weigh(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray) -> None:
    """Sublinear tf times an idf, rows to unit length (``Featurizer.weigh_arrays``'s steps)."""
    np.log(data, out=data)
    data += 1
    data *= (1 + np.arange(N_COLS, dtype=np.float32) / 7)[indices]
    normalize_data(data, indptr)


def _scipy_article_rows(counts, doc, n_docs, use, around) -> sp.csr_matrix:
    """The article rows by scipy's sums (``NewssiftModel._article_rows`` on a corpus chunk)."""
    def weighed(mask):
        x = pool_rows(counts, doc, n_docs, mask, normalize=False).astype(np.float32)
        _weigh(x.data, x.indices, x.indptr)
        return x

    pooled = weighed(use)
    if around.any():
        pooled = normalize_rows((pooled + 0.2 * weighed(around)).tocsr())
    return pooled


@settings(max_examples=400, deadline=None)
@given(st.one_of(count_batches(), count_batches(one_document=True)))
def test_article_rows_are_scipys_sums_weighed(batch):
    """One sort for both sums, weighed together: scipy's rows to the bit, entries in its
    order, with and without the page around the story, sorted or not."""
    counts, doc, n_docs, (use, around) = batch
    for a, b in ((use, around), (use, np.zeros_like(around)), (use & ~around, around)):
        assert same(article_rows(counts, doc, n_docs, a, b, _weigh, 0.2),
                    _scipy_article_rows(counts, doc, n_docs, a, b))
