"""What the promotion gate measures, for the active and the candidate model on the same data.

* ``gold_*``: the project's hand-checked documents (packaged in ``training/gold``),
  never trained on; role accuracy, role macro-F1, topic accuracy of main blocks.
* ``heldout_*``: with the full training config and its shared data present,
  ``three_class_eval`` macro-F1 and ``topic_eval`` accuracy.  An installed wheel has
  no such data unless ``NEWSSIFT_DATA`` names it: :func:`training_data_problem` says
  so, and the gate reports the check as not run instead of failing the job.
* ``labels_cv_*``: the stored labels, cross-validated by document: fold models are
  trained with the candidate's config on the other folds' labels and scored on
  the held-out fold; the active model is scored on the same blocks.  Only texts
  the active model was not trained on count, or it would be graded on its homework.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newssift.classifier.errors import TrainingError
from newssift.classifier.labels import ROLES
from newssift.classifier.model import NewssiftModel
from newssift.classifier.resources import DATA_ENV, packaged
from newssift.training.metrics import class_report

__all__ = ["GoldDoc", "gold_documents", "gold_metrics", "heldout_metrics", "labels_cv_metrics",
           "training_data_problem", "GOLD_GLOBS", "NO_TRAINING_DATA"]

GOLD_GLOBS = ("*.labels.jsonl",)  # in the packaged training/gold
NO_TRAINING_DATA = "no training data found"


@dataclass(frozen=True)
class GoldDoc:
    text: str
    roles: dict[int, str]
    topics: dict[int, frozenset[str]]  # block -> acceptable topics (only blocks with one)
    site: str | None = None  # a stored label's site: its site-scoped adapter applies


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold_documents(root: Path | None = None) -> list[GoldDoc]:
    root = packaged("training/gold") if root is None else root
    docs = []
    for pattern in GOLD_GLOBS:
        for labels in sorted(root.glob(pattern)):
            text_path = labels.with_name(labels.name.replace(".labels.jsonl", ".txt"))
            if not text_path.is_file():
                continue
            rows = _read_jsonl(labels)
            topics = {r["index"]: frozenset(r.get("accept_topics") or [r["topic"]])
                      for r in rows if r.get("topic")}
            docs.append(GoldDoc(text_path.read_text(encoding="utf-8"),
                                {r["index"]: r["role"] for r in rows if r.get("role")}, topics))
    return docs


def _accuracy(hits: Sequence[bool]) -> float | None:
    return sum(hits) / len(hits) if hits else None


def _macro_f1(pairs: Sequence[tuple[str, str]]) -> float | None:
    if not pairs:
        return None
    gold, predicted = zip(*pairs)
    return class_report(gold, predicted, ROLES)["_overall"]["macro_f1"]


def score_docs(model: NewssiftModel, docs: Sequence[GoldDoc], prefix: str) -> dict[str, float]:
    pairs: list[tuple[str, str]] = []
    topic_hits: list[bool] = []
    for doc, result in zip(docs, model.segment_many([d.text for d in docs],
                                                    sites=[d.site for d in docs])):
        for seg in result.segments:
            if seg.index in doc.roles:
                pairs.append((doc.roles[seg.index], seg.role))
            if seg.index in doc.topics:
                topic_hits.append(seg.topic in doc.topics[seg.index])
    metrics = {f"{prefix}_role_accuracy": _accuracy([g == p for g, p in pairs]),
               f"{prefix}_role_macro_f1": _macro_f1(pairs),
               f"{prefix}_topic_accuracy": _accuracy(topic_hits)}
    return {k: round(v, 4) for k, v in metrics.items() if v is not None}


def gold_metrics(model: NewssiftModel) -> dict[str, float]:
    docs = gold_documents()
    return score_docs(model, docs, "gold") if docs else {}


def training_data_problem(cfg) -> str | None:
    """Why the config's third-party training data cannot be read, or None when it can (or
    when the config reads none, as ``tiny.toml`` does)."""
    if not (cfg.block_sources or cfg.eval_sources or cfg.topic_files or cfg.article_files):
        return None
    try:
        return None if cfg.data.is_dir() else f"no training data at {cfg.data}"
    except TrainingError:  # nowhere to look (an installed wheel, NEWSSIFT_DATA unset), or not there
        where = cfg.data_root or os.environ.get(DATA_ENV)
        return f"no training data at {where}" if where else NO_TRAINING_DATA


def heldout_metrics(model: NewssiftModel, cfg) -> dict[str, float]:
    """The training module's held-out figures; {} when the config names no held-out files
    or its shared data is absent (:func:`training_data_problem` says which)."""
    from newssift.training.evaluate import three_class_eval, topic_eval

    if not (cfg.article_files and cfg.topic_files) or training_data_problem(cfg):
        return {}
    roles = three_class_eval(model, cfg)
    topics = topic_eval(model, cfg, baselines=False, progress=False)
    return {"heldout_role_macro_f1": round(roles["_overall"]["macro_f1"], 4),
            "heldout_topic_accuracy": round(topics["per_class"]["_overall"]["accuracy"], 4)}


def _as_gold(record: dict) -> GoldDoc:
    labels = record["labels"]
    return GoldDoc(record["text"], {x["index"]: x["role"] for x in labels if x.get("role")},
                   {x["index"]: frozenset([x["topic"]]) for x in labels if x.get("topic")},
                   record.get("site"))


def labels_cv_metrics(cfg, records: Sequence[dict], unseen_by_active: Sequence[bool],
                      active: NewssiftModel | None, folds: int,
                      train_fn: Callable[[object, list[Path]], NewssiftModel],
                      ) -> tuple[dict[str, float], dict[str, float]]:
    """(active metrics, candidate metrics) on stored labels the active model never saw.

    ``train_fn(cfg, label_files)`` fits a model; it is called once per fold.
    """
    keep = [r for r, unseen in zip(records, unseen_by_active) if unseen]
    folds = min(folds, len(keep))
    if folds < 2:
        return {}, {}
    fold_of = [i % folds for i in range(len(keep))]
    held_docs: list[GoldDoc] = []
    candidate_hits: dict[str, list] = {"pairs": [], "topics": []}
    with tempfile.TemporaryDirectory(prefix="newssift-cv-") as tmp:
        for k in range(folds):
            path = Path(tmp) / f"fold{k}.jsonl"
            held = [r for r, f in zip(keep, fold_of) if f == k]
            held_set = {id(r) for r in held}
            train_part = [r for r in records if id(r) not in held_set]
            path.write_text("".join(json.dumps(r) + "\n" for r in train_part), encoding="utf-8")
            model = train_fn(cfg, [path])
            gold = [_as_gold(r) for r in held]
            held_docs += gold
            for doc, result in zip(gold, model.segment_many([d.text for d in gold],
                                                            sites=[d.site for d in gold])):
                for seg in result.segments:
                    if seg.index in doc.roles:
                        candidate_hits["pairs"].append((doc.roles[seg.index], seg.role))
                    if seg.index in doc.topics:
                        candidate_hits["topics"].append(seg.topic in doc.topics[seg.index])
    cand = {"labels_cv_role_accuracy": _accuracy([g == p for g, p in candidate_hits["pairs"]]),
            "labels_cv_topic_accuracy": _accuracy(candidate_hits["topics"])}
    cand = {k: round(v, 4) for k, v in cand.items() if v is not None}
    act = score_docs(active, held_docs, "labels_cv") if active is not None else {}
    act.pop("labels_cv_role_macro_f1", None)
    return act, cand
