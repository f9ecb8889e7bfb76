"""A fitted binary gradient-boosted tree ensemble as plain arrays, and its prediction.

The second pass of the main head is scikit-learn's ``HistGradientBoostingClassifier``
at training time.  A saved model must not be a pickle, and loading scikit-learn costs
0.7 s, more than a whole one-article ``classify``.  So the fitted ensemble is kept as
what prediction needs: each feature's bin thresholds, and the trees' nodes (feature,
bin threshold, where missing values go, children, leaf values).

Two walkers give the same leaves, so the same numbers, summed in the same order:

- a numpy one, which walks every tree at once level by level: about a millisecond
  for one article, no import beyond numpy;
- scikit-learn's compiled one (``TreePredictor.predict_binned``), built from the same
  arrays: about 1 ns a node, for large batches.  It is used once scikit-learn is
  imported anyway, or for a batch large enough that importing it pays (a corpus
  chunk); where this scikit-learn lacks it, the numpy walker does the work.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = ["BoostedTrees", "COMPILED_MIN_ROWS", "MISSING_BIN"]

# From this many rows the compiled walker is imported if it is not already.
COMPILED_MIN_ROWS = 4096
# Rows the numpy walker takes at a time: its (rows, trees) index arrays stay small.
_NUMPY_CHUNK = 2048
MISSING_BIN = 255  # scikit-learn's bin of missing values (its max_bins is at most 255)
_NODE_FIELDS = ("value", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right",
                "is_leaf", "bin_threshold")


class BoostedTrees:
    """``P(class 1)`` of a fitted binary boosted ensemble, from arrays only."""

    def __init__(self, *, baseline: float, thresholds: list[np.ndarray], nodes: dict[str, np.ndarray],
                 tree_starts: np.ndarray) -> None:
        self.baseline_ = float(baseline)
        self.thresholds_ = [np.asarray(t, dtype=np.float64) for t in thresholds]
        self.nodes_ = {k: np.asarray(nodes[k]) for k in _NODE_FIELDS}
        self.tree_starts_ = np.asarray(tree_starts, dtype=np.int64)
        self._compiled: list | None = None
        self._plan()

    @property
    def n_features_in_(self) -> int:
        return len(self.thresholds_)

    @property
    def n_trees(self) -> int:
        return len(self.tree_starts_)

    @classmethod
    def from_sklearn(cls, model: Any) -> BoostedTrees:
        """From a fitted binary ``HistGradientBoostingClassifier`` without categorical features."""
        mapper = model._bin_mapper
        if np.any(mapper.is_categorical_):
            raise ValueError("categorical features are not supported")
        if mapper.missing_values_bin_idx_ != MISSING_BIN:
            raise ValueError(f"missing values bin {mapper.missing_values_bin_idx_}, expected {MISSING_BIN}")
        trees = [predictors[0].nodes for predictors in model._predictors]
        sizes = np.array([len(t) for t in trees], dtype=np.int64)
        stacked = np.concatenate(trees)
        return cls(baseline=float(np.ravel(model._baseline_prediction)[0]),
                   thresholds=list(mapper.bin_thresholds_),
                   nodes={k: stacked[k] for k in _NODE_FIELDS},
                   tree_starts=np.cumsum(sizes) - sizes)

    # -- persistence ------------------------------------------------------------------

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        sizes = np.array([len(t) for t in self.thresholds_], dtype=np.int64)
        arrays = {"thresholds": np.concatenate(self.thresholds_) if len(sizes) else np.zeros(0),
                  "threshold_sizes": sizes, "tree_starts": self.tree_starts_}
        arrays.update({f"node_{k}": v for k, v in self.nodes_.items()})
        return {"baseline": self.baseline_}, arrays

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray]) -> BoostedTrees:
        sizes = arrays["threshold_sizes"]
        cuts = np.cumsum(sizes)[:-1] if len(sizes) else []
        return cls(baseline=config["baseline"], thresholds=np.split(arrays["thresholds"], cuts),
                   nodes={k: arrays[f"node_{k}"] for k in _NODE_FIELDS},
                   tree_starts=arrays["tree_starts"])

    # -- prediction -------------------------------------------------------------------

    def bin(self, x: np.ndarray) -> np.ndarray:
        """Each value's bin, as scikit-learn's bin mapper gives it: the number of
        thresholds below it, missing values in MISSING_BIN.  Shape (n, features), uint8,
        column-major."""
        x = np.asarray(x, dtype=np.float64)
        binned = np.empty(x.shape, dtype=np.uint8, order="F")
        for j, thresholds in enumerate(self.thresholds_):
            col = x[:, j]
            binned[:, j] = np.searchsorted(thresholds, col, side="left")
            missing = np.isnan(col)
            if missing.any():
                binned[missing, j] = MISSING_BIN
        return binned

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Summed leaf values plus the baseline (the log-odds of class 1)."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.n_features_in_:
            raise ValueError(f"expected {self.n_features_in_} features, got shape {x.shape}")
        binned = self.bin(x)
        compiled = self._compiled_trees(len(x))
        if compiled:
            raw = np.full(len(x), self.baseline_)
            for tree in compiled:
                raw += tree.predict_binned(binned, MISSING_BIN, _omp_threads())
            return raw
        return self._numpy_raw(binned)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """``P(class 1)`` per row (a 1-d array)."""
        with np.errstate(over="ignore"):  # exp(800) is inf, and 1 / inf the right 0
            return 1.0 / (1.0 + np.exp(-self.raw(x)))

    def _plan(self) -> None:
        """Node arrays for the numpy walker: children indexed by (node, goes right), leaves
        pointing at themselves, so that every tree can take the same number of steps."""
        n = self.nodes_
        leaf = n["is_leaf"].astype(bool)
        starts = np.repeat(self.tree_starts_, np.diff(np.append(self.tree_starts_, len(leaf))))
        here = np.arange(len(leaf))
        left = np.where(leaf, here, n["left"].astype(np.int64) + starts)
        right = np.where(leaf, here, n["right"].astype(np.int64) + starts)
        self._children = np.stack([left, right], axis=1).ravel()  # node*2 + goes_right
        self._feature = np.where(leaf, 0, n["feature_idx"]).astype(np.int64)
        # A leaf compares bin <= 255 (always true) and stays where it is either way.
        self._threshold = np.where(leaf, 255, n["bin_threshold"]).astype(np.uint8)
        self._missing_left = n["missing_go_to_left"].astype(bool)
        depth = np.zeros(len(leaf), dtype=np.int64)
        for t, s in enumerate(self.tree_starts_):  # nodes are stored parents first
            e = self.tree_starts_[t + 1] if t + 1 < len(self.tree_starts_) else len(leaf)
            for i in range(s, e):
                if not leaf[i]:
                    depth[left[i]] = depth[right[i]] = depth[i] + 1
        self._steps = int(depth.max()) if len(depth) else 0

    def _numpy_raw(self, binned: np.ndarray) -> np.ndarray:
        raw = np.empty(len(binned))
        values = self.nodes_["value"]
        flat = binned.ravel(order="F")  # column j of row i at j * n + i
        n = len(binned)
        for a in range(0, n, _NUMPY_CHUNK):
            rows = np.arange(a, min(a + _NUMPY_CHUNK, n))[:, None]
            node = np.broadcast_to(self.tree_starts_[None, :], (len(rows), self.n_trees)).copy()
            for _ in range(self._steps):
                b = flat[self._feature[node] * n + rows]
                right = np.where(b == MISSING_BIN, ~self._missing_left[node], b > self._threshold[node])
                node = self._children[node * 2 + right]
            leaf_values = values[node]
            # Tree by tree, as the compiled walker adds them: the same sums to the last bit.
            total = np.full(len(rows), self.baseline_)
            for t in range(self.n_trees):
                total += leaf_values[:, t]
            raw[a:a + len(rows)] = total
        return raw

    def _compiled_trees(self, n_rows: int) -> list | None:
        if self._compiled is None:
            loaded = "sklearn.ensemble._hist_gradient_boosting.predictor" in sys.modules
            if not loaded and n_rows < COMPILED_MIN_ROWS:
                return None
            self._compiled = self._build_compiled() or []
        return self._compiled

    def warm(self) -> None:
        """Import the compiled walker now (a long-running process: a service worker)."""
        if self._compiled is None:
            self._compiled = self._build_compiled() or []

    def _build_compiled(self) -> list | None:
        try:
            from sklearn.ensemble._hist_gradient_boosting.common import (
                PREDICTOR_RECORD_DTYPE,
                X_BITSET_INNER_DTYPE,
            )
            from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
        except ImportError:
            return None
        ends = np.append(self.tree_starts_[1:], len(self.nodes_["value"]))
        empty = np.zeros((0, 8), dtype=X_BITSET_INNER_DTYPE)
        trees = []
        try:
            for s, e in zip(self.tree_starts_, ends):
                nodes = np.zeros(e - s, dtype=PREDICTOR_RECORD_DTYPE)
                for k in _NODE_FIELDS:
                    nodes[k] = self.nodes_[k][s:e]
                trees.append(TreePredictor(nodes, empty, empty))
        except (TypeError, ValueError):  # another scikit-learn's node layout
            return None
        return trees

    def __getstate__(self) -> dict:  # for multiprocessing; never a model file
        state = self.__dict__.copy()
        state["_compiled"] = None
        return state


def _omp_threads() -> int:
    """The OpenMP thread count in force now: a forked worker that starts more threads
    than its limit can deadlock."""
    try:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    except ImportError:
        return 1
    return _openmp_effective_n_threads()
