"""Evaluations on pages composed only from held-out text (held-out stories and headlines,
Dragnet's boilerplate): the three roles per block, and the topics of teasers."""

from __future__ import annotations

import random

import numpy as np

from newssift.classifier.features import shape_of
from newssift.classifier.labels import ROLES
from newssift.classifier.model import NewssiftModel
from newssift.training.baselines import accepted_topic
from newssift.training.compose import Teaser
from newssift.training.config import TrainConfig
from newssift.training.corpus import (
    block_docs,
    boilerplate_pool,
    composed_docs,
    load_label_map,
    teaser_pool,
)
from newssift.training.eval_topics import TopicBaselines, _baselines
from newssift.training.metrics import class_report

__all__ = ["heldout_composed_docs", "three_class_eval", "teaser_topic_eval"]


def heldout_composed_docs(cfg: TrainConfig, n_docs: int, seed_offset: int) -> list:
    """Pages composed only from held-out text: held-out stories and headlines, and the
    boilerplate of Dragnet pages (never trained on)."""
    label_map = load_label_map(cfg)
    rng = random.Random(cfg.seed + seed_offset)
    block = list(block_docs(cfg.replace(max_pages_per_source=40), ["dragnet"]))
    pool = boilerplate_pool(block, rng)
    return composed_docs(cfg, pool, teaser_pool(cfg, label_map, split="test"), n=n_docs,
                         split="test")


def three_class_eval(model: NewssiftModel, cfg: TrainConfig, n_docs: int = 600) -> dict:
    """main/teaser/boilerplate on pages composed only from held-out text."""
    docs = heldout_composed_docs(cfg, n_docs, seed_offset=1)
    s = model.score([d.texts for d in docs])
    y_true = np.concatenate([d.roles for d in docs])
    return class_report([ROLES[i] for i in y_true], [ROLES[i] for i in s.role], ROLES)


def teaser_topic_eval(model: NewssiftModel, cfg: TrainConfig, n_docs: int = 200,
                      baselines: bool | TopicBaselines = True) -> dict:
    """On composed seed-shaped pages of held-out text (a story, then headlines of other
    stories, some truncated): how often a teaser gets an accepted topic, per file the
    teaser came from, beside the SVC baselines (with headline rows) on the same texts; and
    the roles.

    ``teaser_topic_accuracy`` reads the topic of every gold teaser's block (what the head
    says of it); ``end_to_end`` also needs the block called teaser, as a user sees it."""
    docs = heldout_composed_docs(cfg, n_docs, seed_offset=2)
    s = model.score([d.texts for d in docs])
    y_role = np.concatenate([d.roles for d in docs])
    origin = [o for d in docs for o in d.origins]
    texts = [t for d in docs for t in d.texts]
    teaser = np.flatnonzero(y_role == 1)
    meta: list[Teaser] = [origin[i] for i in teaser]  # each teaser's pool entry
    # The head's view of each gold teaser's own row (a block's row does not depend on
    # its neighbours), whatever role the block was given.
    rows = model.featurizer.transform([[texts[i]] for i in teaser])
    pred = ([model.topics[int(k)] for k in model.topic.predict_proba(
        rows.tfidf, shape_of(rows)).argmax(axis=1)]
            if len(teaser) else [])

    def right(predicted, entries) -> list[bool]:
        return [accepted_topic(p, e.topic, e.proxy) for p, e in zip(predicted, entries)]

    ok = right(pred, meta)
    called = [bool(s.role[i] == 1) for i in teaser]
    files = sorted({e.source for e in meta})
    svcs = _baselines(cfg, baselines)
    svc_ok: list[bool] = []
    alone_ok: dict[int, bool] = {}
    if svcs is not None and len(teaser):
        svc_ok = right(svcs.svc(headlines=True).predict([texts[i] for i in teaser]), meta)
        # An SVC that knows which file each teaser came from (trained on that file alone):
        # what the same words give when the file's label conventions are known.
        for name in files:
            alone = svcs.svc(name, headlines=True)
            picked = [k for k, e in enumerate(meta) if e.source == name]
            if alone is not None and picked:
                got = right(alone.predict([texts[teaser[k]] for k in picked]),
                            [meta[k] for k in picked])
                alone_ok.update(zip(picked, got))
    by_file: dict = {}
    for name in files:
        picked = [k for k, e in enumerate(meta) if e.source == name]
        by_file[name] = {
            "n": len(picked),
            "newssift": float(np.mean([ok[k] for k in picked])),
            "svc_all_sets": float(np.mean([svc_ok[k] for k in picked])) if svc_ok else None,
            "svc_this_set": (float(np.mean([alone_ok[k] for k in picked]))
                             if all(k in alone_ok for k in picked) else None)}
    main = y_role == 0
    return {"teaser_topic_accuracy": float(np.mean(ok)) if ok else None,
            "end_to_end": float(np.mean(np.array(ok) & np.array(called))) if ok else None,
            "svc_all_sets": float(np.mean(svc_ok)) if svc_ok else None,
            "svc_this_set": (float(np.mean(list(alone_ok.values())))
                             if ok and len(alone_ok) == len(ok) else None),
            "by_file": by_file,
            "teasers_called_teaser": float(np.mean(called)) if called else None,
            "main_vs_rest_accuracy": float(np.mean((s.role == 0) == main)),
            "teasers": len(ok), "documents": len(docs)}
