"""Topic head: a linear model over the shared TF-IDF rows.

A block's row and an article's row live in the same space: the article row is
the normalised sum of its main blocks' rows, so the article topic costs one
sparse sum instead of a second pass over the text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize

__all__ = ["TopicClassifier", "pool_rows"]


class TopicClassifier(ClassifierMixin, BaseEstimator):
    """Multiclass logistic model (one-vs-rest SGD) over TF-IDF rows."""

    def __init__(self, *, alpha: float = 2e-6, epochs: int = 10, random_state: int = 0) -> None:
        self.alpha = alpha
        self.epochs = epochs
        self.random_state = random_state

    def fit(self, x: sp.csr_matrix, y: Sequence[str], sample_weight: np.ndarray | None = None,
            ) -> "TopicClassifier":
        self.model_ = SGDClassifier(
            loss="log_loss", alpha=self.alpha, max_iter=self.epochs, tol=None,
            random_state=self.random_state, average=True,
        ).fit(x, np.asarray(y), sample_weight=sample_weight)
        self.model_.coef_ = self.model_.coef_.astype(np.float32)
        self.classes_ = self.model_.classes_
        return self

    def decision_function(self, x: sp.csr_matrix) -> np.ndarray:
        return self.model_.decision_function(x)

    def predict_proba(self, x: sp.csr_matrix) -> np.ndarray:
        if x.shape[0] == 0:
            return np.zeros((0, len(self.classes_)))
        return self.model_.predict_proba(x)

    def predict(self, x: sp.csr_matrix) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(x), axis=1)]


def pool_rows(x: sp.csr_matrix, groups: np.ndarray, n_groups: int, mask: np.ndarray) -> sp.csr_matrix:
    """One L2-normalised row per group: the sum of the rows of ``x`` where ``mask`` holds."""
    rows = np.flatnonzero(mask)
    pick = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (groups[rows], rows)),
        shape=(n_groups, x.shape[0]),
    )
    return normalize(pick @ x)
