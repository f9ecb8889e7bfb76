"""The two role heads: P(main) of each block, and P(teaser | not main).

Both are a :class:`TwoPassHead`: a linear pass over a block's words and form, then
boosted trees over the first-pass scores around each block, which read a block among its
neighbours (a short line between story paragraphs is story).  They differ in what the
second pass may do (the main head's decides, the teaser head's only raises) and in their
defaults; what they share (parameters, fitting the passes, their arrays) is written once.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from newssift.classifier.arrays import part, prefixed
from newssift.classifier.batch import BlockBatch
from newssift.classifier.context import context_features_of
from newssift.classifier.defaults import (
    BOOST_ITER,
    BOOST_LEARNING_RATE,
    BOOST_MAX_LEAF_NODES,
    MAIN_ALPHA,
    MAIN_EPOCHS,
    MAIN_FOLDS,
    NEIGHBOUR_WORDS,
    OWN_WORDS,
    OWN_WORDS_BELOW,
    SEED,
    TEASER_ALPHA,
    TEASER_BOOST_ITER,
    TEASER_CONTEXT,
    TEASER_EPOCHS,
)
from newssift.classifier.trees import BoostedTrees, proba_of, raw_together

__all__ = ["Params", "LinearHead", "TwoPassHead", "MainScorer", "TeaserScorer", "linear_input",
           "role_probas"]


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


def _expit(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(800) is inf, and 1 / inf the right 0
        return 1.0 / (1.0 + np.exp(-z))


class LinearHead:
    """A fitted logistic model over ``linear_input``: its weights and intercept only."""

    def __init__(self, coef: np.ndarray, intercept: float, neighbour_words: float = 0.0) -> None:
        self.coef_ = np.ascontiguousarray(np.ravel(coef), dtype=np.float32)
        self.intercept_ = float(intercept)
        self.neighbour_words = float(neighbour_words)

    @classmethod
    def fit(cls, x: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray | None, *,
            alpha: float, epochs: int, seed: int, neighbour_words: float = 0.0) -> LinearHead:
        """SGD logistic regression (averaged), kept as float32 weights."""
        sgd = _sgd(alpha, epochs, seed).fit(x, y, sample_weight=sample_weight)
        return cls(sgd.coef_, float(sgd.intercept_[0]), neighbour_words)

    def proba(self, batch: BlockBatch) -> np.ndarray:
        """P(class 1): words @ w + dense @ w' without stacking the two (turning the dense
        block into a sparse one for ``hstack`` costs more than the whole product)."""
        return self.proba_and_words(batch)[0]

    def proba_and_words(self, batch: BlockBatch) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`proba` and :meth:`words` of the same blocks, the words' product made once."""
        words = self.words(batch)
        if self.neighbour_words:
            return _expit(linear_input(batch, self.neighbour_words) @ self.coef_ + self.intercept_), words
        n_words = batch.tfidf.shape[1]
        return _expit(words + batch.dense @ self.coef_[n_words:] + self.intercept_), words

    def words(self, batch: BlockBatch) -> np.ndarray:
        """The log-odds a block's own words add (its form and neighbours left out)."""
        return np.asarray(batch.tfidf @ self.coef_[:batch.tfidf.shape[1]], dtype=np.float32)

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        return ({"intercept": self.intercept_, "neighbour_words": self.neighbour_words},
                {"coef": self.coef_})

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray]) -> LinearHead:
        return cls(arrays["coef"], config["intercept"], config.get("neighbour_words", 0.0))


def _sgd(alpha: float, epochs: int, seed: int) -> Any:
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", alpha=alpha, max_iter=epochs, tol=None,
                         random_state=seed, average=True)


def _out_of_fold(x: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray | None,
                 groups: np.ndarray, folds: int, alpha: float, epochs: int, seed: int,
                 n_words: int = 0) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """First-pass probabilities of every row from a model that never saw its document:
    the second pass learns from scores as they look on unseen pages, not from fitted ones.
    ``n_words`` > 0: also the log-odds the first ``n_words`` columns (a block's own words)
    add, from the same fold models (:meth:`LinearHead.words`)."""
    from sklearn.model_selection import GroupKFold

    oof = np.zeros(len(y), dtype=np.float32)
    words = np.zeros(len(y), dtype=np.float32)
    for train, test in GroupKFold(n_splits=folds).split(x, y, groups=groups):
        sw = None if sample_weight is None else sample_weight[train]
        if len(np.unique(y[train])) < 2:  # a few labelled documents: a fold of one class
            oof[test] = float(y[train][0]) if len(train) else 0.0
            continue
        first = _sgd(alpha, epochs, seed).fit(x[train], y[train], sample_weight=sw)
        oof[test] = first.predict_proba(x[test])[:, 1]
        if n_words:
            words[test] = x[test][:, :n_words] @ first.coef_[0, :n_words]
    return (oof, words) if n_words else oof


def own_words_column(words: np.ndarray, n_words: np.ndarray, below: int) -> np.ndarray:
    """A block's own-words log-odds, as the second pass reads them: missing (NaN, which the
    trees send down a branch of its own) for blocks of ``below`` words or more, where a
    paragraph's length is evidence enough and its wording alone, a call to act or a
    question to the reader, would drop a real story paragraph; 0: every block's."""
    if below:
        words = np.where(n_words >= below, np.nan, words)
    return np.asarray(words, dtype=np.float32)[:, None]


def _context_input(p: np.ndarray, batch: BlockBatch) -> np.ndarray:
    """The second pass's input: the first-pass scores around each block, and its shape."""
    return _context_inputs([p], batch)[0]


def _context_inputs(ps: list[np.ndarray], batch: BlockBatch) -> list[np.ndarray]:
    """``[_context_input(p, batch) for p in ps]``, the contexts computed side by side."""
    return [np.hstack([ctx, batch.dense]) for ctx in context_features_of(
        ps, batch.n_words.astype(np.float32), batch.doc, batch.pos)]


def _fit_trees(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None, *, boost_iter: int,
               learning_rate: float, max_leaf_nodes: int, seed: int) -> BoostedTrees:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return BoostedTrees.from_sklearn(HistGradientBoostingClassifier(
        max_iter=boost_iter, learning_rate=learning_rate, max_leaf_nodes=max_leaf_nodes,
        early_stopping=False, random_state=seed,
    ).fit(x, y, sample_weight=sample_weight))


class Params:
    """Named parameters with defaults, as scikit-learn estimators take them: ``PARAMS`` names
    each with its default (the order ``model.json`` lists them in)."""

    PARAMS: ClassVar[dict[str, Any]]

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(self.PARAMS))
        if unknown:
            raise TypeError(f"{type(self).__name__} has no parameter {', '.join(unknown)}")
        for name, default in self.PARAMS.items():
            setattr(self, name, params.get(name, default))

    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in self.PARAMS}


class TwoPassHead(Params):
    """What both role heads are: a linear first pass over a block's words and form
    (:class:`LinearHead`), then boosted trees over the first-pass scores around each block
    (:func:`_context_input`), and how they are built, named and saved.

    ``PARAMS`` names every parameter with its default (the order ``model.json`` lists
    them in); ``FIRST_KEY`` is where a saved model keeps the first pass, the name models
    already saved use; ``SAVED_BEFORE`` are the parameters a model saved before one was
    added takes (it has none of its arrays)."""

    PARAMS: ClassVar[dict[str, Any]]
    FIRST_KEY: ClassVar[str]
    SAVED_BEFORE: ClassVar[dict[str, Any]] = {}

    first_: LinearHead
    second_: BoostedTrees | None

    def _first_fit(self, x: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray | None,
                   neighbour_words: float = 0.0) -> LinearHead:
        return LinearHead.fit(x, y, sample_weight, alpha=self.alpha, epochs=self.epochs,
                              seed=self.random_state, neighbour_words=neighbour_words)

    def _out_of_fold(self, x: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray | None,
                     groups: np.ndarray) -> np.ndarray:
        return _out_of_fold(x, y, sample_weight, groups, self.folds, self.alpha, self.epochs,
                            self.random_state)

    def _second_fit(self, x: np.ndarray, y: np.ndarray,
                    sample_weight: np.ndarray | None) -> BoostedTrees:
        return _fit_trees(x, y, sample_weight, boost_iter=self.boost_iter,
                          learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
                          seed=self.random_state)

    def predict_proba(self, batch: BlockBatch) -> np.ndarray:
        """``[P(class 0), P(class 1)]`` per block."""
        if len(batch) == 0:
            return np.zeros((0, 2))
        q = self._proba(batch)
        return np.column_stack([1 - q, q])

    def _proba(self, batch: BlockBatch) -> np.ndarray:
        raise NotImplementedError

    def predict(self, batch: BlockBatch) -> np.ndarray:
        return (self.predict_proba(batch)[:, 1] >= 0.5).astype(np.int8)

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        first_cfg, first = self.first_.to_arrays()
        config: dict = {"params": self.get_params(), self.FIRST_KEY: first_cfg}
        arrays = prefixed(self.FIRST_KEY, first)
        if self.second_ is not None:
            config["second"], second = self.second_.to_arrays()
            arrays.update(prefixed("second", second))
        return config, arrays

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray]) -> TwoPassHead:
        head = cls(**{**cls.SAVED_BEFORE, **config["params"]})
        head.first_ = LinearHead.from_arrays(config[cls.FIRST_KEY], part(arrays, cls.FIRST_KEY))
        head.second_ = (BoostedTrees.from_arrays(config["second"], part(arrays, "second"))
                        if "second" in config else None)
        head.classes_ = np.array([0, 1])
        return head


class MainScorer(TwoPassHead):
    """P(block is main story), from the block and its context."""

    PARAMS: ClassVar[dict[str, Any]] = {
        "alpha": MAIN_ALPHA, "epochs": MAIN_EPOCHS, "folds": MAIN_FOLDS,
        "boost_iter": BOOST_ITER, "learning_rate": BOOST_LEARNING_RATE,
        "max_leaf_nodes": BOOST_MAX_LEAF_NODES, "neighbour_words": NEIGHBOUR_WORDS,
        "random_state": SEED, "own_words": OWN_WORDS, "own_words_below": OWN_WORDS_BELOW}
    FIRST_KEY: ClassVar[str] = "first"
    SAVED_BEFORE: ClassVar[dict[str, Any]] = {"own_words": False, "own_words_below": 0}  # before them

    second_: BoostedTrees

    def fit(self, batch: BlockBatch, y: np.ndarray, sample_weight: np.ndarray | None = None,
            oof: np.ndarray | tuple[np.ndarray, np.ndarray] | None = None) -> MainScorer:
        """``oof``: the first pass's out-of-fold scores of every block, when the caller has
        them (a full retrain caches those of its base corpus), with ``own_words`` their
        own-words log-odds beside them, ``(scores, log_odds)``; None: computed here."""
        y = np.asarray(y, dtype=np.int8)
        x = linear_input(batch, self.neighbour_words)
        if oof is None or (self.own_words and not isinstance(oof, tuple)):
            oof = self._own_out_of_fold(x, y, sample_weight, batch)
        p_oof, words = (oof if isinstance(oof, tuple) else (oof, None))
        self.first_ = self._first_fit(x, y, sample_weight, self.neighbour_words)
        self.second_ = self._second_fit(self._second_input(p_oof, batch, words), y, sample_weight)
        self.classes_ = np.array([0, 1])
        return self

    def _own_out_of_fold(self, x: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray | None,
                         batch: BlockBatch) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Out-of-fold scores, with ``own_words`` their own-words log-odds beside them."""
        return _out_of_fold(x, y, sample_weight, batch.doc, self.folds, self.alpha, self.epochs,
                            self.random_state, n_words=batch.tfidf.shape[1] if self.own_words else 0)

    def first_pass(self, batch: BlockBatch) -> np.ndarray:
        return self.first_.proba(batch).astype(np.float32)

    def first_pass_and_words(self, batch: BlockBatch) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`first_pass` and the own-words log-odds :meth:`second_pass` reads."""
        p, words = self.first_.proba_and_words(batch)
        return p.astype(np.float32), words

    def _second_input(self, p: np.ndarray, batch: BlockBatch, words: np.ndarray | None = None,
                      context: np.ndarray | None = None) -> np.ndarray:
        """The trees' input: ``context`` (:func:`_context_input` of ``p``, computed here when
        None) and with ``own_words`` the own-words column of ``words`` (the first pass's,
        when None)."""
        x = _context_input(p, batch) if context is None else context
        if not self.own_words:
            return x
        words = self.first_.words(batch) if words is None else words
        return np.hstack([x, own_words_column(words, batch.n_words, self.own_words_below)])

    def second_pass(self, p_first: np.ndarray, batch: BlockBatch,
                    words: np.ndarray | None = None) -> np.ndarray:
        """P(main) from the first pass's scores ``p_first`` of the same blocks (and their
        own-words log-odds, computed here when None)."""
        return self.second_.predict_proba(self._second_input(p_first, batch, words))

    def _proba(self, batch: BlockBatch) -> np.ndarray:
        p_first, words = self.first_pass_and_words(batch)
        return self.second_pass(p_first, batch, words)


class TeaserScorer(TwoPassHead):
    """P(teaser | not main): a headline or summary of another story, versus boilerplate.

    The first pass reads the line alone.  A headline that is not cut off ("Holmes starts
    2005 with GB events") reads like a menu entry alone, but not among other headlines: a
    second pass, boosted trees over the first-pass scores around each block (as the main
    head's), may raise a block's score, never lower it.  Trained freely, it learnt to tell
    the composed pages (where every teaser comes from) from real pages (whose not-main
    blocks are only ever negatives) and called no teaser on real pages at all; as a
    raise-only pass it keeps what the line alone says there (docs/experiments.md).
    """

    PARAMS: ClassVar[dict[str, Any]] = {
        "alpha": TEASER_ALPHA, "epochs": TEASER_EPOCHS, "context": TEASER_CONTEXT,
        "folds": MAIN_FOLDS, "boost_iter": TEASER_BOOST_ITER,
        "learning_rate": BOOST_LEARNING_RATE, "max_leaf_nodes": BOOST_MAX_LEAF_NODES,
        "random_state": SEED}
    FIRST_KEY: ClassVar[str] = "model"  # the name of the teaser head's saved first pass
    SAVED_BEFORE: ClassVar[dict[str, Any]] = {"context": False}  # before the context pass

    def fit(self, batch: BlockBatch, y: np.ndarray, sample_weight: np.ndarray | None = None,
            oof: np.ndarray | None = None) -> TeaserScorer:
        """``sample_weight`` 0 marks blocks of unknown role: they give context, not targets.
        ``oof`` as for :meth:`MainScorer.fit`."""
        y = np.asarray(y, dtype=np.int8)
        x = linear_input(batch)
        self.first_ = self._first_fit(x, y, sample_weight)
        self.second_ = None
        if self.context:
            if oof is None:
                oof = self._out_of_fold(x, y, sample_weight, batch.doc)
            known = np.ones(len(y), bool) if sample_weight is None else sample_weight > 0
            w = None if sample_weight is None else sample_weight[known]
            self.second_ = self._second_fit(_context_input(oof, batch)[known], y[known], w)
        self.classes_ = np.array([0, 1])
        return self

    def _proba(self, batch: BlockBatch) -> np.ndarray:
        p = self.first_.proba(batch).astype(np.float32)
        if self.second_ is not None:
            p = np.maximum(p, self.second_.predict_proba(_context_input(p, batch)))
        return p


def role_probas(main: MainScorer, teaser: TeaserScorer, batch: BlockBatch,
                ) -> tuple[np.ndarray, np.ndarray]:
    """``main.predict_proba(batch)[:, 1]`` and ``teaser.predict_proba(batch)[:, 1]``, the
    same to the bit, with both second passes' trees walked at once where the numpy walker
    takes them (:func:`~newssift.classifier.trees.raw_together`): on one page, a walk
    costs more by the call than by the block."""
    if len(batch) == 0 or teaser.second_ is None:
        return main.predict_proba(batch)[:, 1], teaser.predict_proba(batch)[:, 1]
    p_first, words = main.first_pass_and_words(batch)
    p_teaser = teaser.first_.proba(batch).astype(np.float32)
    # Both heads' second-pass input is _context_input's (MainScorer._second_input).
    main_in, teaser_in = _context_inputs([p_first, p_teaser], batch)
    raw_main, raw_teaser = raw_together(
        [main.second_, teaser.second_], [main._second_input(p_first, batch, words, main_in), teaser_in])
    return proba_of(raw_main), np.maximum(p_teaser, proba_of(raw_teaser))
