"""Roles, leave-one-dataset-out: for every block source, the role heads trained on all the
other sources (plus composed and hand-labelled documents) and scored on the one left out,
beside jusText and the best length rule, with a sweep of the main threshold."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from newssift.classifier.decision import Decision
from newssift.classifier.model import NewssiftModel
from newssift.training.baselines import justext_available, justext_keep, length_rule_keep
from newssift.training.config import TrainConfig
from newssift.training.corpus import (
    RoleDoc,
    boilerplate_pool,
    composed_docs,
    load_label_map,
    teaser_pool,
)
from newssift.training.eval_languages import language_rows, own_stoplist_scores
from newssift.training.eval_pages import (
    PageMain,
    PageScore,
    _page_scores,
    main_keeps,
    main_probabilities,
    summarize,
)
from newssift.training.train import (
    featurize_docs,
    fit_featurizer,
    fit_role_heads,
    gather_inputs,
    join_role_data,
)

__all__ = ["lodo_role_eval", "lodo_data", "fold_model", "LodoData", "baseline_scores",
           "LENGTH_RULE_RANGE", "THRESHOLD_SWEEP"]

LENGTH_RULE_RANGE = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 20, 25, 30, 40, 50)
THRESHOLD_SWEEP = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)



def baseline_scores(docs: Sequence[RoleDoc], progress: bool) -> dict[str, list[PageScore]]:
    """jusText and every length rule on the same pages."""
    out: dict[str, list[PageScore]] = {}
    if justext_available():
        keeps = [justext_keep(d.texts) for d in tqdm(docs, desc="jusText", disable=not progress)]
        out["justext"] = _page_scores(docs, keeps)
    for k in LENGTH_RULE_RANGE:
        out[f"length>={k}"] = _page_scores(docs, (length_rule_keep(d.texts, k) for d in docs))
    return out


def _by_language(docs: Sequence[RoleDoc], model: list[PageScore], base: dict[str, list[PageScore]],
                 best_k: int, progress: bool) -> dict[str, dict]:
    """The same page scores by page language (:mod:`~newssift.training.eval_languages`)."""
    systems = {"newssift": model, "length": base[f"length>={best_k}"]}
    if "justext" in base:
        systems["justext"] = base["justext"]
        systems["justext_own"] = own_stoplist_scores(docs, base["justext"], progress)
    return language_rows(systems)


@dataclass
class LodoData:
    """What every leave-one-dataset-out fold shares: the inputs, one featurizer fitted on
    them, each source's pages and their features, the teaser pool and the labelled documents."""

    cfg: TrainConfig
    inputs: object
    featurizer: object
    by_source: dict[str, list[RoleDoc]]
    data: dict[str, object]
    teasers: object
    shared: object

    @property
    def folds(self) -> list[str]:
        return [s for s in self.cfg.eval_sources if s in self.data]


def lodo_data(cfg: TrainConfig) -> LodoData:
    """Read and featurize everything the folds of ``cfg.eval_sources`` need, once."""
    inputs = gather_inputs(cfg, block_sources=cfg.eval_sources)
    featurizer = fit_featurizer(cfg, inputs)
    by_source = {s: [d for d in inputs.block if d.source == s] for s in cfg.eval_sources}
    data = {s: featurize_docs(featurizer, docs) for s, docs in by_source.items() if docs}
    teasers = teaser_pool(cfg, load_label_map(cfg))
    shared = featurize_docs(featurizer, inputs.labelled) if inputs.labelled else None
    return LodoData(cfg, inputs, featurizer, by_source, data, teasers, shared)


def fold_model(ld: LodoData, held: str) -> NewssiftModel:
    """Role heads trained on every block source but ``held`` (plus composed and labelled
    documents), as a model without a topic head."""
    cfg = ld.cfg
    train_sources = [s for s in cfg.block_sources if s != held and s in ld.data]
    pool = boilerplate_pool([d for s in train_sources for d in ld.by_source[s]],
                            random.Random(cfg.seed), recurring_words=cfg.inline_recurring_words)
    pool += sorted({t for d in ld.inputs.labelled for t, r in zip(d.texts, d.roles) if r == 2})
    composed = featurize_docs(ld.featurizer, composed_docs(cfg, pool, ld.teasers))
    parts = [ld.data[s] for s in train_sources] + [composed] + ([ld.shared] if ld.shared else [])
    main, teaser = fit_role_heads(cfg, join_role_data(parts))
    return NewssiftModel(ld.featurizer, main, teaser, topic=None,
                         decision=Decision(drop_comment_threads=cfg.drop_comment_threads))


def lodo_role_eval(cfg: TrainConfig, progress: bool = True,
                   log: Callable[[str], None] = print) -> dict:
    """Leave-one-dataset-out over ``cfg.eval_sources``; returns figures per source and overall."""
    ld = lodo_data(cfg)
    by_source, featurizer, folds = ld.by_source, ld.featurizer, ld.folds
    model_scores: dict[str, list[PageScore]] = {}
    probs: dict[str, list[PageMain]] = {}
    for held in tqdm(folds, desc="leave-one-dataset-out", disable=not progress):
        fold = fold_model(ld, held)
        probs[held] = main_probabilities(fold, by_source[held])
        model_scores[held] = _page_scores(by_source[held], main_keeps(fold, probs[held]))
        log(f"  {held}: token F1 {summarize(model_scores[held])['token_f1']:.3f}")
    all_docs = [d for s in folds for d in by_source[s]]
    base = baseline_scores(all_docs, progress)
    best_k = max(LENGTH_RULE_RANGE,
                 key=lambda k: np.mean([p.token_f1 for p in base[f"length>={k}"]]))
    report: dict = {"sources": {}, "best_length_rule": best_k, "threshold_sweep": {},
                    "threshold_sweep_by_source": {s: {} for s in folds}}
    # The decision at each threshold needs only the settings every fold model shares.
    decider = NewssiftModel(featurizer, None, None, None,
                            decision=Decision(drop_comment_threads=cfg.drop_comment_threads))
    for t in THRESHOLD_SWEEP:
        pages = []
        for s in folds:
            these = _page_scores(by_source[s], main_keeps(decider, probs[s], t))
            report["threshold_sweep_by_source"][s][str(t)] = summarize(these)["token_f1"]
            pages += these
        report["threshold_sweep"][str(t)] = summarize(pages)["token_f1"]
    report["languages"] = _by_language(all_docs, [p for s in folds for p in model_scores[s]], base,
                                       best_k, progress)
    for s in folds:
        row = {"newssift": summarize(model_scores[s])}
        for name in ("justext", f"length>={best_k}"):
            if name in base:
                row[name.split(">=")[0]] = summarize([p for p in base[name] if p.source == s])
        report["sources"][s] = row
    everything = [p for s in folds for p in model_scores[s]]
    report["all"] = {"newssift": summarize(everything)}
    for name in ("justext", f"length>={best_k}"):
        if name in base:
            report["all"][name.split(">=")[0]] = summarize(base[name])
    return report
