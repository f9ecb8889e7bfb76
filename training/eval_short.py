"""Topics of short texts sent alone, as a user sends them: held-out topic rows as full
text, headline and truncated lead, and the project's own held-out headlines."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
from tqdm import tqdm

from newssift.classifier.errors import TrainingError
from newssift.classifier.model import NewssiftModel
from newssift.training.baselines import accepted_topic
from newssift.training.compose import truncate_teaser
from newssift.training.config import TrainConfig
from newssift.training.corpus import load_label_map, short_text_examples, topic_examples
from newssift.training.eval_topics import TopicBaselines, _baselines
from newssift.training.sources import read_topic_rows

__all__ = ["short_topic_eval", "project_short_text_eval", "SHORT_KINDS", "PROJECT_SHORT_TEXTS"]


def _truncated_lead(text: str, key: str, headline: str | None = None) -> str:
    """A held-out text's lead as a listing cuts it (the same cut every run, seeded by
    ``key``): its first line, or the first line after the headline when the text starts
    with it (BBC, Inshorts, 20 Newsgroups), so that the lead is not the headline again."""
    lines = [line for line in text.split("\n") if line.strip()]
    first = lines[1] if headline and len(lines) > 1 and lines[0].strip() == headline.strip() else (
        lines[0] if lines else "")
    return truncate_teaser(random.Random(key), first)


SHORT_KINDS = ("full", "headline", "truncated")


def short_topic_eval(model: NewssiftModel, cfg: TrainConfig,
                     baselines: bool | TopicBaselines = True, progress: bool = True) -> dict:
    """Article-topic accuracy of held-out topic rows sent as documents, as a user sends them:
    the full text, its headline alone and its first line truncated as a listing cuts it.

    Reads ``article.topic`` of ``segment_many`` (a null topic counts wrong), beside the
    TF-IDF + LinearSVC baselines trained on all sets and on each set alone (for the short
    kinds with the training rows' headlines added); adds the confusion counts of the short
    kinds (headline, truncated) and the null rate."""
    label_map = load_label_map(cfg)
    svcs = _baselines(cfg, baselines)
    test_rows = topic_examples(cfg, label_map, "test")
    headline_of = {}
    for name in cfg.topic_files:
        for row in read_topic_rows(cfg.data / "topics" / f"{name}-train.jsonl.gz"):
            if row.headline and len(row.headline.split()) >= 3:
                headline_of[(name, row.text)] = row.headline

    def right(pred: str | None, row) -> bool:
        return accepted_topic(pred, row.topic, row.proxy)

    report: dict = {"sources": {}, "confusion": {}, "nulls": 0, "rows": 0}
    confusion: Counter = Counter()
    for s in tqdm([s for s in cfg.topic_files if any(r.source == s for r in test_rows)],
                  desc="short-text topic evaluation", disable=not progress):
        rows = [r for r in test_rows if r.source == s]
        inputs = {"full": [(r, r.text) for r in rows],
                  "headline": [(r, headline_of[(s, r.text)]) for r in rows
                               if (s, r.text) in headline_of and headline_of[(s, r.text)] != r.text],
                  "truncated": [(r, _truncated_lead(r.text, r.text, headline_of.get((s, r.text))))
                                for r in rows if len(r.text.split()) >= 8]}
        out = {}
        for kind in SHORT_KINDS:
            pairs = [(r, t) for r, t in inputs[kind] if t.split()]
            if not pairs:
                continue
            texts = [t for _, t in pairs]
            results = model.segment_many(texts)
            pred = [res.article.topic for res in results]
            report["nulls"] += sum(p is None for p in pred)
            report["rows"] += len(pred)
            row = {"n": len(pairs),
                   "newssift": float(np.mean([right(p, r) for p, (r, _) in zip(pred, pairs)]))}
            if kind != "full":
                for p, (r, _) in zip(pred, pairs):
                    # An accepted answer (politics for a world-news row) is on the diagonal.
                    confusion[(r.topic, r.topic if right(p, r) else p or "null")] += 1
            combined = alone = None
            if svcs is not None:
                combined = svcs.svc(headlines=kind != "full")
                alone = svcs.svc(s, headlines=kind != "full")
            if combined is not None:
                row["svc_all_sets"] = float(np.mean([right(p, r) for p, (r, _)
                                                     in zip(combined.predict(texts), pairs)]))
            if alone is not None:
                row["svc_this_set"] = float(np.mean([right(p, r) for p, (r, _)
                                                     in zip(alone.predict(texts), pairs)]))
            out[kind] = row
        report["sources"][s] = out
    matrix: dict[str, dict[str, int]] = {}
    for (t, p), n in sorted(confusion.items()):
        matrix.setdefault(t, {})[p] = n
    report["confusion"] = matrix
    return report


PROJECT_SHORT_TEXTS = "training/gold/short_texts.jsonl"


def project_short_text_eval(model: NewssiftModel, path: str | None = None) -> dict:
    """Article topic of the project's own held-out headlines (never trained on), each sent
    alone as a user sends it: the label set's definitions (courts legal, summits
    politics), which the topic files' conventions blur."""
    from newssift.classifier.resources import resolve

    rows = short_text_examples(resolve(path or PROJECT_SHORT_TEXTS), 1.0)
    if not rows:
        raise TrainingError(f"{path or PROJECT_SHORT_TEXTS}: no short texts to score")
    pred = [r.article.topic for r in model.segment_many([x.text for x in rows])]
    per_topic: dict[str, list[bool]] = {}
    for p, x in zip(pred, rows):
        per_topic.setdefault(x.topic, []).append(p == x.topic)
    return {"n": len(rows), "accuracy": float(np.mean([p == x.topic for p, x in zip(pred, rows)])),
            "per_topic": {t: {"n": len(v), "accuracy": float(np.mean(v))}
                          for t, v in sorted(per_topic.items())}}
