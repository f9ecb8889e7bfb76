"""Training configuration: one TOML file, read into one frozen options object."""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from newssift.classifier import defaults as d
from newssift.classifier.errors import TrainingError
from newssift.classifier.resources import resolve, shared_data_dir
from newssift.training.compose import ComposeOptions

__all__ = ["TrainConfig", "load_config", "config_from_manifest"]


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on.

    Paths starting with a part of the package (``training/data/...``) are packaged
    files; other relative paths are from the current directory.  ``data_root`` None
    means ``$NEWSSIFT_DATA`` or the checkout's ``../shared/data``."""

    data_root: str | None = None
    block_sources: tuple[str, ...] = (
        "cleaneval", "cleanportaleval", "readability", "canola", "utomo-big9", "utomo-chaos",
        "modern2026", "htmltotext-multi",
    )
    eval_sources: tuple[str, ...] = (
        "cleaneval", "cleanportaleval", "dragnet", "readability", "canola", "utomo-big9",
        "utomo-chaos", "modern2026", "htmltotext-multi",
    )
    # Sources whose gold keeps user comments, which we do not count as main.
    comment_sources: tuple[str, ...] = ("cleaneval", "htmltotext-multi")
    comment_source_weight: float = 0.5
    # Dropping main-labelled comment tails lowered leave-one-dataset-out token F1.
    drop_comment_tails: bool = False
    # Comment threads after a story are boilerplate (classifier/threads.py), whatever P(main) says.
    drop_comment_threads: bool = True
    topic_files: tuple[str, ...] = (
        "huffpost", "bbc", "agnews", "huffpost-headlines", "nyt-frontpage", "inshorts",
        "20news", "insightcrime", "satp",
    )
    article_files: tuple[str, ...] = ("reuters21578", "bbc2025")
    handwritten: str = "training/data/handwritten.jsonl"
    # Our own headlines, one {"text", "topic"} a line (training/data/short_texts.jsonl):
    # the label set's definitions (courts legal, summits politics) where the topic files'
    # conventions differ; topic head only.  Off: it lifted our held-out headlines from
    # 0.714 to 0.857 but cost one seed teaser (docs/experiments.md).
    short_texts: str = ""
    short_texts_weight: float = 5.0
    labels_files: tuple[str, ...] = ()
    seed: int = d.SEED
    composed_documents: int = 4000
    composed_weight: float = 1.0
    # The main head weighs composed pages this many times more: they teach a story against
    # the teasers below it (held-out composed pages' main-vs-rest 0.974 -> 0.983, leave-one-
    # dataset-out token F1 the same 0.843).  The teaser head keeps them at composed_weight: at
    # 4 it also raised a copyright line among teasers (docs/experiments.md).
    main_composed_factor: float = 4.0
    p_comments: float = 0.0  # composed comment threads: tried, lowered the figures
    # Composed pages' short boilerplate lines under the headline and between paragraphs
    # (training/compose.py ComposeOptions; 0 leaves them out): a line sandwiched between
    # story paragraphs is otherwise always main in training (docs/experiments.md).
    composed_under_headline: float = ComposeOptions.p_under_headline
    composed_between_paragraphs: float = ComposeOptions.p_between_paragraphs
    # Longer lines (7 to this many words) that recur on 3+ training pages and are almost never
    # main join the pool, inside the story too: sign-up prompts, consent notices, related
    # links, which the pool's one-off lines of 6 words or fewer do not teach.  0: none.
    inline_recurring_words: int = 0
    # The chance that a line put inside a composed story is one of the project's own
    # (training/data/compose_lines.jsonl: sign-up prompts, consent notices, "Related story:
    # <a headline>" links, many longer than the pool's inline lines of 8 words or fewer), not
    # one of the pool's.  0: none.  At 0.3, lines called main between held-out stories'
    # paragraphs 0.327 -> 0.084, leave-one-dataset-out token F1 0.842 -> 0.846 (text), 0.870 ->
    # 0.872 (HTML) (docs/experiments.md, 2026-12-08).
    composed_written_lines: float = 0.3
    handwritten_weight: float = 5.0
    labels_weight: float = 10.0
    holdout_fraction: float = 0.2
    ngram_max: int = d.NGRAM_MAX
    min_df: int = d.MIN_DF
    max_features: int = d.MAX_FEATURES
    comment_features: bool = d.COMMENT_FEATURES
    language_features: bool = d.LANGUAGE_FEATURES
    main_alpha: float = d.MAIN_ALPHA
    main_epochs: int = d.MAIN_EPOCHS
    main_folds: int = d.MAIN_FOLDS
    boost_iter: int = d.BOOST_ITER
    boost_learning_rate: float = d.BOOST_LEARNING_RATE
    neighbour_words: float = d.NEIGHBOUR_WORDS
    main_own_words: bool = d.OWN_WORDS
    main_own_words_below: int = d.OWN_WORDS_BELOW
    teaser_alpha: float = d.TEASER_ALPHA
    teaser_context: bool = d.TEASER_CONTEXT
    teaser_boost_iter: int = d.TEASER_BOOST_ITER
    topic_c: float = d.TOPIC_C
    topic_general_weight: float = d.TOPIC_GENERAL_WEIGHT
    topic_gate_shape: float = d.TOPIC_GATE_SHAPE
    # Rough (proxy) labels other than world news count this much (label-map.json marks them).
    topic_proxy_weight: float = 0.75
    relabel_world_news: bool = True
    # The HTML front end's main head (classifier/markup_head.py), from data/html's raw pages
    # of the block sources; off, or without those pages, a model reads HTML with its text head.
    html_head: bool = True
    max_pages_per_source: int = 0  # 0: all; tests use a handful

    def path(self, relative: str | Path) -> Path:
        return resolve(relative)

    @property
    def data(self) -> Path:
        """The shared data directory; an error naming the fix when a source needs it and
        it is missing."""
        needed = bool(self.block_sources or self.eval_sources or self.topic_files
                      or self.article_files)
        return shared_data_dir(self.data_root, must_exist=needed)

    def replace(self, **changes: Any) -> TrainConfig:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return TrainConfig(**values)


def load_config(path: Path | str | None) -> TrainConfig:
    """Read a TOML config; unknown keys are an error so that typos do not pass silently."""
    if path is None:
        return TrainConfig()
    path = resolve(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainingError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TrainingError(f"{path}: not valid TOML ({exc})") from None
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(flat) - known)
    if unknown:
        raise TrainingError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    for key, value in flat.items():
        if isinstance(value, list):
            flat[key] = tuple(value)
    cfg = TrainConfig().replace(**flat)
    if cfg.drop_comment_threads and not cfg.comment_features:
        # The rule reads the framing lines that only the comment features scan for.
        raise TrainingError(f"{path}: drop_comment_threads needs comment_features = true")
    return cfg




# Settings added after models were trained without them: the value a manifest that does not
# name one was trained with (not today's default, which may have turned the option on).
ABSENT_FROM_OLDER_MANIFESTS = {"composed_under_headline": 0.0, "composed_between_paragraphs": 0.0,
                               "language_features": False, "main_own_words": False, "main_own_words_below": 0,
                               "inline_recurring_words": 0, "composed_written_lines": 0.0}


def config_from_manifest(model_dir: Path | str) -> TrainConfig:
    """The config a model was trained with, as its manifest records it."""
    from newssift.classifier.persist import read_manifest

    stored = read_manifest(model_dir).get("config")
    if not stored:
        raise TrainingError(f"{model_dir}: manifest has no training config; pass --config")
    known = {f.name for f in fields(TrainConfig)}
    values = {k: v for k, v in ABSENT_FROM_OLDER_MANIFESTS.items() if k not in stored}
    values.update({k: tuple(v) if isinstance(v, list) else v
                   for k, v in stored.items() if k in known})
    return TrainConfig().replace(**values)
