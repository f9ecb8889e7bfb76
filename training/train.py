"""Fit a NewssiftModel from a TrainConfig (and optional extra label files).

Everything is seeded from ``cfg.seed``: the same config and data give the same
model.  Progress goes to a tqdm bar on stderr; nothing is written here: the CLI
saves the result with :func:`newssift.classifier.persist.save_model`.  The corpus the
heads learn from is :mod:`newssift.training.base_corpus` (cached between runs) plus the
extra label files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from newssift.classifier.decision import Decision
from newssift.classifier.errors import TrainingError
from newssift.classifier.features import Featurizer
from newssift.classifier.labels import DEFAULT_TOPICS
from newssift.classifier.model import NewssiftModel
from newssift.classifier.role import MainScorer, TeaserScorer
from newssift.classifier.topic import TopicClassifier
from newssift.training.base_corpus import (
    BaseCorpus,
    RoleData,
    TopicData,
    TrainInputs,
    _topic_targets,
    base_corpus,
    build_base_corpus,
    featurize_docs,
    featurize_topics,
    fit_featurizer,
    gather_inputs,
    join_role_data,
    join_topic_data,
    labels_data,
)
from newssift.training.config import TrainConfig
from newssift.training.corpus import NOT_MAIN
from newssift.training.first_pass import base_first_pass, first_pass_scores, role_targets
from newssift.training.html_corpus import html_available, html_head

__all__ = ["train", "fit_featurizer", "fit_role_heads", "fit_topic_head", "fit_topic_data", "RoleData",
           "featurize_docs", "TrainInputs", "gather_inputs", "TopicData", "BaseCorpus",
           "base_corpus", "build_base_corpus", "join_role_data", "_topic_targets"]

WORLD_NEWS_ALTERNATIVES = ("conflict", "politics")


def fit_role_heads(cfg: TrainConfig, data: RoleData,
                   oof: tuple[np.ndarray | tuple[np.ndarray, np.ndarray], np.ndarray | None] | None = None,
                   ) -> tuple[MainScorer, TeaserScorer]:
    """Both role heads on ``data``; ``oof``: their first passes' out-of-fold scores of its
    rows, main and teaser, when known (:mod:`newssift.training.first_pass`), else each head
    computes its own."""
    if not (data.roles >= 0).any():
        raise TrainingError("no labelled blocks to train the role heads on")
    t = role_targets(cfg, data)
    oof_main, oof_teaser = (None, None) if oof is None else oof
    main = MainScorer(alpha=cfg.main_alpha, epochs=cfg.main_epochs, folds=cfg.main_folds,
                      boost_iter=cfg.boost_iter, learning_rate=cfg.boost_learning_rate,
                      neighbour_words=cfg.neighbour_words, random_state=cfg.seed,
                      own_words=cfg.main_own_words,
                      own_words_below=cfg.main_own_words_below)
    main.fit(data.batch, t.y_main, sample_weight=t.w_main, oof=oof_main)
    # Teaser head: blocks known to be teasers or boilerplate (not the unknown "not main" ones).
    if len(np.unique(t.y_teaser[t.w_teaser > 0])) < 2:
        raise TrainingError("the teaser head needs both teaser and boilerplate examples")
    teaser = TeaserScorer(alpha=cfg.teaser_alpha, context=cfg.teaser_context, folds=cfg.main_folds,
                          boost_iter=cfg.teaser_boost_iter, learning_rate=cfg.boost_learning_rate,
                          random_state=cfg.seed)
    teaser.fit(data.batch, t.y_teaser, sample_weight=t.w_teaser, oof=oof_teaser)
    return main, teaser

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

def _cached_topic_head(key: dict, cfg: TrainConfig, data: TopicData) -> TopicClassifier:
    """:func:`fit_topic_data`, as :func:`topic_head` caches it under ``key``."""
    return fit_topic_data(cfg, data)


def topic_head(cfg: TrainConfig, data: TopicData, cache_dir: Path | None) -> TopicClassifier:
    """The topic head of the base corpus's examples alone, from the cache when the base
    corpus and this code are those it was fitted on (``cache_dir`` None: fitted here).

    Only for a run whose extra labels name no topic: then the topic head's examples are
    the base corpus's, and so is the head."""
    if cache_dir is None:
        return fit_topic_data(cfg, data)
    from newssift.training.cache import code_modules, fingerprint, memory

    code = [p.read_bytes() for p in code_modules("newssift.training.train")]
    key = {"base": fingerprint(cfg), "code": code}
    return memory(cache_dir).cache(_cached_topic_head, ignore=["cfg", "data"])(key, cfg, data)


TRAIN_STEPS = ("reading block pages", "composing documents", "reading topic data", "vocabulary",
               "featurizing role documents", "role heads", "HTML head", "topic head")


def train(cfg: TrainConfig, labels_files: Sequence[Path] = (), progress: bool = True,
          on_step: Callable[[int, int, str], None] | None = None,
          cache: bool = True, cache_dir: Path | None = None) -> tuple[NewssiftModel, dict]:
    """Build a model; returns it with a summary of what it was trained on.

    ``on_step(done, total, name)`` is called as each step starts (the service's retrain
    job reports its progress with it).  ``cache`` keeps the featurized base corpus between
    runs (see :func:`base_corpus`), the role heads' fold models of it
    (:func:`newssift.training.first_pass.base_first_pass`) and its topic head for labels
    that name no topic (:func:`topic_head`), in ``cache_dir``, by default the environment's
    (:func:`newssift.training.cache.default_cache_dir`); ``cache=False`` computes both
    afresh and stores nothing."""
    from newssift.training.cache import default_cache_dir

    steps = list(TRAIN_STEPS)
    bar = tqdm(total=len(steps), desc="training", unit="step", disable=not progress)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(0 if bar.n == 0 and name == steps[0] else 1)
        if on_step is not None:
            on_step(steps.index(name) if name in steps else bar.n, len(steps), name)

    step(steps[0])  # shown at once, also when the base corpus comes from the cache
    where = (cache_dir or default_cache_dir()) if cache else None
    base = base_corpus(cfg, where, step=step)
    extra_roles, extra_topics, n_labelled = labels_data(cfg, base, labels_files)
    data = base.roles if extra_roles is None else join_role_data([base.roles, extra_roles])
    step("role heads")
    stored = where if where and where.is_dir() else None
    folds = base_first_pass(cfg, base, stored)
    main, teaser = fit_role_heads(cfg, data, None if folds is None else
                                  first_pass_scores(cfg, folds, extra_roles))
    step("HTML head")
    html_main, html_summary = None, {"trained": False, "why": "html_head is off in the config"}
    if cfg.html_head and html_available(cfg, cfg.block_sources):
        html_main, html_summary = html_head(cfg, base.roles, base.summary["block_pages"], stored)
        html_summary = {"trained": True, **html_summary}
    elif cfg.html_head:
        html_summary = {"trained": False, "why": "no raw pages (data/html) beside the block data"}
    step("topic head")
    if extra_topics is None:  # the labels name no topic: the base corpus's topic head
        topic = topic_head(cfg, base.topics, stored)
    else:
        topic = fit_topic_data(cfg, join_topic_data(base.topics, extra_topics))
    bar.update(bar.total - bar.n)
    bar.close()
    unknown = set(topic.classes_) - set(DEFAULT_TOPICS)
    if unknown:
        raise TrainingError(f"topic labels outside the label set: {sorted(unknown)}")
    summary = {**base.summary,
               "labelled_documents": base.summary["labelled_documents"] + n_labelled,
               "blocks": int(len(data.roles)),
               "not_main_unknown_blocks": int((data.roles == NOT_MAIN).sum()),
               "html_head": html_summary}
    model = NewssiftModel(base.featurizer, main, teaser, topic,
                          decision=Decision(drop_comment_threads=cfg.drop_comment_threads),
                          html_main=html_main)
    return model, summary
