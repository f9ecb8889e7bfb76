"""A few documents' article rows in numpy are scipy's sparse sums to the bit: the same
entries in the same order, so that what adds them afterwards adds in the same order."""

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from newssift.classifier.features import normalize_rows
from newssift.classifier.pooling import Rows, added_rows, summed_rows
from newssift.classifier.topic import pool_rows

N_COLS = 50


def same(ours: Rows, theirs: sp.csr_matrix) -> bool:
    """Entry for entry, in order, bit for bit."""
    return (np.array_equal(ours.indptr, theirs.indptr)
            and np.array_equal(ours.indices, theirs.indices)
            and ours.data.tobytes() == theirs.data.astype(ours.data.dtype).tobytes())


@st.composite
def count_batches(draw):
    """Counts of a few documents' blocks (sorted columns, whole numbers), and two masks."""
    lengths = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
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


@settings(max_examples=300, deadline=None)
@given(count_batches())
def test_summed_rows_are_scipys_product(batch):
    counts, doc, n_docs, (mask, _) = batch
    assert same(summed_rows(counts, doc, n_docs, mask),
                pool_rows(counts, doc, n_docs, mask, normalize=False))


@settings(max_examples=300, deadline=None)
@given(count_batches(), st.booleans())
def test_added_rows_are_scipys_sum_sorted_or_not(batch, weigh):
    """Rows as a product leaves them (first seen last) take scipy's general sum; rows in
    column order its merge."""
    counts, doc, n_docs, (use, around) = batch
    a = pool_rows(counts, doc, n_docs, use, normalize=False)
    b = pool_rows(counts, doc, n_docs, around, normalize=False)
    if weigh:
        a, b = normalize_rows(a.astype(np.float32)), normalize_rows(b.astype(np.float32))
    for x, y in ((a, b), (a.sorted_indices(), b.sorted_indices())):
        ours = added_rows(Rows(x.data, x.indices, x.indptr, N_COLS),
                          Rows(y.data * 0.2, y.indices, y.indptr, N_COLS))
        assert same(ours, (x + 0.2 * y).tocsr())

