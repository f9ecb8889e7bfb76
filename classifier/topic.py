"""Topic head: a gated mixture of per-source linear experts over the shared TF-IDF rows.

Each labelled source has its own conventions (a world-news section, a policy
code, a newsgroup), and one model trained on all of them together is worse on
every source than a model trained on that source alone.  So every source gets
its own expert, and a gate, trained to tell which source a text resembles,
weighs the experts: ``P(topic | x) = sum_s P(s | x) P_s(topic | x)``.  Gate and
experts are linear SVMs whose margins become probabilities through a softmax
with a temperature fitted on held-out rows.

A block's row and an article's row live in the same space: the article row is
the TF-IDF of its main blocks' summed n-gram counts (the text as one document,
as the head was trained), so the article topic costs one sparse sum instead of a
second pass over the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from newssift.classifier.defaults import SEED, TOPIC_C, TOPIC_GATE_SHAPE, TOPIC_GENERAL_WEIGHT
from newssift.classifier.features import normalize_rows

__all__ = ["TopicClassifier", "pool_rows"]

TEMPERATURES = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
CALIBRATION_FRACTION = 0.1
QUANT_LEVELS = 127


def _softmax(z: np.ndarray, t: float) -> np.ndarray:
    z = t * (z - z.max(axis=1, keepdims=True))
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _svc(C: float, seed: int) -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=C, random_state=seed)


class TopicClassifier:
    """P(topic | TF-IDF row) from a source gate and one expert per source."""

    def __init__(self, *, C: float = TOPIC_C, general_weight: float = TOPIC_GENERAL_WEIGHT,
                 gate_shape: float = TOPIC_GATE_SHAPE, random_state: int = SEED) -> None:
        self.C = C
        self.general_weight = general_weight
        self.gate_shape = gate_shape
        self.random_state = random_state

    def fit(self, x: sp.csr_matrix, y: Sequence[str], sources: Sequence[str] | None = None,
            sample_weight: np.ndarray | None = None, shape: np.ndarray | None = None,
            ) -> TopicClassifier:
        """``shape``: each row's form (``Featurizer`` dense columns up to ``SHAPE_COLUMNS``),
        which the gate reads beside the words when given and ``gate_shape`` is above 0; the
        fitted head then needs the form of every row it scores."""
        y = np.asarray(y, dtype=str)
        sources = np.asarray(sources if sources is not None else ["all"] * len(y), dtype=str)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        shape = np.asarray(shape, np.float32) if self.gate_shape and shape is not None else None
        rng = np.random.default_rng(self.random_state)
        held = rng.random(len(y)) < CALIBRATION_FRACTION
        if held.sum() >= 20 and (~held).sum() >= 20:
            self._fit_linear(x[~held], y[~held], sources[~held], w[~held],
                             None if shape is None else shape[~held])
            self._fit_temperatures(x[held], y[held], None if shape is None else shape[held])
        else:
            self.gate_t_, self.expert_t_ = 3.0, 3.0
        self._fit_linear(x, y, sources, w, shape)
        # The model is kept (and evaluated) as it is saved: int8 weights, a scale per column.
        self.coef_q_, self.coef_scale_ = _quantize(self.coef_)
        self.coef_ = _dequantize(self.coef_q_, self.coef_scale_)
        return self

    def _fit_linear(self, x, y, sources, w, shape=None) -> TopicClassifier:
        self.classes_ = np.array(sorted(set(y)))
        self.sources_ = np.array(sorted(set(sources)))
        self.gate_shape_coef_ = None
        blocks, intercepts, layout = [], [], []
        col = 0
        # The general model, trained on every source at once, speaks for texts
        # that resemble no source in particular (most of what users send).
        general = _svc(self.C, self.random_state).fit(x, y, sample_weight=w)
        coef, icpt = self._ovr(general, len(self.classes_))
        blocks.append(coef)
        intercepts.append(icpt)
        col += coef.shape[1]
        if len(self.sources_) > 1:
            # The gate tells sources apart by their form as well as their words: a headline
            # file, a wire service's title-and-summary, a long article (gate accuracy on
            # held-out rows 0.875 from the words alone, 0.97 with the form).
            gx = x if shape is None else sp.hstack(
                [x, sp.csr_matrix(self.gate_shape * shape)], format="csr")
            gate = _svc(self.C, self.random_state).fit(gx, sources, sample_weight=w)
            coef, icpt = self._ovr(gate, len(self.sources_))
            if shape is not None:
                self.gate_shape_coef_ = (self.gate_shape * coef[x.shape[1]:]).astype(np.float32)
                coef = coef[:x.shape[1]]
            blocks.append(coef)
            intercepts.append(icpt)
            col += coef.shape[1]
        for s in self.sources_:
            m = sources == s
            labels = np.array(sorted(set(y[m])))
            idx = np.searchsorted(self.classes_, labels)
            if len(labels) == 1:
                layout.append((None, idx))
                continue
            expert = _svc(self.C, self.random_state).fit(x[m], y[m], sample_weight=w[m])
            coef, icpt = self._ovr(expert, len(labels))
            blocks.append(coef)
            intercepts.append(icpt)
            layout.append((slice(col - len(self.classes_), col - len(self.classes_) + coef.shape[1]), idx))
            col += coef.shape[1]
        self.coef_ = np.hstack(blocks).astype(np.float32) if blocks else np.zeros(
            (x.shape[1], 0), np.float32)
        self.intercept_ = np.concatenate(intercepts).astype(np.float32) if intercepts else np.zeros(0)
        self.layout_ = layout
        self.__dict__.pop("_plan", None)  # derived from the old layout
        return self

    @staticmethod
    def _ovr(svc: Any, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients as (n_features, n_classes); binary SVMs become two opposite columns."""
        coef, icpt = svc.coef_, svc.intercept_
        if n_classes == 2:
            coef, icpt = np.vstack([-coef, coef]) / 2, np.concatenate([-icpt, icpt]) / 2
        return coef.T, icpt

    def _fit_temperatures(self, x, y, shape=None) -> None:
        z = self._margins(x, shape)
        best = None
        for tg in TEMPERATURES:
            for te in TEMPERATURES:
                self.gate_t_, self.expert_t_ = tg, te
                p = self._mix(z)
                idx = np.searchsorted(self.classes_, y)
                ok = np.isin(y, self.classes_)
                nll = -np.mean(np.log(np.clip(p[np.flatnonzero(ok), idx[ok]], 1e-9, 1)))
                if best is None or nll < best[0]:
                    best = (nll, tg, te)
        _, self.gate_t_, self.expert_t_ = best

    def _margins(self, x: sp.csr_matrix, shape: np.ndarray | None = None) -> np.ndarray:
        z = np.asarray(x @ self.coef_) + self.intercept_
        if self.reads_shape:
            if shape is None:
                raise ValueError("this topic head's gate reads the form: pass each row's shape")
            k = len(self.classes_)
            z[:, k:k + len(self.sources_)] += np.asarray(shape, np.float32) @ self.gate_shape_coef_
        return z

    def _mix(self, z: np.ndarray) -> np.ndarray:
        n = z.shape[0]
        k = len(self.classes_)
        general = _softmax(z[:, :k], self.expert_t_)
        z = z[:, k:]
        n_src = len(self.sources_)
        gate = _softmax(z[:, :n_src], self.gate_t_) if n_src > 1 else np.ones((n, 1))
        take, starts, sizes, source, to_class = self._expert_plan()
        if not len(take):
            return self.general_weight * general
        # Every expert's softmax at once: its columns are one group of the reduceat calls.
        # A source with one label has one column of margin 0 (probability 1).
        margins = np.concatenate([z, np.zeros((n, 1))], axis=1)[:, take]
        top = np.repeat(np.maximum.reduceat(margins, starts, axis=1), sizes, axis=1)
        e = np.exp(self.expert_t_ * (margins - top))
        soft = e / np.repeat(np.add.reduceat(e, starts, axis=1), sizes, axis=1)
        p = (gate[:, source] * soft) @ to_class
        return self.general_weight * general + (1 - self.general_weight) * p

    def _expert_plan(self) -> tuple[np.ndarray, ...]:
        """Index arrays for :meth:`_mix`, derived from ``layout_`` once and never pickled."""
        plan = self.__dict__.get("_plan")
        if plan is None:
            n_cols = len(self.intercept_) - len(self.classes_)  # the zero column after them
            take, sizes, source, classes = [], [], [], []
            for j, (cols, idx) in enumerate(self.layout_):
                take += [n_cols] if cols is None else list(range(cols.start, cols.stop))
                sizes.append(len(idx))
                source += [j] * len(idx)
                classes += list(idx)
            starts = np.cumsum(sizes) - np.asarray(sizes, dtype=np.int64)
            to_class = np.zeros((len(take), len(self.classes_)))
            to_class[np.arange(len(take)), classes] = 1.0
            plan = (np.array(take, dtype=np.int64), starts.astype(np.int64),
                    np.array(sizes, dtype=np.int64), np.array(source, dtype=np.int64), to_class)
            self._plan = plan
        return plan

    def predict_proba(self, x: sp.csr_matrix, shape: np.ndarray | None = None) -> np.ndarray:
        """P(topic) of each row; ``shape`` is the rows' form, needed when the gate reads it."""
        if x.shape[0] == 0:
            return np.zeros((0, len(self.classes_)))
        return self._mix(self._margins(x, shape))

    def predict(self, x: sp.csr_matrix, shape: np.ndarray | None = None) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(x, shape), axis=1)]

    @property
    def reads_shape(self) -> bool:
        return getattr(self, "gate_shape_coef_", None) is not None

    def get_params(self) -> dict:
        return {"C": self.C, "general_weight": self.general_weight, "gate_shape": self.gate_shape,
                "random_state": self.random_state}

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        layout = [[None if cols is None else [cols.start, cols.stop], [int(i) for i in idx]]
                  for cols, idx in self.layout_]
        config = {"params": self.get_params(), "classes": [str(c) for c in self.classes_],
                  "sources": [str(s) for s in self.sources_], "layout": layout,
                  "gate_temperature": self.gate_t_, "expert_temperature": self.expert_t_}
        arrays = {"coef_q": self.coef_q_, "coef_scale": self.coef_scale_,
                  "intercept": self.intercept_}
        if self.reads_shape:
            arrays["gate_shape_coef"] = self.gate_shape_coef_
        return config, arrays

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray]) -> TopicClassifier:
        model = cls(**{"gate_shape": 0.0, **config["params"]})  # older heads: words only
        model.classes_ = np.array(config["classes"])
        model.sources_ = np.array(config["sources"])
        model.layout_ = [(None if cols is None else slice(*cols), np.array(idx, dtype=np.int64))
                         for cols, idx in config["layout"]]
        model.gate_t_ = float(config["gate_temperature"])
        model.expert_t_ = float(config["expert_temperature"])
        model.coef_q_, model.coef_scale_ = arrays["coef_q"], arrays["coef_scale"]
        model.coef_ = _dequantize(model.coef_q_, model.coef_scale_)
        model.intercept_ = arrays["intercept"]
        model.gate_shape_coef_ = arrays.get("gate_shape_coef")
        return model


def _quantize(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights with one float32 scale per column: a quarter of the size, the same
    predictions to three decimals."""
    scale = (np.abs(coef).max(axis=0) / QUANT_LEVELS + 1e-12).astype(np.float32) if coef.size else (
        np.ones(coef.shape[1], np.float32))
    return np.round(coef / scale).astype(np.int8), scale


def _dequantize(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return q.astype(np.float32) * scale


def pool_rows(x: sp.csr_matrix, groups: np.ndarray, n_groups: int, mask: np.ndarray,
              normalize: bool = True) -> sp.csr_matrix:
    """One row per group: the sum of the rows of ``x`` where ``mask`` holds (L2-normalised
    unless ``normalize`` is false, for counts that are weighed afterwards)."""
    rows = np.flatnonzero(mask)
    rows = rows[np.argsort(groups[rows], kind="stable")]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(groups[rows], minlength=n_groups))])
    # Built as CSR directly: the (row, col) form's conversion cost more than the product.
    pick = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), rows, indptr),
                         shape=(n_groups, x.shape[0]))
    summed = (pick @ x).tocsr()
    return normalize_rows(summed) if normalize else summed
