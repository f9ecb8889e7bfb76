"""Second-pass features: what the first-pass scores of the surrounding blocks say.

jusText and boilerpipe both gain most from context: a short line between two
story paragraphs is probably story, a long line inside a run of links is
probably not.  Everything here is vectorized over a batch of documents; the
``doc`` array keeps windows from reaching into the neighbouring document.
"""

from __future__ import annotations

import numpy as np

from newssift.classifier.batch import doc_bounds, shifted

__all__ = ["context_features", "CONTEXT_OFFSETS"]

CONTEXT_OFFSETS = tuple(k for k in range(-6, 7) if k != 0)
WINDOWS = (3, 10)
FILL = -1.0
# Before and after each block: the nearest WINDOWS blocks, then the whole rest of the page.
_SPANS = np.array([s for w in WINDOWS for s in ((-w, -1), (1, w))] + [(-(1 << 20), -1), (1, 1 << 20)])


def _window_means(values: np.ndarray, start: np.ndarray, end: np.ndarray,
                  spans: np.ndarray) -> np.ndarray:
    """(n, len(spans)): mean of ``values`` over rows [i+lo, i+hi] clipped to the document,
    for each (lo, hi) of ``spans``; FILL where that is empty."""
    at = np.arange(len(values))[:, None]
    lo = np.clip(at + spans[None, :, 0], start[:, None], end[:, None])
    hi = np.clip(at + spans[None, :, 1] + 1, start[:, None], end[:, None])
    csum = np.concatenate([[0], np.cumsum(_fixed(values))])
    width = hi - lo
    total = (csum[hi] - csum[lo]) / QUANTUM
    return np.where(width > 0, total / np.maximum(width, 1), FILL).astype(np.float32)


QUANTUM = 1 << 24


def _fixed(values: np.ndarray) -> np.ndarray:
    """Fixed-point integers: cumulative sums over a batch stay exact, so a document's
    features do not depend on which other documents share its batch."""
    return np.rint(np.asarray(values, dtype=np.float64) * QUANTUM).astype(np.int64)


def context_features(p: np.ndarray, n_words: np.ndarray, doc: np.ndarray,
                     pos: np.ndarray) -> np.ndarray:
    """Context of first-pass main probabilities ``p`` for every block."""
    n = len(p)
    if n == 0:
        return np.zeros((0, n_context_features()), dtype=np.float32)
    p = p.astype(np.float32)
    start, end = doc_bounds(doc)
    parts = [p[:, None], shifted(p, CONTEXT_OFFSETS, doc, FILL, (start, end)),
             _window_means(p, start, end, _SPANS)]
    # Page statistics: how much of the page looks like story, and where it lies.
    counts = np.bincount(doc).astype(np.float64)
    mean = (np.bincount(doc, weights=p) / np.maximum(counts, 1))[doc]
    hard = (p > 0.5).astype(np.float64)
    share = (np.bincount(doc, weights=hard) / np.maximum(counts, 1))[doc]
    weighted = _fixed(p) * np.rint(n_words).astype(np.int64)
    words_total = np.bincount(doc, weights=n_words.astype(np.float64))[doc]
    csum = np.cumsum(weighted) - weighted
    before_q = csum - csum[start]
    main_q = np.concatenate([[0], np.cumsum(weighted)])
    main_words = (main_q[end] - main_q[start]) / QUANTUM
    before = before_q / QUANTUM
    after = main_words - before - weighted / QUANTUM
    parts += [
        mean[:, None], share[:, None],
        (main_words / np.maximum(words_total, 1))[:, None],
        (before / np.maximum(main_words, 1e-6))[:, None],
        (after / np.maximum(main_words, 1e-6))[:, None],
        (p - mean)[:, None],
    ]
    return np.hstack(parts).astype(np.float32)


def n_context_features() -> int:
    return 1 + len(CONTEXT_OFFSETS) + 2 * len(WINDOWS) + 2 + 6
