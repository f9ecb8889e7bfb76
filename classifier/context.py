"""Second-pass features: what the first-pass scores of the surrounding blocks say.

jusText and boilerpipe both gain most from context: a short line between two
story paragraphs is probably story, a long line inside a run of links is
probably not.  Everything here is vectorized over a batch of documents; the
``doc`` array keeps windows from reaching into the neighbouring document.
"""

from __future__ import annotations

import numpy as np

from classifier.features import shift

__all__ = ["context_features", "CONTEXT_OFFSETS"]

CONTEXT_OFFSETS = tuple(k for k in range(-6, 7) if k != 0)
WINDOWS = (3, 10)
FILL = -1.0


def _window_mean(values: np.ndarray, doc: np.ndarray, pos: np.ndarray, lo_off: int,
                 hi_off: int) -> np.ndarray:
    """Mean of ``values`` over positions [i+lo_off, i+hi_off] clipped to the document; FILL if empty."""
    n = len(values)
    counts = np.bincount(doc)
    start = (np.cumsum(counts) - counts)[doc]
    end = start + counts[doc]  # exclusive
    idx = np.arange(n)
    lo = np.clip(idx + lo_off, start, end)
    hi = np.clip(idx + hi_off + 1, start, end)
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
    big = 1 << 20
    parts = [p[:, None]]
    parts += [shift(p, k, doc, FILL)[:, None] for k in CONTEXT_OFFSETS]
    for w in WINDOWS:
        parts.append(_window_mean(p, doc, pos, -w, -1)[:, None])
        parts.append(_window_mean(p, doc, pos, 1, w)[:, None])
    parts.append(_window_mean(p, doc, pos, -big, -1)[:, None])
    parts.append(_window_mean(p, doc, pos, 1, big)[:, None])
    # Page statistics: how much of the page looks like story, and where it lies.
    counts = np.bincount(doc).astype(np.float64)
    mean = (np.bincount(doc, weights=p) / np.maximum(counts, 1))[doc]
    hard = (p > 0.5).astype(np.float64)
    share = (np.bincount(doc, weights=hard) / np.maximum(counts, 1))[doc]
    weighted = _fixed(p) * np.rint(n_words).astype(np.int64)
    words_total = np.bincount(doc, weights=n_words.astype(np.float64))[doc]
    csum = np.cumsum(weighted) - weighted
    doc_start = (np.cumsum(counts) - counts).astype(np.int64)[doc]
    before_q = csum - csum[doc_start]
    main_q = np.concatenate([[0], np.cumsum(weighted)])
    doc_end = doc_start + counts[doc].astype(np.int64)
    main_words = (main_q[doc_end] - main_q[doc_start]) / QUANTUM
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
