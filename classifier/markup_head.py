"""P(main) of a web page's blocks from their words and their markup: the HTML front end's
main head.

The text model's main head reads a block's words, its form and the scores of its
neighbours.  On a page read as HTML the markup says more (:mod:`~newssift.classifier.markup`):
the head here adds two things to the text head's second pass.

1. **A markup pass**, logistic over the hashed tag, class and id words of each block and
   its ancestors and the dense markup columns: what ``div.comment``, ``ul.menu`` or
   ``td.storybody`` mean on the pages it learnt from.
2. **Containers**: the word-weighted mean of the text first pass and of the markup pass
   over the blocks that share the block's parent and grandparent element, with the block
   itself left out.  A story's paragraphs sit together in one element; a short line among
   them is story, and a long comment in the comments' ``div`` is not.

Boosted trees then read all of it with the text head's own context features and its
answer.  They learn from scores as they look on sites the text head and the markup pass
never saw (out-of-source scores, :mod:`newssift.training.html_corpus`), as the text head's
second pass learns from out-of-fold ones.  The text head is shared, not copied: this head
is given its scores, which the text path computes anyway.
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
    MAIN_EPOCHS,
    MARKUP_ALPHA,
    MARKUP_HASHED,
    SEED,
)
from newssift.classifier.markup import PageMarkup
from newssift.classifier.role import LinearHead, Params, _expit, _fit_trees
from newssift.classifier.trees import BoostedTrees

__all__ = ["MarkupScorer", "markup_input", "container_means", "stack_input"]


def markup_input(markup: PageMarkup, hashed: bool = MARKUP_HASHED) -> sp.csr_matrix:
    """The markup pass's input: the hashed markup words (when ``hashed``), then the dense
    markup columns."""
    dense = sp.csr_matrix(markup.dense, dtype=np.float32)
    if not hashed:
        return dense
    return sp.hstack([markup.hashed, dense], format="csr", dtype=np.float32)


def container_means(p: np.ndarray, n_words: np.ndarray, container: np.ndarray,
                    doc: np.ndarray) -> np.ndarray:
    """Per block and per container level (parent, grandparent element): the word-weighted
    mean of ``p`` over the container, the same without the block (-1 when it is alone),
    and the container's mean less the page's."""
    w = np.maximum(n_words, 1).astype(np.float64)
    pw = p.astype(np.float64) * w
    page = (np.bincount(doc, weights=pw) / np.maximum(np.bincount(doc, weights=w), 1e-9))[doc]
    cols = []
    for level in range(container.shape[1]):
        key = container[:, level]
        num, den = np.bincount(key, weights=pw)[key], np.bincount(key, weights=w)[key]
        alone = np.bincount(key)[key] <= 1
        others = np.where(alone, -1.0, (num - pw) / np.maximum(den - w, 1e-9))
        cols += [num / den, others, num / den - page]
    return np.column_stack(cols).astype(np.float32)


def stack_input(p_first: np.ndarray, p_text: np.ndarray, p_markup: np.ndarray,
                batch: BlockBatch, markup: PageMarkup) -> np.ndarray:
    """The trees' input: the text head's second-pass input (the context of its first pass
    ``p_first``, the block's form), the context of the text head's answer ``p_text``, the
    markup columns, the markup pass's context, and the three scores' container means."""
    first, text, marked = context_features_of([p_first, p_text, p_markup],
                                              batch.n_words.astype(np.float32), batch.doc,
                                              batch.pos)
    parts = [first, batch.dense, text, markup.dense, marked]
    parts += [container_means(p, batch.n_words, markup.container, batch.doc)
              for p in (p_first, p_text, p_markup)]
    return np.hstack(parts).astype(np.float32)


class MarkupScorer(Params):
    """P(block is main story) on a page read as HTML, given the text head's first pass."""

    PARAMS: ClassVar[dict[str, Any]] = {
        "alpha": MARKUP_ALPHA, "epochs": MAIN_EPOCHS, "hashed": MARKUP_HASHED, "boost_iter": BOOST_ITER,
        "learning_rate": BOOST_LEARNING_RATE, "max_leaf_nodes": BOOST_MAX_LEAF_NODES,
        "random_state": SEED}
    SAVED_BEFORE: ClassVar[dict[str, Any]] = {"hashed": True}  # heads saved before the choice

    markup_: LinearHead
    second_: BoostedTrees

    def fit(self, batch: BlockBatch, markup: PageMarkup, y: np.ndarray,
            sample_weight: np.ndarray | None, p_first: np.ndarray, p_text: np.ndarray,
            p_markup: np.ndarray) -> MarkupScorer:
        """``p_first``, ``p_text`` and ``p_markup``: the text head's first pass's and final
        scores and the markup pass's, of every block, from models that never saw its site
        (out-of-source); the markup pass itself is fitted here on every block."""
        y = np.asarray(y, dtype=np.int8)
        self.markup_ = LinearHead.fit(markup_input(markup, self.hashed), y, sample_weight, alpha=self.alpha,
                                      epochs=self.epochs, seed=self.random_state)
        known = np.ones(len(y), bool) if sample_weight is None else sample_weight > 0
        x = stack_input(p_first, p_text, p_markup, batch, markup)[known]
        self.second_ = _fit_trees(x, y[known], None if sample_weight is None else sample_weight[known],
                                  boost_iter=self.boost_iter, learning_rate=self.learning_rate,
                                  max_leaf_nodes=self.max_leaf_nodes, seed=self.random_state)
        self.classes_ = np.array([0, 1])
        return self

    def markup_pass(self, markup: PageMarkup) -> np.ndarray:
        z = markup_input(markup, self.hashed) @ self.markup_.coef_ + self.markup_.intercept_
        return _expit(z).astype(np.float32)

    def proba(self, batch: BlockBatch, markup: PageMarkup, p_first: np.ndarray,
              p_text: np.ndarray) -> np.ndarray:
        """P(main) of every block, from the text head's first-pass and final scores."""
        if len(batch) == 0:
            return np.zeros(0)
        return self.second_.predict_proba(
            stack_input(p_first, p_text, self.markup_pass(markup), batch, markup))

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        markup_cfg, markup_arrays = self.markup_.to_arrays()
        second_cfg, second_arrays = self.second_.to_arrays()
        return ({"params": self.get_params(), "markup": markup_cfg, "second": second_cfg},
                {**prefixed("markup", markup_arrays), **prefixed("second", second_arrays)})

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray]) -> MarkupScorer:
        head = cls(**{**cls.SAVED_BEFORE, **config["params"]})
        head.markup_ = LinearHead.from_arrays(config["markup"], part(arrays, "markup"))
        head.second_ = BoostedTrees.from_arrays(config["second"], part(arrays, "second"))
        head.classes_ = np.array([0, 1])
        return head
