"""A few documents' article rows in numpy, equal to the bit to scipy's sparse arithmetic.

An article's topic row is the TF-IDF of its blocks' summed counts, plus a fifth of its
other text's (:meth:`~newssift.classifier.model.NewssiftModel.score_topics`).  For a
corpus chunk scipy's sparse product and sum do that well; for one document they cost more
than the arithmetic: each call sets aside a workspace as wide as the vocabulary (the
shipped model's 200,000 columns) and builds a checked matrix for every step.

The rows here are scipy's to the bit, entries in scipy's order, so that the weighing, the
row norms and the topic head's product add the same numbers in the same order:

- a sum of rows (``csr_matmat``) lists a row's columns in reverse order of their first
  appearance; counts are whole numbers, so their sums are exact in any order;
- the sum of two matrices (``csr_binop_csr``) merges each row in column order when both
  matrices' rows are sorted, and otherwise lists the columns in reverse order of first
  appearance, the first matrix's entries before the second's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = ["Rows", "added_rows", "summed_rows"]


class Rows(NamedTuple):
    """A CSR matrix's three arrays (``n_cols`` columns), without the checked object."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    n_cols: int

    def to_csr(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.data, self.indices, self.indptr),
                             shape=(len(self.indptr) - 1, self.n_cols))


def summed_rows(x: sp.csr_matrix, groups: np.ndarray, n_groups: int, mask: np.ndarray) -> Rows:
    """One row per group: the sum of the rows of ``x`` where ``mask`` holds, as
    ``pick @ x`` gives it (``pool_rows`` without normalising), for ``groups`` that never
    decrease (a batch's document numbers) and whole-number entries (counts)."""
    rows = np.flatnonzero(mask)
    starts = x.indptr[rows].astype(np.int64)
    lengths = x.indptr[rows + 1].astype(np.int64) - starts
    ends = np.cumsum(lengths)
    at = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - lengths),
                                                                  lengths)
    row_of = np.repeat(groups[rows].astype(np.int64), lengths)
    return _first_seen_last(row_of, x.indices[at].astype(np.int64), x.data[at], n_groups,
                            x.shape[1], x.dtype)


def added_rows(a: Rows, b: Rows) -> Rows:
    """``a + b`` as scipy's ``csr_binop_csr`` gives it (same shape and dtype)."""
    n_rows = len(a.indptr) - 1
    row_a = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(a.indptr))
    row_b = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(b.indptr))
    rows = np.concatenate([row_a, row_b])
    key, first, at = np.unique(rows * a.n_cols + np.concatenate([a.indices, b.indices]),
                               return_index=True, return_inverse=True)
    at = at.reshape(-1)
    va = np.zeros(len(key), a.data.dtype)
    vb = np.zeros(len(key), b.data.dtype)
    va[at[:len(row_a)]] = a.data  # a row of either holds a column once
    vb[at[len(row_a):]] = b.data
    out_rows = key // a.n_cols
    # Both sorted: merged in column order, which np.unique gives; else first seen last.
    order = (np.arange(len(key)) if _canonical(a) and _canonical(b)
             else np.lexsort((-first, out_rows)))
    data, out_rows, out_cols = (va + vb)[order], out_rows[order], (key % a.n_cols)[order]
    keep = data != 0  # scipy leaves out a zero result
    indptr = np.concatenate([[0], np.cumsum(np.bincount(out_rows[keep], minlength=n_rows))])
    return Rows(data[keep], out_cols[keep].astype(a.indices.dtype), indptr.astype(a.indptr.dtype),
                a.n_cols)


def _first_seen_last(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int,
                     n_cols: int, dtype: np.dtype) -> Rows:
    """Entries (in the order given, ``rows`` never decreasing) summed by (row, column),
    each row's columns in reverse order of their first appearance."""
    key, first, inverse = np.unique(rows * n_cols + cols, return_index=True, return_inverse=True)
    totals = np.bincount(inverse.reshape(-1), weights=values, minlength=len(key))
    key_rows = key // n_cols
    order = np.lexsort((-first, key_rows))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(key_rows, minlength=n_rows))])
    return Rows(totals[order].astype(dtype), (key % n_cols)[order].astype(np.int32),
                indptr.astype(np.int32), n_cols)


def _canonical(x: Rows) -> bool:
    """Every row's columns strictly ascending (scipy's ``csr_has_canonical_format``)."""
    if len(x.indices) < 2:
        return True
    rising = np.diff(x.indices.astype(np.int64)) > 0
    # A step across a row boundary does not count.
    boundary = np.zeros(len(x.indices) - 1, dtype=bool)
    inner = x.indptr[1:-1].astype(np.int64) - 1
    boundary[inner[(inner >= 0) & (inner < len(boundary))]] = True
    return bool(np.all(rising | boundary))
