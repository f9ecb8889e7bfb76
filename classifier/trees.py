"""A fitted binary gradient-boosted tree ensemble as plain arrays, and its prediction.

The second pass of the main head is scikit-learn's ``HistGradientBoostingClassifier``
at training time.  A saved model must not be a pickle, and loading scikit-learn costs
0.7 s, more than a whole one-article ``classify``.  So the fitted ensemble is kept as
what prediction needs: each feature's bin thresholds, and the trees' nodes (feature,
bin threshold, where missing values go, children, leaf values).

Two walkers give the same leaves, so the same numbers, summed in the same order:

- a numpy one, which walks every tree at once level by level, dropping each (row, tree)
  pair from the walk once it reaches its leaf (a leaf lies 7 levels down on average in
  the shipped model, the deepest 16): about a millisecond for one article, no import
  beyond numpy.  It compares the values themselves with each split's bin edge (a value
  is in a bin at most ``b`` exactly when it is at most the ``b``-th edge), so it bins
  nothing: on one article, binning cost as much as the walk;
- scikit-learn's compiled one (``TreePredictor.predict_binned``), built from the same
  arrays: about 1 ns a node, for large batches, but some 7 us a tree a call, which
  makes it slower than the numpy walker below COMPILED_FROM_ROWS rows.  It is used for
  batches from that size once scikit-learn is imported anyway, or for a batch large
  enough that importing it pays (a corpus chunk).

Both read scikit-learn's private parts (a fitted model's ``_predictors`` and
``_bin_mapper`` at training, ``TreePredictor`` and its node record when labelling),
whose layout may change in any release: pyproject pins the release the tests run, and
each part is checked before use.  Where the compiled walker is missing or does not give
the numpy walker's sums on a probe, the numpy walker does the work (a warning, once).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from newssift.classifier.errors import TrainingError

__all__ = ["BoostedTrees", "COMPILED_FROM_ROWS", "COMPILED_MIN_ROWS", "JOINED_COMPILED_FROM_ROWS",
           "MISSING_BIN", "proba_of", "raw_together"]

log = logging.getLogger("newssift.model")

# From this many rows the compiled walker is imported if it is not already.
COMPILED_MIN_ROWS = 4096
# Fewer rows than this are walked by the numpy walker even where the compiled one is
# loaded: the compiled one's cost a tree a call (and binning's a column) is more than the
# numpy walk of the rows (the shipped main head's 100 trees on held-out pages: equal at
# about 320 rows, 0.4 against 1.0 ms at 64).
COMPILED_FROM_ROWS = 320
# ... and for the walk of several ensembles at once (raw_together), whose levels cost
# once for all: the shipped role heads' 140 trees, equal at 384 to 640 rows.
JOINED_COMPILED_FROM_ROWS = 384
# Rows the numpy walker takes at a time: its (rows, trees) index arrays stay small.
_NUMPY_CHUNK = 2048
# Levels the numpy walker takes before it starts dropping pairs that reached a leaf: the
# shallowest leaves lie a few levels down, and dropping costs more than it saves before.
_WALK_BEFORE_DROP = 4
# ... and then drops them every this many levels: a leaf leads to itself, so a pair kept a
# level past its leaf costs less than the dropping.
_DROP_EVERY = 2
# What a fitted HistGradientBoostingClassifier must hold for from_sklearn to read it.
_SKLEARN_FITTED = ("_bin_mapper", "_predictors", "_baseline_prediction")
_SKLEARN_MAPPER = ("is_categorical_", "missing_values_bin_idx_", "bin_thresholds_")
_FIX_SKLEARN = "install the scikit-learn release pyproject.toml names (1.9.x)"
_warned: set[str] = set()
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
        self._joins: dict[tuple[int, ...], tuple] = {}  # _joined's ensembles, by the others' ids
        self._plan()

    @property
    def n_features_in_(self) -> int:
        return len(self.thresholds_)

    @property
    def n_trees(self) -> int:
        return len(self.tree_starts_)

    @classmethod
    def from_sklearn(cls, model: Any) -> BoostedTrees:
        """From a fitted binary ``HistGradientBoostingClassifier`` without categorical features.

        Reads its private parts, checked first: another scikit-learn's fitted model is a
        :class:`TrainingError` naming what is missing, never a model that reads wrong."""
        _check_fitted(model)
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
        # One search a column and one missing-value scan for all: on one article's rows
        # the calls, not the searching, are the cost.
        for j, thresholds in enumerate(self.thresholds_):
            binned[:, j] = thresholds.searchsorted(x[:, j], side="left")
        missing = np.isnan(x)
        if missing.any():
            binned[missing] = MISSING_BIN
        return binned

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Summed leaf values plus the baseline (the log-odds of class 1)."""
        x = self._check_width(x)
        compiled = self._compiled_trees(len(x)) if len(x) >= COMPILED_FROM_ROWS else None
        if compiled:
            return self._compiled_raw(compiled, self.bin(x))
        return self._numpy_raw(x)

    def _compiled_raw(self, compiled: list, binned: np.ndarray) -> np.ndarray:
        raw = np.full(len(binned), self.baseline_)
        threads = _omp_threads()
        for tree in compiled:
            raw += tree.predict_binned(binned, MISSING_BIN, threads)
        return raw

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """``P(class 1)`` per row (a 1-d array)."""
        return proba_of(self.raw(x))

    def _check_width(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.n_features_in_:
            raise ValueError(f"expected {self.n_features_in_} features, got shape {x.shape}")
        return x

    def _joined(self, others: tuple[BoostedTrees, ...]) -> BoostedTrees:
        """These trees and ``others``' as one ensemble (baseline 0) over their inputs side
        by side: its leaf values are theirs, tree for tree.  Built once per set."""
        key = tuple(id(o) for o in others)
        held = self._joins.get(key)
        if held is None:
            parts = (self, *others)
            node_at = np.cumsum([0] + [len(p.nodes_["value"]) for p in parts])
            column_at = np.cumsum([0] + [p.n_features_in_ for p in parts])
            nodes = {k: np.concatenate([p.nodes_[k] for p in parts]) for k in _NODE_FIELDS}
            nodes["feature_idx"] = np.concatenate(
                [p.nodes_["feature_idx"].astype(np.int64) + c for p, c in zip(parts, column_at)])
            held = self._joins[key] = (others, BoostedTrees(
                baseline=0.0, thresholds=[t for p in parts for t in p.thresholds_], nodes=nodes,
                tree_starts=np.concatenate([p.tree_starts_ + a for p, a in zip(parts, node_at)])))
        return held[1]

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
        self._edge = self._split_edges(leaf)
        self._missing_left = n["missing_go_to_left"].astype(bool)
        # The walker's tables by slot, node*2 (+1 going right): a step is one addition.
        self._slot_children = 2 * self._children
        self._slot = {name: np.repeat(values, 2) for name, values in (
            ("feature", self._feature), ("edge", self._edge), ("edge32", _float32_below(self._edge)),
            ("missing_left", self._missing_left), ("is_split", ~leaf), ("value", n["value"]))}
        depth = np.zeros(len(leaf), dtype=np.int64)
        for t, s in enumerate(self.tree_starts_):  # nodes are stored parents first
            e = self.tree_starts_[t + 1] if t + 1 < len(self.tree_starts_) else len(leaf)
            for i in range(s, e):
                if not leaf[i]:
                    depth[left[i]] = depth[right[i]] = depth[i] + 1
        self._steps = int(depth.max()) if len(depth) else 0

    def _split_edges(self, leaf: np.ndarray) -> np.ndarray:
        """The value each split compares with: its bin threshold's edge, so that ``value >
        edge`` exactly when the value's bin is above the threshold (the search ``bin``
        makes); +inf where the threshold is the last bin, whose split only parts the
        missing values (and at leaves, which stay where they are either way)."""
        sizes = np.array([len(t) for t in self.thresholds_], dtype=np.int64)
        edges = np.concatenate([np.append(t, np.inf) for t in self.thresholds_] or [[]])
        feature = self._feature
        bin_threshold = np.minimum(self.nodes_["bin_threshold"].astype(np.int64), sizes[feature])
        starts = np.cumsum(sizes + 1) - (sizes + 1)
        return np.where(leaf, np.inf, edges[starts[feature] + bin_threshold])

    def _numpy_raw(self, x: np.ndarray) -> np.ndarray:
        return self._numpy_sums(x, [(0, self.n_trees, self.baseline_)])[0]

    def _numpy_sums(self, x: np.ndarray, groups: list[tuple[int, int, float]]) -> list[np.ndarray]:
        """For each ``(first tree, end, baseline)`` of ``groups``, the baseline plus the
        leaf values of those trees, summed tree by tree, as the compiled walker adds them:
        a reduction down an array's outer axis adds in order (along its inner axis numpy
        would pair the values up), and as a running sum along the rows cost 3.4 times as much."""
        sums = [np.empty(len(x)) for _ in groups]
        # Row i's column j at i * n_features + j; float32 rows (the role heads' contexts) are
        # walked as they are, against float32 edges: the same comparisons, half the bytes.
        rows = np.ascontiguousarray(x, dtype=np.float32 if x.dtype == np.float32 else np.float64)
        for a in range(0, len(rows), _NUMPY_CHUNK):
            # (trees, rows): added down the outer axis, a tree at a time to every row's sum.
            values = np.ascontiguousarray(self._leaf_values(rows[a:a + _NUMPY_CHUNK]).T)
            for out, (first, end, baseline) in zip(sums, groups):
                out[a:a + _NUMPY_CHUNK] = np.add.reduce(values[first:end], axis=0, initial=baseline)
        return sums

    def _leaf_values(self, x: np.ndarray) -> np.ndarray:
        """(rows, trees): the leaf value each tree gives each of the C-ordered rows ``x``:
        every (row, tree) pair steps down a level at a time, and leaves the walk at its leaf.

        Gathers are ``take`` and drops ``compress``: on a page's few ten thousand pairs
        they cost 0.6 and 0.4 times indexing with an array and with a mask.  A pair's place
        is its node's slot (node*2), so that a step is one addition of the comparison.  Rows
        of float32 are compared with each edge's float32 at or below it (0.91x the walk)."""
        n, n_trees = len(x), self.n_trees
        flat = x.ravel()
        nan = np.isnan(flat) if np.isnan(flat.sum()) else None  # rare: one test fewer a level
        slot = self._slot
        feature, children = slot["feature"], self._slot_children
        edge = slot["edge32"] if x.dtype == np.float32 else slot["edge"]
        node = np.tile(2 * self.tree_starts_, n)  # pair p = row * n_trees + tree, at a slot
        offset = np.repeat(np.arange(n, dtype=np.intp) * self.n_features_in_, n_trees)
        leaf = np.empty_like(node)
        walking: np.ndarray | None = None  # the pairs still walking, once dropping starts
        for step in range(self._steps):
            at = offset + feature.take(node)
            right = flat.take(at) > edge.take(node)  # a missing value compares False: left
            if nan is not None:
                right |= nan.take(at) & ~slot["missing_left"].take(node)
            node = children.take(node + right)
            if step + 1 < _WALK_BEFORE_DROP or (step + 1 - _WALK_BEFORE_DROP) % _DROP_EVERY:
                continue
            on = slot["is_split"].take(node)
            if walking is None:
                leaf[:] = node
                walking = np.flatnonzero(on)
            else:
                leaf[walking] = node
                walking = walking.compress(on)
            if not len(walking):
                break
            node, offset = node.compress(on), offset.compress(on)
        if walking is None:
            leaf = node
        elif len(walking):
            leaf[walking] = node
        return slot["value"].take(leaf).reshape(n, n_trees)

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
        """scikit-learn's compiled trees for these arrays, or None (the numpy walker): where
        its private parts are missing or differ, or its sums differ from the numpy
        walker's on a probe."""
        parts = _compiled_parts()
        if parts is None:
            return None
        record, bitset, predictor = parts
        ends = np.append(self.tree_starts_[1:], len(self.nodes_["value"]))
        empty = np.zeros((0, 8), dtype=bitset)
        trees = []
        try:
            for s, e in zip(self.tree_starts_, ends):
                nodes = np.zeros(e - s, dtype=record)
                for k in _NODE_FIELDS:
                    nodes[k] = self.nodes_[k][s:e]
                trees.append(predictor(nodes, empty, empty))
            probe = self._probe()
            same = np.array_equal(self._compiled_raw(trees, self.bin(probe)),
                                  self._numpy_raw(probe))
        except (TypeError, ValueError, AttributeError) as exc:  # another node layout
            _fall_back(f"it does not take our trees ({type(exc).__name__}: {exc})")
            return None
        if not same:
            _fall_back("its sums differ from the numpy walker's on a probe")
            return None
        return trees

    def _probe(self) -> np.ndarray:
        """Rows that take every split both ways somewhere: each feature below its lowest
        bin edge, above its highest, on one edge, between two, and missing."""
        def values(edges: np.ndarray) -> list[float]:
            if not len(edges):
                return [0.0] * 4
            k = len(edges)
            between = (edges[k // 3] + edges[min(k // 3 + 1, k - 1)]) / 2
            return [edges[0] - 1.0, edges[-1] + 1.0, edges[k // 2], between]

        rows = np.array([values(t) for t in self.thresholds_], dtype=np.float64).T
        return np.ascontiguousarray(np.vstack([rows, np.full(self.n_features_in_, np.nan)]))

    def __getstate__(self) -> dict:  # for multiprocessing; never a model file
        state = self.__dict__.copy()
        state["_compiled"] = None
        state["_joins"] = {}
        return state


def _float32_below(edges: np.ndarray) -> np.ndarray:
    """Each float64 edge as the largest float32 at or below it: a float32 value is above an
    edge exactly when it is above that (no float32 lies between them), so float32 rows
    need not be widened to be compared."""
    with np.errstate(over="ignore"):  # beyond float32's range: +-inf, then stepped down
        out = edges.astype(np.float32)
    above = out.astype(np.float64) > edges
    out[above] = np.nextafter(out[above], np.float32(-np.inf))
    return out


def proba_of(raw: np.ndarray) -> np.ndarray:
    """``P(class 1)`` from the summed log-odds."""
    with np.errstate(over="ignore"):  # exp(800) is inf, and 1 / inf the right 0
        return 1.0 / (1.0 + np.exp(-raw))


def raw_together(ensembles: Sequence[BoostedTrees], xs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``[e.raw(x) for e, x in zip(ensembles, xs)]`` for inputs of the same rows, the same
    sums to the bit.  Below JOINED_COMPILED_FROM_ROWS rows, or without the compiled walker,
    one numpy walk takes every ensemble's trees at once: on one page the walk's cost is
    mostly by the level, not by the (row, tree) pair."""
    xs = [e._check_width(x) for e, x in zip(ensembles, xs)]
    n = len(xs[0])
    if len(ensembles) < 2 or any(len(x) != n for x in xs) or (
            n >= JOINED_COMPILED_FROM_ROWS and any(e._compiled_trees(n) for e in ensembles)):
        return [e.raw(x) for e, x in zip(ensembles, xs)]
    first, *others = ensembles
    tree_at = np.cumsum([0] + [e.n_trees for e in ensembles]).tolist()
    groups = [(a, b, e.baseline_) for a, b, e in zip(tree_at, tree_at[1:], ensembles)]
    return first._joined(tuple(others))._numpy_sums(np.hstack(xs), groups)


def _omp_threads() -> int:
    """The OpenMP thread count in force now: a forked worker that starts more threads
    than its limit can deadlock.  One where this scikit-learn lacks the helper."""
    try:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    except ImportError:
        _fall_back("scikit-learn's OpenMP thread helper is missing; its walker runs on one thread",
                   numpy=False)
        return 1
    return _openmp_effective_n_threads()


def _compiled_parts() -> tuple[np.dtype, Any, Any] | None:
    """(node record dtype, bitset dtype, TreePredictor) of the installed scikit-learn, when
    they are as this module uses them; else None, with a warning once."""
    try:
        from sklearn.ensemble._hist_gradient_boosting.common import (
            PREDICTOR_RECORD_DTYPE,
            X_BITSET_INNER_DTYPE,
        )
        from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    except ImportError as exc:
        _fall_back(f"it cannot be imported ({exc})")
        return None
    fields = set(getattr(PREDICTOR_RECORD_DTYPE, "names", None) or ())
    lacking = [k for k in _NODE_FIELDS if k not in fields]
    if lacking:
        _fall_back(f"its node record lacks {', '.join(lacking)}")
        return None
    if not callable(getattr(TreePredictor, "predict_binned", None)):
        _fall_back("its TreePredictor has no predict_binned")
        return None
    return PREDICTOR_RECORD_DTYPE, X_BITSET_INNER_DTYPE, TreePredictor


def _fall_back(reason: str, numpy: bool = True) -> None:
    """Say once per reason why the compiled walker is not used as it should be."""
    if reason in _warned:
        return
    _warned.add(reason)
    then = "; the numpy walker labels instead (the same labels, slower on large batches)"
    log.warning("scikit-learn's compiled tree walker: %s%s; %s", reason, then if numpy else "",
                _FIX_SKLEARN)


def _check_fitted(model: Any) -> None:
    """A fitted boosted model holds the private parts ``from_sklearn`` reads, or a
    :class:`TrainingError` says which it lacks."""
    lacking = [a for a in _SKLEARN_FITTED if not hasattr(model, a)]
    mapper = getattr(model, "_bin_mapper", None)
    if mapper is not None:
        lacking += [f"_bin_mapper.{a}" for a in _SKLEARN_MAPPER if not hasattr(mapper, a)]
    predictors = getattr(model, "_predictors", None) or []
    if predictors and not all(len(p) == 1 and hasattr(p[0], "nodes") for p in predictors):
        lacking.append("_predictors[i][0].nodes")
    if lacking:
        raise TrainingError(f"this scikit-learn's boosted trees lack {', '.join(lacking)}, "
                            f"which training reads; {_FIX_SKLEARN}")
