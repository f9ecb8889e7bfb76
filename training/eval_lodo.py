"""Roles, leave-one-dataset-out: for every block source, the role heads trained on all the
other sources (plus composed and hand-labelled documents) and scored on the one left out,
beside jusText and the best length rule, with a sweep of the main threshold."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

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

__all__ = ["lodo_role_eval", "baseline_scores", "LENGTH_RULE_RANGE", "THRESHOLD_SWEEP"]

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


def lodo_role_eval(cfg: TrainConfig, progress: bool = True,
                   log: Callable[[str], None] = print) -> dict:
    """Leave-one-dataset-out over ``cfg.eval_sources``; returns figures per source and overall."""
    inputs = gather_inputs(cfg, block_sources=cfg.eval_sources)
    featurizer = fit_featurizer(cfg, inputs)
    by_source = {s: [d for d in inputs.block if d.source == s] for s in cfg.eval_sources}
    data = {s: featurize_docs(featurizer, docs) for s, docs in by_source.items() if docs}
    label_map = load_label_map(cfg)
    teasers = teaser_pool(cfg, label_map)
    shared = featurize_docs(featurizer, inputs.labelled) if inputs.labelled else None
    model_scores: dict[str, list[PageScore]] = {}
    probs: dict[str, list[PageMain]] = {}
    folds = [s for s in cfg.eval_sources if s in data]
    for held in tqdm(folds, desc="leave-one-dataset-out", disable=not progress):
        train_sources = [s for s in cfg.block_sources if s != held and s in data]
        pool = boilerplate_pool([d for s in train_sources for d in by_source[s]],
                                random.Random(cfg.seed))
        pool += sorted({t for d in inputs.labelled for t, r in zip(d.texts, d.roles) if r == 2})
        composed = featurize_docs(featurizer, composed_docs(cfg, pool, teasers))
        parts = [data[s] for s in train_sources] + [composed] + ([shared] if shared else [])
        main, teaser = fit_role_heads(cfg, join_role_data(parts))
        fold_model = NewssiftModel(featurizer, main, teaser, topic=None,
                                   decision=Decision(drop_comment_threads=cfg.drop_comment_threads))
        probs[held] = main_probabilities(fold_model, by_source[held])
        model_scores[held] = _page_scores(by_source[held], main_keeps(fold_model, probs[held]))
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
