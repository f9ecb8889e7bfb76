"""The role heads' out-of-fold first-pass scores, the base corpus's part cached with it.

Each role head's second pass learns from first-pass scores as they look on pages the first
pass never saw (:class:`newssift.classifier.role.TwoPassHead`): fold models, each fitted
without some documents, score those documents.  Fitted on every row, the fold models change
with every user's labels, and they were two thirds of the linear fitting of a full retrain.
Here they are fitted on the base corpus's rows only: their scores of those rows are then the
same for every set of labels and cached beside the base corpus
(:mod:`newssift.training.cache`), and a label file's rows are scored by the mean of the fold
models, none of which saw them.  The final first pass and both second passes still learn
from every row.  Without labels the scores are exactly those the heads compute themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from newssift.classifier.role import TeaserScorer, _expit, _sgd, linear_input
from newssift.training.base_corpus import BaseCorpus, RoleData
from newssift.training.config import TrainConfig

__all__ = ["RoleTargets", "role_targets", "Folds", "FirstPassScores", "fit_folds",
           "base_first_pass", "first_pass_scores"]


@dataclass
class RoleTargets:
    """What each role head learns from the rows of a :class:`RoleData`: targets and weights
    (weight 0: a block that gives context, not a target)."""

    y_main: np.ndarray
    w_main: np.ndarray
    y_teaser: np.ndarray
    w_teaser: np.ndarray


def role_targets(cfg: TrainConfig, data: RoleData) -> RoleTargets:
    """Main against the rest, weighing composed pages ``main_composed_factor`` times more for
    the main head; teaser against boilerplate (the unknown "not main" blocks weigh 0)."""
    known = data.roles >= 0
    w_main = np.where(known, data.weights, 0.0) * np.where(data.composed, cfg.main_composed_factor, 1.0)
    known_split = (data.roles == 1) | (data.roles == 2)
    return RoleTargets((data.roles == 0).astype(np.int8), w_main, (data.roles == 1).astype(np.int8),
                       np.where(known_split, data.weights, 0.0))


@dataclass
class Folds:
    """Fold models' out-of-fold scores of the rows they were fitted on, and the models
    themselves (``constant`` NaN for a fitted model, else the score of a fold that saw one
    class only) to score rows none of them saw."""

    oof: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    constant: np.ndarray
    # The log-odds a row's own words add (the first ``n_words`` columns), out of fold, for a
    # main head with ``own_words``; None when not asked for.
    words: np.ndarray | None = None
    n_words: int = 0

    def score(self, x: sp.csr_matrix) -> np.ndarray:
        """The mean of the fold models' P(class 1) for the rows of ``x``."""
        z = np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept
        p = np.where(np.isnan(self.constant), _expit(z), self.constant)
        return p.mean(axis=1).astype(np.float32)

    def score_words(self, x: sp.csr_matrix) -> np.ndarray:
        """The mean of the fitted fold models' own-words log-odds for the rows of ``x``."""
        fitted = np.isnan(self.constant)
        z = np.asarray(x[:, :self.n_words] @ self.coef[fitted, :self.n_words].T, dtype=np.float64)
        return (z.mean(axis=1) if fitted.any() else np.zeros(x.shape[0])).astype(np.float32)

    def scores(self) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """The out-of-fold scores as a head's ``fit(oof=)`` takes them."""
        return self.oof if self.words is None else (self.oof, self.words)


def fit_folds(x: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray, groups: np.ndarray,
              folds: int, alpha: float, epochs: int, seed: int, n_words: int = 0) -> Folds:
    """:func:`newssift.classifier.role._out_of_fold` (the same splits, models and scores),
    keeping the fold models."""
    from sklearn.model_selection import GroupKFold

    oof = np.zeros(len(y), dtype=np.float32)
    words = np.zeros(len(y), dtype=np.float32)
    coef = np.zeros((folds, x.shape[1]))
    intercept, constant = np.zeros(folds), np.full(folds, np.nan)
    for k, (train, test) in enumerate(GroupKFold(n_splits=folds).split(x, y, groups=groups)):
        if len(np.unique(y[train])) < 2:  # a few labelled documents: a fold of one class
            constant[k] = oof[test] = float(y[train][0]) if len(train) else 0.0
            continue
        first = _sgd(alpha, epochs, seed).fit(x[train], y[train], sample_weight=sample_weight[train])
        oof[test] = first.predict_proba(x[test])[:, 1]
        coef[k], intercept[k] = first.coef_.ravel(), first.intercept_[0]
        if n_words:
            words[test] = x[test][:, :n_words] @ first.coef_[0, :n_words]
    return Folds(oof, coef, intercept, constant, words if n_words else None, n_words)


@dataclass
class FirstPassScores:
    """The base corpus's fold models of each head (``teaser`` None: its head has no second
    pass)."""

    main: Folds
    teaser: Folds | None


def _fit_base(cfg: TrainConfig, data: RoleData) -> FirstPassScores:
    t = role_targets(cfg, data)
    x = linear_input(data.batch, cfg.neighbour_words)
    main = fit_folds(x, t.y_main, t.w_main, data.batch.doc, cfg.main_folds, cfg.main_alpha,
                     cfg.main_epochs, cfg.seed,
                     n_words=data.batch.tfidf.shape[1] if cfg.main_own_words else 0)
    teaser = None
    if cfg.teaser_context:
        epochs = TeaserScorer.PARAMS["epochs"]  # the teaser head's, as fit_role_heads builds it
        x = x if not cfg.neighbour_words else linear_input(data.batch)
        teaser = fit_folds(x, t.y_teaser, t.w_teaser, data.batch.doc, cfg.main_folds,
                           cfg.teaser_alpha, epochs, cfg.seed)
    return FirstPassScores(main, teaser)


def _cached_base(key: dict, cfg: TrainConfig, data: RoleData) -> FirstPassScores:
    """:func:`_fit_base`, as :func:`base_first_pass` caches it under ``key``."""
    return _fit_base(cfg, data)


def base_first_pass(cfg: TrainConfig, base: BaseCorpus, cache_dir: Path | None) -> FirstPassScores | None:
    """The fold models of the base corpus's rows, from the cache when the base corpus and this
    code are those they were fitted on (``cache_dir`` None: fitted here).  None when the base
    corpus has fewer documents than folds: the heads then compute their own."""
    if len(np.unique(base.roles.batch.doc)) < cfg.main_folds:
        return None
    if cache_dir is None:
        return _fit_base(cfg, base.roles)
    from newssift.training.cache import code_modules, fingerprint, memory

    code = [p.read_bytes() for p in code_modules("newssift.training.first_pass")]
    key = {"base": fingerprint(cfg), "code": code}
    return memory(cache_dir).cache(_cached_base, ignore=["cfg", "data"])(key, cfg, base.roles)


def first_pass_scores(cfg: TrainConfig, base: FirstPassScores, extra: RoleData | None,
                      ) -> tuple[np.ndarray | tuple[np.ndarray, np.ndarray], np.ndarray | None]:
    """Out-of-fold scores of the base rows then the label rows, for the main head and the
    teaser head (rows in the order of :func:`newssift.training.base_corpus.join_role_data`)."""
    if extra is None:
        return base.main.scores(), None if base.teaser is None else base.teaser.oof
    x = linear_input(extra.batch, cfg.neighbour_words)
    main = np.concatenate([base.main.oof, base.main.score(x)])
    if base.main.words is not None:
        main = (main, np.concatenate([base.main.words, base.main.score_words(x)]))
    if base.teaser is None:
        return main, None
    x = x if not cfg.neighbour_words else linear_input(extra.batch)
    return main, np.concatenate([base.teaser.oof, base.teaser.score(x)])
