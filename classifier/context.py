"""Second-pass features: what the first-pass scores of the surrounding blocks say.

jusText and boilerpipe both gain most from context: a short line between two
story paragraphs is probably story, a long line inside a run of links is
probably not.  Everything here is vectorized over a batch of documents; the
``doc`` array keeps windows from reaching into the neighbouring document.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newssift.classifier.batch import doc_bounds, shifted

__all__ = ["context_features", "context_features_of", "CONTEXT_OFFSETS"]

CONTEXT_OFFSETS = tuple(k for k in range(-6, 7) if k != 0)
WINDOWS = (3, 10)
FILL = -1.0
# Before and after each block: the nearest WINDOWS blocks, then the whole rest of the page.
_SPANS = np.array([s for w in WINDOWS for s in ((-w, -1), (1, w))] + [(-(1 << 20), -1), (1, 1 << 20)])


def _window_means(values: np.ndarray, start: np.ndarray, end: np.ndarray,
                  spans: np.ndarray) -> np.ndarray:
    """(n, len(spans), m): mean of each of the m columns of ``values`` over rows [i+lo,
    i+hi] clipped to the document, for each (lo, hi) of ``spans``; FILL where that is empty."""
    at = np.arange(len(values))[:, None]
    start, end = start[:, None], end[:, None]
    lo = np.minimum(np.maximum(at + spans[None, :, 0], start), end)  # np.clip, cheaper
    hi = np.minimum(np.maximum(at + spans[None, :, 1] + 1, start), end)
    fixed = _fixed(values)
    csum = np.concatenate([np.zeros((1, fixed.shape[1]), fixed.dtype), np.cumsum(fixed, axis=0)])
    width = (hi - lo)[:, :, None]
    total = (csum.take(hi, axis=0) - csum.take(lo, axis=0)) / QUANTUM
    return np.where(width > 0, total / np.maximum(width, 1), FILL).astype(np.float32)


QUANTUM = 1 << 24


def _fixed(values: np.ndarray) -> np.ndarray:
    """Fixed-point integers: cumulative sums over a batch stay exact, so a document's
    features do not depend on which other documents share its batch."""
    return np.rint(np.asarray(values, dtype=np.float64) * QUANTUM).astype(np.int64)


def context_features(p: np.ndarray, n_words: np.ndarray, doc: np.ndarray,
                     pos: np.ndarray) -> np.ndarray:
    """Context of first-pass main probabilities ``p`` for every block."""
    return np.ascontiguousarray(context_features_of([p], n_words, doc, pos)[0])


def context_features_of(ps: Sequence[np.ndarray], n_words: np.ndarray, doc: np.ndarray,
                        pos: np.ndarray) -> list[np.ndarray]:
    """:func:`context_features` of each of ``ps`` (scores of the same blocks), the same to
    the bit, computed side by side: on one page the calls, not the arithmetic, are the
    cost, and the windows and page sums that depend on the blocks alone are found once."""
    n = len(doc)
    if n == 0:
        return [np.zeros((0, n_context_features()), dtype=np.float32) for _ in ps]
    p = np.column_stack([np.asarray(q).astype(np.float32) for q in ps])  # (n, m)
    start, end = doc_bounds(doc)
    parts = [p[:, None, :], shifted(p, CONTEXT_OFFSETS, doc, FILL, (start, end)),
             _window_means(p, start, end, _SPANS)]
    # Page statistics: how much of the page looks like story, and where it lies.
    counts = np.maximum(np.bincount(doc).astype(np.float64), 1)

    def page_mean(values: np.ndarray) -> np.ndarray:
        return np.column_stack([np.bincount(doc, weights=v) / counts for v in values.T])[doc]

    mean = page_mean(p)
    share = page_mean((p > 0.5).astype(np.float64))
    weighted = _fixed(p) * np.rint(n_words).astype(np.int64)[:, None]
    words_total = np.bincount(doc, weights=n_words.astype(np.float64))[doc][:, None]
    csum = np.cumsum(weighted, axis=0) - weighted
    before_q = csum - csum[start]
    main_q = np.concatenate([np.zeros((1, len(ps)), np.int64), np.cumsum(weighted, axis=0)])
    main_words = (main_q[end] - main_q[start]) / QUANTUM
    before = before_q / QUANTUM
    after = main_words - before - weighted / QUANTUM
    parts += [x[:, None, :] for x in (
        mean, share, main_words / np.maximum(words_total, 1),
        before / np.maximum(main_words, 1e-6), after / np.maximum(main_words, 1e-6), p - mean)]
    out = np.concatenate(parts, axis=1).astype(np.float32)  # (n, features, m)
    return [out[:, :, j] for j in range(len(ps))]


def n_context_features() -> int:
    return 1 + len(CONTEXT_OFFSETS) + 2 * len(WINDOWS) + 2 + 6
