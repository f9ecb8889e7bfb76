"""Topics per file: accuracy on the 20% held out of every topic file, beside TF-IDF +
LinearSVC baselines trained on all mapped sets together and on each set alone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from newssift.classifier.features import shape_of
from newssift.classifier.model import NewssiftModel
from newssift.training.baselines import accepted_topic, topic_svc
from newssift.training.config import TrainConfig
from newssift.training.corpus import load_label_map, topic_examples
from newssift.training.metrics import class_report

__all__ = ["TopicBaselines", "topic_eval"]


class TopicBaselines:
    """The TF-IDF + LinearSVC baselines of one evaluation run, each fitted once and shared
    by the topic evaluations: on every file or one file alone, on the rows as given or with
    each row's headline added as an example of its own (fairer for short texts)."""

    def __init__(self, cfg: TrainConfig) -> None:
        rows = topic_examples(cfg, load_label_map(cfg), "train")
        self._rows = {False: [r for r in rows if r.weight == 1.0], True: rows}
        self._fitted: dict = {}

    def svc(self, source: str | None = None, headlines: bool = False):
        """The fitted baseline, or None when its rows hold fewer than two topics."""
        key = (source, headlines)
        if key not in self._fitted:
            own = [r for r in self._rows[headlines] if source is None or r.source == source]
            self._fitted[key] = (topic_svc().fit([r.text for r in own], [r.topic for r in own])
                                 if len({r.topic for r in own}) > 1 else None)
        return self._fitted[key]


def _baselines(cfg: TrainConfig, baselines: bool | TopicBaselines) -> TopicBaselines | None:
    if isinstance(baselines, TopicBaselines):
        return baselines
    return TopicBaselines(cfg) if baselines else None


def topic_eval(model: NewssiftModel, cfg: TrainConfig, baselines: bool | TopicBaselines = True,
               progress: bool = True) -> dict:
    """Accuracy per topic file on its held-out 20%, world-news proxies also right as politics."""
    label_map = load_label_map(cfg)
    svcs = _baselines(cfg, baselines)  # on the rows as given, like the rows scored here
    test_rows = topic_examples(cfg, label_map, "test")
    sources = [s for s in cfg.topic_files if any(r.source == s for r in test_rows)]

    def accuracy(pred: Sequence[str], rows) -> float:
        ok = [accepted_topic(p, r.topic, r.proxy) for p, r in zip(pred, rows)]
        return float(np.mean(ok)) if ok else 0.0

    report: dict = {"sources": {}}
    all_true, all_pred = [], []
    for s in tqdm(sources, desc="topic evaluation", disable=not progress):
        rows = [r for r in test_rows if r.source == s]
        batch = model.featurizer.transform([[r.text] for r in rows])
        pred = list(model.topic.predict(batch.tfidf, shape_of(batch)))
        row = {"n": len(rows), "newssift": accuracy(pred, rows)}
        all_true += [r.topic for r in rows]
        all_pred += [r.topic if accepted_topic(p, r.topic, r.proxy) else p
                     for p, r in zip(pred, rows)]
        if svcs is not None:
            row["svc_all_sets"] = accuracy(svcs.svc().predict([r.text for r in rows]), rows)
            alone = svcs.svc(s)
            if alone is not None:
                row["svc_this_set"] = accuracy(alone.predict([r.text for r in rows]), rows)
        report["sources"][s] = row
    report["per_class"] = class_report(all_true, all_pred, model.topics)
    return report
