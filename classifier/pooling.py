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

:func:`article_rows` does all of it (both sums, weighing, the sum, the norms) in one
function: on one page, numpy's calls, not its arithmetic, are most of the cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = ["Rows", "article_rows", "normalize_data"]


class Rows(NamedTuple):
    """A CSR matrix's three arrays (``n_cols`` columns), without the checked object."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    n_cols: int

    def to_csr(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.data, self.indices, self.indptr),
                             shape=(len(self.indptr) - 1, self.n_cols))


def normalize_data(data: np.ndarray, indptr: np.ndarray) -> None:
    """Scale every non-empty row of a CSR matrix's arrays to unit L2 norm, in place."""
    if len(data):
        sums = np.add.reduceat(data * data, indptr[:-1][np.diff(indptr) > 0])
        norms = np.ones(len(indptr) - 1, dtype=data.dtype)
        norms[np.diff(indptr) > 0] = np.sqrt(sums)
        norms[norms == 0] = 1
        data /= np.repeat(norms, np.diff(indptr))


def article_rows(x: sp.csr_matrix, groups: np.ndarray, n_groups: int, use: np.ndarray,
                 around: np.ndarray, weigh: Callable[[np.ndarray, np.ndarray, np.ndarray], None],
                 weight: float) -> Rows:
    """One row per group: its ``use`` rows summed and weighed, plus ``weight`` times its
    ``around`` rows summed and weighed, to unit length; only the first when no row is
    ``around``.  ``weigh(data, indices, indptr)`` weighs a matrix's arrays in place, row by
    row.  The same entries in the same order to the bit as scipy's sums (each mask's rows
    summed by a product, weighed, ``a + weight * b``, rows to unit length), in a few calls:
    both sums come from one sort and are weighed together (a row at a time, as apart)."""
    n_cols = x.shape[1]
    both = bool(around.any())
    if both and not (use & around).any():  # one pass over the entries (each row in one sum)
        row_of, cols, values = _entries(x, groups, use | around, 0, around, n_groups)
    else:
        parts = [_entries(x, groups, use, 0)] + ([_entries(x, groups, around, n_groups)] if both
                                                 else [])
        row_of, cols, values = (np.concatenate(p) for p in zip(*parts))
    n_rows, n = n_groups * (1 + both), len(cols)
    if not n:
        return Rows(np.zeros(0, x.dtype), np.zeros(0, np.int32), np.zeros(n_groups + 1, np.int32),
                    n_cols)
    key, order, head = _runs(row_of * n_cols + cols)
    first = order[head]
    totals = np.add.reduceat(values[order].astype(np.float64), head)  # whole numbers: exact
    key_rows = key // n_cols
    order = _stable_order(key_rows * n + (n - 1 - first))  # each row's columns, first seen last
    data = totals[order].astype(x.dtype)
    indices = (key[order] % n_cols).astype(np.int32)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(key_rows, minlength=n_rows))]
                            ).astype(np.int32)
    weigh(data, indices, indptr)
    if not both:
        return Rows(data, indices, indptr, n_cols)
    cut = int(indptr[n_groups])
    data[cut:] *= weight
    sorted_rows = (_canonical(Rows(data[:cut], indices[:cut], indptr[:n_groups + 1], n_cols))
                   and _canonical(Rows(data[cut:], indices[cut:], indptr[n_groups:] - cut, n_cols)))
    if n_groups == 1 and not sorted_rows:  # one document: its sum's order is known
        stored_at = np.empty(len(order), dtype=np.int64)
        stored_at[order] = np.arange(len(order))
        return _one_sum(data, indices, cut, key[:cut], key[cut:] - n_cols, stored_at, n_cols)
    # Their sum as scipy gives it: a (row, column) of both is the first's entry plus
    # the second's (one sort keeps the first's before), one of either its entry alone.
    rows = np.repeat(np.arange(n_rows, dtype=np.int64) % n_groups, np.diff(indptr))
    key, order, head = _runs(rows * n_cols + indices)
    first = order[head]
    summed = data[first]
    two = np.flatnonzero(np.diff(np.append(head, len(order))) > 1)
    summed[two] += data[order[head[two] + 1]]
    out_rows = key // n_cols
    out_cols = key % n_cols
    if not sorted_rows:  # else column order, the sort's
        order = _stable_order(out_rows * n + (n - 1 - first))
        summed, out_rows, out_cols = summed[order], out_rows[order], out_cols[order]
    keep = summed != 0  # scipy leaves out a zero result
    data = summed[keep]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(out_rows[keep], minlength=n_groups))])
    normalize_data(data, indptr)
    return Rows(data, out_cols[keep].astype(np.int32), indptr.astype(np.int32), n_cols)


def _one_sum(data: np.ndarray, indices: np.ndarray, cut: int, a_cols: np.ndarray,
             b_cols: np.ndarray, stored_at: np.ndarray, n_cols: int) -> Rows:
    """One story row (``data[:cut]``) plus its page row (``data[cut:]``), neither with its
    columns in ascending order, as scipy sums them: a column of both is the first's entry
    plus the second's, and the columns come in reverse order of their first appearance in
    the first row's entries then the second's, that is: the second's own columns in reverse
    of their order there, then the first's in reverse.  Both rows' distinct columns come
    ascending (``a_cols``, ``b_cols``) with where each is stored (``stored_at``, the
    first's then the second's): the columns of both are found by a search, not a sort."""
    at = np.minimum(np.searchsorted(a_cols, b_cols), max(len(a_cols) - 1, 0))
    shared = (a_cols[at] == b_cols) if len(a_cols) else np.zeros(len(b_cols), dtype=bool)
    a_at = stored_at[:cut].take(at.compress(shared))
    b_at = stored_at[cut:].compress(shared)
    story, page = data[:cut].copy(), data[cut:]
    story[a_at] += data[b_at]
    own = np.ones(len(page), dtype=bool)
    own[b_at - cut] = False
    summed = np.concatenate([page.compress(own)[::-1], story[::-1]])
    cols = np.concatenate([indices[cut:].compress(own)[::-1], indices[:cut][::-1]])
    keep = summed != 0  # scipy leaves out a zero result
    summed, cols = summed.compress(keep), cols.compress(keep)
    indptr = np.array([0, len(summed)])
    normalize_data(summed, indptr)
    return Rows(summed, cols.astype(np.int32), indptr.astype(np.int32), n_cols)


def _entries(x: sp.csr_matrix, groups: np.ndarray, mask: np.ndarray, row_offset: int,
             second: np.ndarray | None = None, second_offset: int = 0,
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries of the rows of ``x`` where ``mask`` holds, in order: each one's output
    row (its group plus ``row_offset``, plus ``second_offset`` more where ``second`` holds
    for its row), column and value."""
    rows = np.flatnonzero(mask)
    starts = x.indptr[rows].astype(np.int64)
    lengths = x.indptr[rows + 1].astype(np.int64) - starts
    ends = np.cumsum(lengths)
    at = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - lengths),
                                                                  lengths)
    out_row = groups.take(rows).astype(np.int64) + row_offset
    if second is not None:
        out_row += second.take(rows) * second_offset
    return np.repeat(out_row, lengths), x.indices.take(at).astype(np.int64), x.data.take(at)


def _runs(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of ``key`` in ascending order, the stable order that sorts it,
    and where each value's run starts in that order (its first occurrence)."""
    order = _stable_order(key)
    ordered = key[order]
    head = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    return ordered[head], order, head


def _stable_order(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` of non-negative int64 keys: one sort of the keys
    with each one's position in its low bits (numpy sorts integers with SIMD, but not an
    argsort), a quarter of the time on a page's few thousand count entries."""
    shift = max(len(key) - 1, 1).bit_length()
    if not len(key) or int(key.max()) >= 1 << (62 - shift):
        return np.argsort(key, kind="stable")
    return np.sort((key << shift) | np.arange(len(key))) & ((1 << shift) - 1)


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
