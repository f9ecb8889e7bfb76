"""Adapt a trained model to a user's corrections: ``newssift train --base MODEL --labels FILE``.

Seconds instead of a full retrain: the base model's fitted parts are kept as they are
and an adapter (:mod:`newssift.classifier.adapt`) learns the corrections on top, one
scope per site the labels name.  The adapted model is written as a model directory
of its own, with a manifest that names its base and what it was adapted on.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from newssift.classifier.adapt import AdaptDoc, fit_adapter, roles_of
from newssift.classifier.errors import InvalidInput, TrainingError
from newssift.classifier.html import read_page
from newssift.classifier.model import NewssiftModel
from newssift.classifier.persist import FORMAT_VERSION, model_location, read_manifest, save_model
from newssift.classifier.segment import segment
from newssift.training.sources import read_labelled_documents

__all__ = ["adapt_docs", "adapt_model", "write_adapted_model"]


def adapt_docs(records: Sequence[dict], topics: Sequence[str], where: str = "labels") -> list[AdaptDoc]:
    """Labels-format records as the adapter's documents (unlabelled blocks unknown); a
    record with the page's ``html`` brings its blocks' markup."""
    topics = set(topics)
    docs = []
    for n, rec in enumerate(records, 1):
        markup = None
        if isinstance(rec.get("html"), str):
            try:
                page = read_page(rec["html"])
            except InvalidInput as exc:
                raise TrainingError(f"{where}: record {n}: {exc}") from None
            rec = {**rec, "text": page.text}
            markup = page.markup
        blocks = segment(rec["text"])
        roles: list[str | None] = [None] * len(blocks)
        block_topics: list[str | None] = [None] * len(blocks)
        for lab in rec["labels"]:
            i = lab.get("index")
            if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(blocks):
                raise TrainingError(f"{where}: record {n}: block index {i!r} out of range")
            if lab.get("role") is not None:
                roles[i] = lab["role"]
            topic = lab.get("topic")
            if topic is not None:
                if topic not in topics:
                    raise TrainingError(f"{where}: record {n}: unknown topic {topic!r}")
                block_topics[i] = topic
        try:
            codes = roles_of(roles)
        except ValueError:
            raise TrainingError(f"{where}: record {n}: unknown role among "
                                f"{sorted(set(map(str, roles)))}") from None
        docs.append(AdaptDoc([b.text for b in blocks], codes, block_topics, rec.get("site") or "",
                             markup if markup is not None and len(markup) == len(blocks) else None))
    return docs


def adapt_model(base: NewssiftModel, records: Sequence[dict], where: str = "labels") -> NewssiftModel:
    """``base`` with an adapter fitted to ``records`` (its own adapter's other scopes kept)."""
    docs = adapt_docs(records, base.topics, where)
    if not docs:
        raise TrainingError(f"{where}: no labelled documents to adapt to")
    plain = base.adapted(None)
    return base.adapted(fit_adapter(plain, docs, base=base.adapter))


def write_adapted_model(base_dir: Path, labels_files: Sequence[Path], out_dir: Path) -> Path:
    """Adapt the model in ``base_dir`` to the labels files and write it to ``out_dir``."""
    from newssift.classifier.persist import load_model

    started = time.time()
    base_dir = model_location(base_dir)  # models/default: the shipped model, from a pip install too
    base = load_model(base_dir)
    records = [rec for path in labels_files for rec in read_labelled_documents(path)]
    model = adapt_model(base, records, where=", ".join(map(str, labels_files)))
    model.version = out_dir.name
    base_manifest = read_manifest(base_dir)
    manifest = {k: v for k, v in base_manifest.items() if k not in ("files", "version")}
    manifest.update({
        "version": out_dir.name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "adapted": {"base": str(base_manifest.get("version", base_dir.name)),
                    "labels_files": [str(p) for p in labels_files],
                    "labelled_documents": len(records),
                    "labelled_blocks": sum(len(r["labels"]) for r in records),
                    "scopes": sorted(model.adapter.scopes),
                    "seconds": round(time.time() - started, 2)},
    })
    extra = {}
    for name in ("EVALUATION.txt", "EVALUATION_LODO.txt", "MODEL_CARD.md"):
        if (Path(base_dir) / name).is_file():  # the base model's figures, which the adapter keeps
            extra[name] = (Path(base_dir) / name).read_text(encoding="utf-8")
    manifest["format_version"] = FORMAT_VERSION
    return save_model(model, out_dir, manifest, extra_files=extra)
