"""Role heads: is a block part of the main story, and if not, is it a teaser?

``MainScorer`` is the two-pass model.  The first pass is a linear model over
TF-IDF and shallow/position/neighbour features; the second pass is a small
gradient-boosted model over the *context* of first-pass scores (blocks i-6..i+6,
window means, page statistics).  The second pass is trained on out-of-fold
first-pass scores, so that it learns how much to trust scores the first pass
has not memorised.  ``TeaserScorer`` splits the blocks that are not main into
teasers of other stories and boilerplate.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupKFold

from classifier.context import context_features
from classifier.features import BlockBatch

__all__ = ["MainScorer", "TeaserScorer", "boosted_proba", "linear_input", "linear_proba"]


def shift_rows(x: sp.csr_matrix, k: int, doc: np.ndarray) -> sp.csr_matrix:
    """Row i of the result is row i+k of ``x`` when that block is in the same document, else empty."""
    n = x.shape[0]
    src = np.arange(n) + k
    ok = (src >= 0) & (src < n)
    ok[ok] &= doc[src[ok]] == doc[ok]
    pick = sp.csr_matrix((np.ones(int(ok.sum()), dtype=np.float32), (np.flatnonzero(ok), src[ok])),
                         shape=(n, n))
    return pick @ x


def linear_input(batch: BlockBatch, neighbour_words: float = 0.0) -> sp.csr_matrix:
    """The first pass sees words and shallow features side by side.

    With ``neighbour_words`` > 0 it also sees the words of the blocks just before
    and after (scaled down): "Reply", "3 hours ago" or "Related" next to a block
    say more about it than its own words do.
    """
    parts = [batch.tfidf]
    if neighbour_words:
        parts += [neighbour_words * shift_rows(batch.tfidf, -1, batch.doc),
                  neighbour_words * shift_rows(batch.tfidf, 1, batch.doc)]
    parts.append(sp.csr_matrix(batch.dense))
    return sp.hstack(parts, format="csr", dtype=np.float32)


def linear_proba(model: SGDClassifier, batch: BlockBatch, neighbour_words: float = 0.0,
                 ) -> np.ndarray:
    """P(class 1) of a fitted logistic first pass, as ``predict_proba(linear_input(batch))``.

    Computed as words @ w + dense @ w' without stacking the two: turning the dense
    block into a sparse one for ``hstack`` costs more than the whole product.
    """
    if neighbour_words:
        return model.predict_proba(linear_input(batch, neighbour_words))[:, 1]
    coef = model.coef_.ravel()
    n_words = batch.tfidf.shape[1]
    z = batch.tfidf @ coef[:n_words] + batch.dense @ coef[n_words:] + model.intercept_[0]
    return expit(z)


def boosted_proba(model: HistGradientBoostingClassifier, x: np.ndarray) -> np.ndarray:
    """P(class 1) of a fitted binary HistGradientBoostingClassifier, as ``predict_proba`` gives.

    The trees walk the binned input (one byte per value) instead of the float64
    copy ``predict_proba`` makes: four times as fast on a large batch, same
    numbers (a bin edge is a split threshold). Uses scikit-learn internals,
    which the pinned version has; anything else falls back to ``predict_proba``.
    """
    if np.ndim(x) != 2 or np.shape(x)[1] != getattr(model, "n_features_in_", -1):
        return model.predict_proba(x)[:, 1]  # which explains the mismatch; the fast path would crash
    try:
        from sklearn.ensemble._hist_gradient_boosting._binning import _map_to_bins
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        mapper = model._bin_mapper
        missing = mapper.missing_values_bin_idx_
        # The thread count in force now, not the one stored at fit: a forked worker
        # that starts more OpenMP threads than its limit can deadlock.
        threads = _openmp_effective_n_threads()
        x = np.ascontiguousarray(x, dtype=np.float64)
        binned = np.zeros_like(x, dtype=np.uint8, order="F")
        _map_to_bins(x, mapper.bin_thresholds_, mapper.is_categorical_, missing, threads, binned)
        raw = np.full(len(x), float(np.ravel(model._baseline_prediction)[0]))
        for (tree,) in model._predictors:
            raw += tree.predict_binned(binned, missing, threads)
    except (AttributeError, ImportError, TypeError, ValueError):
        return model.predict_proba(x)[:, 1]
    return expit(raw)


def _sgd(alpha: float, epochs: int, seed: int) -> SGDClassifier:
    return SGDClassifier(loss="log_loss", alpha=alpha, max_iter=epochs, tol=None,
                         random_state=seed, average=True)


def _slim(model: SGDClassifier) -> SGDClassifier:
    """Drop the averaging buffers SGD keeps after fit (two more copies of the weights)."""
    for name in ("_standard_coef", "_standard_intercept", "_average_coef", "_average_intercept"):
        if hasattr(model, name):
            delattr(model, name)
    model.coef_ = model.coef_.astype(np.float32)
    return model


class MainScorer(ClassifierMixin, BaseEstimator):
    """P(block is main story), from the block and its context."""

    def __init__(self, *, alpha: float = 2e-6, epochs: int = 6, folds: int = 3,
                 boost_iter: int = 200, learning_rate: float = 0.1, max_leaf_nodes: int = 31,
                 neighbour_words: float = 0.0, random_state: int = 0) -> None:
        self.alpha = alpha
        self.neighbour_words = neighbour_words
        self.epochs = epochs
        self.folds = folds
        self.boost_iter = boost_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.random_state = random_state

    def fit(self, batch: BlockBatch, y: np.ndarray, sample_weight: np.ndarray | None = None,
            ) -> MainScorer:
        y = np.asarray(y, dtype=np.int8)
        x = linear_input(batch, self.neighbour_words)
        oof = np.zeros(len(y), dtype=np.float32)
        splitter = GroupKFold(n_splits=self.folds)
        for train, test in splitter.split(x, y, groups=batch.doc):
            sw = None if sample_weight is None else sample_weight[train]
            first = _sgd(self.alpha, self.epochs, self.random_state).fit(x[train], y[train], sample_weight=sw)
            oof[test] = first.predict_proba(x[test])[:, 1]
        self.first_ = _slim(_sgd(self.alpha, self.epochs, self.random_state).fit(
            x, y, sample_weight=sample_weight))
        self.second_ = HistGradientBoostingClassifier(
            max_iter=self.boost_iter, learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes, early_stopping=False,
            random_state=self.random_state,
        ).fit(self._second_input(oof, batch), y, sample_weight=sample_weight)
        self.classes_ = np.array([0, 1])
        return self

    def first_pass(self, batch: BlockBatch) -> np.ndarray:
        return linear_proba(self.first_, batch, getattr(self, "neighbour_words", 0.0)
                            ).astype(np.float32)

    def _second_input(self, p: np.ndarray, batch: BlockBatch) -> np.ndarray:
        ctx = context_features(p, batch.n_words.astype(np.float32), batch.doc, batch.pos)
        return np.hstack([ctx, batch.dense])

    def predict_proba(self, batch: BlockBatch) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros((0, 2))
        p = self.first_pass(batch)
        q = boosted_proba(self.second_, self._second_input(p, batch))
        return np.column_stack([1 - q, q])

    def predict(self, batch: BlockBatch) -> np.ndarray:
        return (self.predict_proba(batch)[:, 1] >= 0.5).astype(np.int8)


class TeaserScorer(ClassifierMixin, BaseEstimator):
    """P(teaser | not main): a headline or summary of another story, versus boilerplate."""

    def __init__(self, *, alpha: float = 1e-5, epochs: int = 8, random_state: int = 0) -> None:
        self.alpha = alpha
        self.epochs = epochs
        self.random_state = random_state

    def fit(self, batch: BlockBatch, y: np.ndarray, sample_weight: np.ndarray | None = None,
            ) -> TeaserScorer:
        self.model_ = _slim(_sgd(self.alpha, self.epochs, self.random_state).fit(
            linear_input(batch), np.asarray(y, dtype=np.int8), sample_weight=sample_weight))
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, batch: BlockBatch) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros((0, 2))
        p = linear_proba(self.model_, batch)
        return np.column_stack([1 - p, p])

    def predict(self, batch: BlockBatch) -> np.ndarray:
        return (self.predict_proba(batch)[:, 1] >= 0.5).astype(np.int8)
