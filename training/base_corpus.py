"""The base corpus of a training run: what the config alone names (block pages, composed
pages, topic rows, the project's own labels), read, composed and featurized.

Its featurizer is learnt from it and its rows computed once, then cached
(:mod:`newssift.training.cache`): a user's next full retrain differs only in the extra
label files, which are featurized with the base featurizer and joined to the base rows
(:func:`labels_data`).  They train every head, at ``labels_weight``, but do not shape the
vocabulary or the composed pages (a few dozen pages beside a hundred thousand would
barely move either).  The cache key hashes this module and every newssift module it
imports, so a change to this code is a change of key.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from newssift.classifier.batch import BlockBatch, concat_batches
from newssift.classifier.errors import TrainingError
from newssift.classifier.features import SHAPE_COLUMNS, Featurizer, shape_of
from newssift.training.config import TrainConfig
from newssift.training.corpus import (
    RoleDoc,
    TopicExample,
    block_docs,
    boilerplate_pool,
    composed_docs,
    labelled_docs,
    load_label_map,
    short_text_examples,
    teaser_pool,
    topic_examples,
    weak_teaser_labels,
)

__all__ = ["RoleData", "TrainInputs", "TopicData", "BaseCorpus", "gather_inputs", "fit_featurizer",
           "featurize_docs", "featurize_topics", "join_role_data", "join_topic_data",
           "build_base_corpus", "base_corpus", "labels_data"]


@dataclass
class RoleData:
    """Featurized role documents with per-block targets and weights."""

    batch: BlockBatch
    roles: np.ndarray
    weights: np.ndarray
    composed: np.ndarray  # per block: from a composed page


@dataclass
class TrainInputs:
    block: list[RoleDoc]
    composed: list[RoleDoc]
    labelled: list[RoleDoc]
    topics: list[TopicExample]
    short_texts: list[TopicExample] = field(default_factory=list)


def gather_inputs(cfg: TrainConfig, labels_files: Sequence[Path] = (),
                  block_sources: Sequence[str] | None = None,
                  step: Callable[[str], None] = lambda _: None) -> TrainInputs:
    needs_map = bool(cfg.topic_files) or bool(cfg.composed_documents and cfg.article_files)
    label_map = load_label_map(cfg) if needs_map else None
    step("reading block pages")
    block = list(block_docs(cfg, cfg.block_sources if block_sources is None else block_sources))
    labelled = []
    hw = cfg.path(cfg.handwritten)
    if cfg.handwritten and hw.exists():
        labelled += labelled_docs(hw, "handwritten", cfg.handwritten_weight)
    for path in list(cfg.labels_files) + list(labels_files):
        labelled += labelled_docs(cfg.path(str(path)), "labels", cfg.labels_weight)
    step("composing documents")
    rng = random.Random(cfg.seed)
    pool = boilerplate_pool(block, rng, recurring_words=cfg.inline_recurring_words)
    pool += sorted({t for d in labelled for t, r in zip(d.texts, d.roles) if r == 2})
    composed = []
    if cfg.composed_documents and cfg.article_files:
        composed = composed_docs(cfg, pool, teaser_pool(cfg, label_map))
    step("reading topic data")
    topics = topic_examples(cfg, label_map, "train") if cfg.topic_files else []
    short_texts = []
    if cfg.short_texts:
        short = cfg.path(cfg.short_texts)
        if not short.is_file():
            raise TrainingError(f"{short}: short_texts file not found")
        short_texts = short_text_examples(short, cfg.short_texts_weight)
    return TrainInputs(block, composed, labelled, topics, short_texts)


def fit_featurizer(cfg: TrainConfig, inputs: TrainInputs) -> Featurizer:
    """The vocabulary comes from news text and our own labels, never from the block pages.

    That keeps every leave-one-source-out fold honest while sharing one featurizer.
    The project's short texts are left out: a hundred lines would shift which terms
    pass ``min_df``, and so every head, for words the news text already has.
    """
    docs = [[t for t, r in zip(d.texts, d.roles) if r != 2] for d in inputs.composed]
    docs += [d.texts for d in inputs.labelled]
    docs += [[ex.text] for ex in inputs.topics]
    if not docs:
        raise TrainingError("no training text: check data_root and the handwritten corpus path")
    return Featurizer(ngram_range=(1, cfg.ngram_max), min_df=cfg.min_df,
                      max_features=cfg.max_features,
                      comment_features=cfg.comment_features,
                      language_features=cfg.language_features).fit(docs)


def featurize_docs(featurizer: Featurizer, docs: Sequence[RoleDoc]) -> RoleData:
    # The role heads never pool blocks: their batches drop the counts (half their memory).
    batch = replace(featurizer.transform([d.texts for d in docs]), counts=None)
    roles = np.concatenate([d.roles for d in docs]) if docs else np.zeros(0, np.int8)
    weights = np.concatenate([
        np.full(len(d.texts), d.weight) * (d.keep if d.keep is not None else 1.0) for d in docs
    ]) if docs else np.zeros(0)
    roles = np.where(weights > 0, roles, -1)
    for d_start, d in zip(np.cumsum([0] + [len(d.texts) for d in docs[:-1]]), docs):
        sl = slice(d_start, d_start + len(d.texts))
        roles[sl] = np.where(roles[sl] >= 0, weak_teaser_labels(d.texts, roles[sl]), roles[sl])
    composed = (np.concatenate([np.full(len(d.texts), d.source == "composed") for d in docs])
                if docs else np.zeros(0, bool))
    return RoleData(batch, roles.astype(np.int8), weights.astype(np.float64), composed)


def join_role_data(parts: Sequence[RoleData]) -> RoleData:
    return RoleData(concat_batches([p.batch for p in parts]),
                    np.concatenate([p.roles for p in parts]),
                    np.concatenate([p.weights for p in parts]),
                    np.concatenate([p.composed for p in parts]))

@dataclass
class TopicData:
    """Featurized topic examples: rows, their form, labels and how much each counts."""

    x: sp.csr_matrix
    shape: np.ndarray
    labels: np.ndarray
    sources: list[str]
    weights: np.ndarray
    proxy: np.ndarray


def _topic_targets(inputs: TrainInputs) -> tuple[list[str], list[str], list[str], np.ndarray, np.ndarray]:
    examples = inputs.topics + inputs.short_texts
    texts = [ex.text for ex in examples]
    labels = [ex.topic for ex in examples]
    sources = [ex.source for ex in examples]
    weights = [ex.weight for ex in examples]
    proxy = [ex.proxy for ex in examples]
    for doc in inputs.labelled:
        for text, topic in zip(doc.texts, doc.topics):
            if topic is not None:
                texts.append(text)
                labels.append(topic)
                sources.append(doc.source)
                weights.append(doc.weight)
                proxy.append(False)
    return texts, labels, sources, np.array(weights, float), np.array(proxy, bool)


def featurize_topics(featurizer: Featurizer, inputs: TrainInputs) -> TopicData:
    texts, labels, sources, weights, proxy = _topic_targets(inputs)
    if not texts:  # fit_topic_data says what is missing
        return TopicData(sp.csr_matrix((0, featurizer.counter_.n_features), dtype=np.float32),
                         np.zeros((0, SHAPE_COLUMNS), np.float32), np.array([], dtype=object), [],
                         weights, proxy)
    batch = featurizer.transform([[t] for t in texts])
    return TopicData(batch.tfidf, shape_of(batch), np.array(labels, dtype=object), sources,
                     weights, proxy)


def join_topic_data(a: TopicData, b: TopicData) -> TopicData:
    return TopicData(sp.vstack([a.x, b.x], format="csr"), np.vstack([a.shape, b.shape]),
                     np.concatenate([a.labels, b.labels]), a.sources + b.sources,
                     np.concatenate([a.weights, b.weights]), np.concatenate([a.proxy, b.proxy]))

@dataclass
class BaseCorpus:
    """What the config alone gives a training run, featurized: shared by every full retrain
    with the same config, data and code (the user's labels are added on top)."""

    featurizer: Featurizer
    roles: RoleData
    topics: TopicData
    summary: dict


def build_base_corpus(cfg: TrainConfig, step: Callable[[str], None] = lambda _: None) -> BaseCorpus:
    """Read, compose and featurize the base corpus (minutes for the default config)."""
    inputs = gather_inputs(cfg, step=step)
    step("vocabulary")
    featurizer = fit_featurizer(cfg, inputs)
    step("featurizing role documents")
    roles = featurize_docs(featurizer, inputs.block + inputs.composed + inputs.labelled)
    topics = featurize_topics(featurizer, inputs)
    summary = {
        "block_pages": {s: sum(1 for d in inputs.block if d.source == s)
                        for s in sorted({d.source for d in inputs.block})},
        "composed_documents": len(inputs.composed),
        "labelled_documents": len(inputs.labelled),
        "topic_examples": len(inputs.topics),
        "short_texts": len(inputs.short_texts),
    }
    return BaseCorpus(featurizer, roles, topics, summary)


def _cached_base(key: dict, cfg: TrainConfig, step: Callable[[str], None]) -> BaseCorpus:
    """:func:`build_base_corpus`, as :func:`base_corpus` caches it under ``key``."""
    return build_base_corpus(cfg, step)


def base_corpus(cfg: TrainConfig, cache_dir: Path | None = None,
                step: Callable[[str], None] = lambda _: None) -> BaseCorpus:
    """The featurized base corpus, from the cache at ``cache_dir`` when the config, the data
    files and the code are those it was built from; built (and stored) otherwise.

    ``cache_dir`` None builds it every time."""
    if cache_dir is None:
        return build_base_corpus(cfg, step)
    from newssift.training.cache import MAX_CACHED_ITEMS, fingerprint, memory

    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only home: train all the same, only slower
        warnings.warn(f"newssift: cannot cache the featurized corpus in {cache_dir} ({exc}); "
                      "set NEWSSIFT_CACHE_DIR to a writable folder", stacklevel=2)
        return build_base_corpus(cfg, step)
    store = memory(cache_dir)
    cached = store.cache(_cached_base, ignore=["cfg", "step"])
    key = fingerprint(cfg)
    result = cached(key, cfg, step)
    store.reduce_size(items_limit=MAX_CACHED_ITEMS)
    return result


def labels_data(cfg: TrainConfig, base: BaseCorpus, labels_files: Sequence[Path],
                ) -> tuple[RoleData | None, TopicData | None, int]:
    """The extra label files' rows, featurized with the base corpus's featurizer."""
    labelled = [d for path in labels_files
                for d in labelled_docs(cfg.path(str(path)), "labels", cfg.labels_weight)]
    if not labelled:
        return None, None, 0
    extra = TrainInputs(block=[], composed=[], labelled=labelled, topics=[])
    topics = featurize_topics(base.featurizer, extra) if any(
        t is not None for d in labelled for t in d.topics) else None
    return featurize_docs(base.featurizer, labelled), topics, len(labelled)
