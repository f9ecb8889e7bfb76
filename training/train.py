"""Fit a NewssiftModel from a TrainConfig (and optional extra label files).

Everything is seeded from ``cfg.seed``: the same config and data give the same
model.  Progress goes to a tqdm bar on stderr; nothing is written here: the CLI
saves the result with :func:`newssift.classifier.persist.save_model`.

Training runs in two parts.  The *base corpus* is what the config alone names (block
pages, composed pages, topic rows, the project's own labels): its featurizer is learnt
from it and its rows are computed once, then cached (:mod:`newssift.training.cache`),
because a user's next full retrain differs only in the extra label files.  Those extra
labels are featurized with the base featurizer and joined to the base rows: they train
every head, at ``labels_weight``, but do not shape the vocabulary or the composed pages
(a few dozen pages beside a hundred thousand would barely move either).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from tqdm import tqdm

from newssift.classifier.batch import BlockBatch, concat_batches
from newssift.classifier.decision import Decision
from newssift.classifier.errors import TrainingError
from newssift.classifier.features import SHAPE_COLUMNS, Featurizer, shape_of
from newssift.classifier.labels import DEFAULT_TOPICS
from newssift.classifier.model import NewssiftModel
from newssift.classifier.role import MainScorer, TeaserScorer
from newssift.classifier.topic import TopicClassifier
from newssift.training.config import TrainConfig
from newssift.training.corpus import (
    NOT_MAIN,
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

__all__ = ["train", "fit_featurizer", "fit_role_heads", "fit_topic_head", "RoleData",
           "featurize_docs", "TrainInputs", "gather_inputs", "TopicData", "BaseCorpus",
           "base_corpus", "build_base_corpus"]

WORLD_NEWS_ALTERNATIVES = ("conflict", "politics")


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
    pool = boilerplate_pool(block, rng)
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
                      comment_features=cfg.comment_features).fit(docs)


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


def fit_role_heads(cfg: TrainConfig, data: RoleData) -> tuple[MainScorer, TeaserScorer]:
    known = data.roles >= 0
    if not known.any():
        raise TrainingError("no labelled blocks to train the role heads on")
    y_main = (data.roles == 0).astype(np.int8)
    # Composed pages count main_composed_factor times more for the main head (TrainConfig).
    w_main = np.where(known, data.weights, 0.0) * np.where(data.composed, cfg.main_composed_factor, 1.0)
    main = MainScorer(alpha=cfg.main_alpha, epochs=cfg.main_epochs, folds=cfg.main_folds,
                      boost_iter=cfg.boost_iter, learning_rate=cfg.boost_learning_rate,
                      neighbour_words=cfg.neighbour_words, random_state=cfg.seed)
    main.fit(data.batch, y_main, sample_weight=w_main)
    # Teaser head: blocks known to be teasers or boilerplate (not the unknown "not main" ones).
    known_split = (data.roles == 1) | (data.roles == 2)
    y_teaser = (data.roles == 1).astype(np.int8)
    if len(np.unique(y_teaser[known_split])) < 2:
        raise TrainingError("the teaser head needs both teaser and boilerplate examples")
    teaser = TeaserScorer(alpha=cfg.teaser_alpha, context=cfg.teaser_context, folds=cfg.main_folds,
                          boost_iter=cfg.teaser_boost_iter, learning_rate=cfg.boost_learning_rate,
                          random_state=cfg.seed)
    teaser.fit(data.batch, y_teaser, sample_weight=np.where(known_split, data.weights, 0.0))
    return main, teaser


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


def relabel_world_news(x, y: np.ndarray, proxy: np.ndarray, weights: np.ndarray,
                       C: float) -> np.ndarray:
    """World-news rows become conflict or politics, whichever a model of exact labels prefers.

    A world-news section carries diplomacy and elections abroad as well as wars;
    taken at face value it teaches that every foreign-politics story is conflict.
    """
    from sklearn.svm import LinearSVC

    clean = ~proxy
    world = proxy & (y == "conflict")
    if not world.any() or not set(WORLD_NEWS_ALTERNATIVES) <= set(y[clean]):
        return y
    first = LinearSVC(C=C).fit(x[clean], y[clean], sample_weight=weights[clean])
    cols = [list(first.classes_).index(c) for c in WORLD_NEWS_ALTERNATIVES]
    choice = first.decision_function(x[world])[:, cols].argmax(axis=1)
    y = y.copy()
    y[world] = np.array(WORLD_NEWS_ALTERNATIVES, dtype=object)[choice]
    return y


def fit_topic_head(cfg: TrainConfig, featurizer: Featurizer, inputs: TrainInputs) -> TopicClassifier:
    """Per-source experts under a source gate; proxy labels handled, not taken at face value.

    World-news rows are relabelled (see :func:`relabel_world_news`); other proxy
    rows keep their label at reduced weight.
    """
    return fit_topic_data(cfg, featurize_topics(featurizer, inputs))


def fit_topic_data(cfg: TrainConfig, data: TopicData) -> TopicClassifier:
    """:func:`fit_topic_head` on examples already featurized."""
    if not data.sources:
        raise TrainingError("no topic examples: check topic_files and the handwritten corpus")
    x, y, proxy, weights = data.x, data.labels, data.proxy, data.weights
    world = proxy & (y == "conflict")
    if cfg.relabel_world_news:
        y = relabel_world_news(x, y, proxy, weights, cfg.topic_c)
        weights = np.where(proxy & ~world, weights * cfg.topic_proxy_weight, weights)
    else:
        weights = np.where(proxy, weights * cfg.topic_proxy_weight, weights)
    return TopicClassifier(C=cfg.topic_c, general_weight=cfg.topic_general_weight,
                           gate_shape=cfg.topic_gate_shape, random_state=cfg.seed).fit(
        x, y.astype(str), sources=data.sources, sample_weight=weights, shape=data.shape)


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
    from newssift.training.cache import MAX_CACHED_CORPORA, fingerprint, memory

    store = memory(cache_dir)
    cached = store.cache(_cached_base, ignore=["cfg", "step"])
    key = fingerprint(cfg)
    result = cached(key, cfg, step)
    store.reduce_size(items_limit=MAX_CACHED_CORPORA)
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


TRAIN_STEPS = ("reading block pages", "composing documents", "reading topic data", "vocabulary",
               "featurizing role documents", "role heads", "topic head")


def train(cfg: TrainConfig, labels_files: Sequence[Path] = (), progress: bool = True,
          on_step: Callable[[int, int, str], None] | None = None,
          cache_dir: Path | None = None) -> tuple[NewssiftModel, dict]:
    """Build a model; returns it with a summary of what it was trained on.

    ``on_step(done, total, name)`` is called as each step starts (the service's retrain
    job reports its progress with it).  ``cache_dir`` keeps the featurized base corpus
    between runs (see :func:`base_corpus`); None featurizes it afresh."""
    steps = list(TRAIN_STEPS)
    bar = tqdm(total=len(steps), desc="training", unit="step", disable=not progress)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(0 if bar.n == 0 and name == steps[0] else 1)
        if on_step is not None:
            on_step(steps.index(name) if name in steps else bar.n, len(steps), name)

    step(steps[0])  # shown at once, also when the base corpus comes from the cache
    base = base_corpus(cfg, cache_dir, step=step)
    extra_roles, extra_topics, n_labelled = labels_data(cfg, base, labels_files)
    data = base.roles if extra_roles is None else join_role_data([base.roles, extra_roles])
    step("role heads")
    main, teaser = fit_role_heads(cfg, data)
    step("topic head")
    topics = base.topics if extra_topics is None else join_topic_data(base.topics, extra_topics)
    topic = fit_topic_data(cfg, topics)
    bar.update(bar.total - bar.n)
    bar.close()
    unknown = set(topic.classes_) - set(DEFAULT_TOPICS)
    if unknown:
        raise TrainingError(f"topic labels outside the label set: {sorted(unknown)}")
    summary = {**base.summary,
               "labelled_documents": base.summary["labelled_documents"] + n_labelled,
               "blocks": int(len(data.roles)),
               "not_main_unknown_blocks": int((data.roles == NOT_MAIN).sum())}
    model = NewssiftModel(base.featurizer, main, teaser, topic,
                          decision=Decision(drop_comment_threads=cfg.drop_comment_threads))
    return model, summary
