"""Scoring a model's main decision on real pages: token F1 of the kept text against the
page's gold text, and block precision / recall / F1 of `main` (half-aligned blocks left out).

Shared by the leave-one-dataset-out evaluation, the evaluation gate and the benchmarks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from newssift.classifier.decision import keep_main
from newssift.classifier.model import NewssiftModel
from newssift.training.corpus import RoleDoc
from newssift.training.metrics import counter_f1, tokens

__all__ = ["PageScore", "PageMain", "summarize", "score_pages", "main_probabilities", "main_keeps",
           "page_scores", "UNSURE"]

UNSURE = (0.3, 0.7)


@dataclass
class PageScore:
    source: str
    token_f1: float
    keep: list[bool]
    gold_main: list[int]
    sure: list[bool]
    lang: str | None = None  # the page's language (BlockPage.lang)


_GOLD_TOKENS: dict[str, Counter] = {}


def _page_scores(docs: Sequence[RoleDoc], keeps: Iterable[Sequence[bool]]) -> list[PageScore]:
    out = []
    for doc, keep in zip(docs, keeps):
        kept = "\n".join(t for t, k in zip(doc.texts, keep) if k)
        cov = np.asarray(doc.page.cov)
        sure = ~((cov > UNSURE[0]) & (cov < UNSURE[1]))
        gold = _GOLD_TOKENS.get(doc.page.id)
        if gold is None:
            gold = _GOLD_TOKENS[doc.page.id] = Counter(tokens(doc.page.gold))
        out.append(PageScore(doc.source, counter_f1(Counter(tokens(kept)), gold), list(keep),
                             list(doc.page.main), sure.tolist(), doc.page.lang))
    return out


def summarize(scores: Sequence[PageScore]) -> dict:
    """Mean page token F1 and block-level P/R/F1 of `main` (half-aligned blocks left out)."""
    keep = np.concatenate([np.asarray(s.keep, bool)[np.asarray(s.sure)] for s in scores])
    gold = np.concatenate([np.asarray(s.gold_main, bool)[np.asarray(s.sure)] for s in scores])
    tp, fp, fn = (keep & gold).sum(), (keep & ~gold).sum(), (~keep & gold).sum()
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"pages": len(scores), "token_f1": float(np.mean([s.token_f1 for s in scores])),
            "block_precision": float(prec), "block_recall": float(rec),
            "block_f1": float(2 * prec * rec / (prec + rec)) if prec + rec else 0.0}


@dataclass
class PageMain:
    """What the main decision of one page needs: P(main) and the comment-thread inputs."""

    p: np.ndarray
    framing: np.ndarray | None
    n_words: np.ndarray
    texts: Sequence[str] | None = None  # the blocks' texts: for the headline rule


def main_probabilities(model: NewssiftModel, docs: Sequence[RoleDoc], batch_size: int = 200,
                       ) -> list[PageMain]:
    """P(main) of every block of every page."""
    out: list[PageMain] = []
    for i in range(0, len(docs), batch_size):
        part = docs[i:i + batch_size]
        batch = model.featurizer.transform([d.texts for d in part])
        p = model.main.predict_proba(batch)[:, 1]
        bounds = np.cumsum([0] + [len(d.texts) for d in part])
        out += [PageMain(p[a:b], None if batch.framing is None else batch.framing[a:b],
                         batch.n_words[a:b], d.texts)
                for d, a, b in zip(part, bounds[:-1], bounds[1:])]
    return out


def main_keeps(model: NewssiftModel, pages: Sequence[PageMain], threshold: float | None = None,
               ) -> list[list[bool]]:
    """The model's main decision on every page, at its own threshold or at ``threshold``."""
    d = model.decision
    line = d.main_threshold if threshold is None else threshold
    return [keep_main(pm.p, line, pm.framing if d.drop_comment_threads else None, pm.n_words,
                      np.zeros(len(pm.p), np.int64), texts=pm.texts, line_forms=d.line_forms,
                      headlines=d.headlines).tolist() for pm in pages]


def score_pages(model: NewssiftModel, docs: Sequence[RoleDoc], batch_size: int = 200,
                ) -> list[PageScore]:
    """Token and block scores of a fitted model on real pages."""
    return _page_scores(docs, main_keeps(model, main_probabilities(model, docs, batch_size)))


# The name the benchmarks import.
page_scores = _page_scores
