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

from classifier.errors import TrainingError

__all__ = ["TrainConfig", "load_config", "config_from_manifest", "PROJECT_ROOT"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on; relative paths are from the project root."""

    data_root: str = "../shared/data"
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
    drop_comment_tails: bool = True
    # Comment threads after a story are boilerplate (classifier/threads.py), whatever P(main) says.
    drop_comment_threads: bool = False
    topic_files: tuple[str, ...] = (
        "huffpost", "bbc", "agnews", "huffpost-headlines", "nyt-frontpage", "inshorts",
        "20news", "insightcrime", "satp",
    )
    article_files: tuple[str, ...] = ("reuters21578", "bbc2025")
    handwritten: str = "training/data/handwritten.jsonl"
    labels_files: tuple[str, ...] = ()
    seed: int = 13
    composed_documents: int = 4000
    composed_weight: float = 1.0
    p_comments: float = 0.35
    handwritten_weight: float = 5.0
    labels_weight: float = 10.0
    holdout_fraction: float = 0.2
    ngram_max: int = 2
    min_df: int = 3
    max_features: int = 200_000
    comment_features: bool = False
    main_alpha: float = 2e-6
    main_epochs: int = 6
    main_folds: int = 3
    boost_iter: int = 200
    boost_learning_rate: float = 0.1
    neighbour_words: float = 0.0
    teaser_alpha: float = 1e-5
    topic_c: float = 0.5
    topic_general_weight: float = 0.5
    # Rough (proxy) labels other than world news count this much (label-map.json marks them).
    topic_proxy_weight: float = 0.5
    relabel_world_news: bool = True
    max_pages_per_source: int = 0  # 0: all; tests use a handful

    def path(self, relative: str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else (PROJECT_ROOT / p)

    @property
    def data(self) -> Path:
        return self.path(self.data_root)

    def replace(self, **changes: Any) -> TrainConfig:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return TrainConfig(**values)


def load_config(path: Path | str | None) -> TrainConfig:
    """Read a TOML config; unknown keys are an error so that typos do not pass silently."""
    if path is None:
        return TrainConfig()
    path = Path(path)
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




def config_from_manifest(model_dir: Path | str) -> TrainConfig:
    """The config a model was trained with, as its manifest records it."""
    from classifier.persist import read_manifest

    stored = read_manifest(model_dir).get("config")
    if not stored:
        raise TrainingError(f"{model_dir}: manifest has no training config; pass --config")
    known = {f.name for f in fields(TrainConfig)}
    return TrainConfig().replace(**{k: tuple(v) if isinstance(v, list) else v
                                    for k, v in stored.items() if k in known})
