"""Train-evaluate-save as one step, and re-recording an existing model's evaluation.

The manifest records what a model was trained on (sources and their licences,
:mod:`~newssift.training.licences`), the config that built it, and its evaluation
figures; ``MODEL_CARD.md`` says the same for people (:mod:`~newssift.training.model_card`).
Evaluation text is kept in ``EVALUATION.txt`` beside it
(:mod:`~newssift.training.eval_format`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from newssift.classifier.errors import TrainingError
from newssift.classifier.model import NewssiftModel
from newssift.classifier.persist import FORMAT_VERSION, read_manifest, save_model, update_model_files
from newssift.training.config import TrainConfig
from newssift.training.eval_composed import teaser_topic_eval, three_class_eval
from newssift.training.eval_format import format_lodo, format_quick
from newssift.training.eval_lodo import lodo_role_eval
from newssift.training.eval_short import project_short_text_eval, short_topic_eval
from newssift.training.eval_topics import TopicBaselines, topic_eval
from newssift.training.licences import SOURCES, sources_used
from newssift.training.model_card import model_card
from newssift.training.train import train

__all__ = ["write_trained_model", "evaluate_model", "record_evaluation", "build_manifest",
           "evaluate_sandwich", "record_sandwich_evaluation", "evaluate_repeats",
           "record_repeats_evaluation",
           "quick_evaluation", "format_quick", "model_card", "SOURCES"]


def quick_evaluation(model: NewssiftModel, cfg: TrainConfig, progress: bool = True) -> dict:
    """Held-out figures that take a couple of minutes (no retraining)."""
    from newssift.training.corpus import block_docs
    from newssift.training.eval_pages import score_pages, summarize

    svcs = TopicBaselines(cfg)  # fitted once, shared by the three topic evaluations
    out = {"three_class": three_class_eval(model, cfg),
           "topics": topic_eval(model, cfg, svcs, progress=progress),
           "short_topics": short_topic_eval(model, cfg, svcs, progress=progress),
           "teaser_topics": teaser_topic_eval(model, cfg, baselines=svcs),
           "project_short_texts": project_short_text_eval(model)}
    never_trained = [s for s in cfg.eval_sources if s not in cfg.block_sources]
    if never_trained:
        docs = list(block_docs(cfg, never_trained))
        out["unseen_sources"] = {s: summarize(score_pages(model, [d for d in docs if d.source == s]))
                                 for s in never_trained}
    return out


def build_manifest(cfg: TrainConfig, model: NewssiftModel, summary: dict, labels_files: Sequence[Path],
                   evaluation: dict, config_path: str | None, started: float, version: str) -> dict:
    """The manifest of a freshly trained model: every field ``manifest.json`` gets, in one place."""
    return {
        "version": version,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "training_seconds": round(time.time() - started, 1),
        "roles": ["main", "teaser", "boilerplate"],
        "topics": model.topics,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()},
        "config_file": config_path,
        "training_data": summary,
        "sources": sources_used(cfg, labels_files),
        "evaluation": evaluation,
    }


def write_trained_model(cfg: TrainConfig, out_dir: Path, labels_files: Sequence[Path] = (),
                        evaluate: bool = True, config_path: str | None = None,
                        progress: bool = True,
                        on_step: Callable[[int, int, str], None] | None = None,
                        cache: bool = True, cache_dir: Path | None = None,
                        repeats_from: NewssiftModel | None = None) -> Path:
    """Train with ``cfg`` (plus ``labels_files``), evaluate unless told not to, and save the
    model with its manifest, card and evaluation text in ``out_dir``.

    ``cache`` keeps the featurized base corpus between runs in ``cache_dir`` (default:
    :func:`newssift.training.cache.default_cache_dir`), so that the next run with the same
    config, data and code featurizes only ``labels_files``.  ``repeats_from``: a model whose
    site-repeats head the new one takes as it is (a full train fits one only when asked,
    ``newssift train --site-repeats``: its rows are out-of-fold scores of several minutes a
    source, see ``add_repeats_head``); the manifest says so."""
    started = time.time()
    model, summary = train(cfg, labels_files, progress=progress, on_step=on_step, cache=cache,
                           cache_dir=cache_dir)
    model.version = out_dir.name
    carried = repeats_from.repeats if repeats_from is not None else None
    if carried is not None:
        model.repeats = carried
    evaluation, text = {}, ""
    if evaluate:
        evaluation = quick_evaluation(model, cfg, progress)
        text = format_quick(evaluation)
        print(text)
    manifest = build_manifest(cfg, model, summary, labels_files, evaluation, config_path, started,
                              out_dir.name)
    if carried is not None:
        manifest.setdefault("refitted", {})["repeats"] = (
            f"carried over from {repeats_from.version}: the site-repeats head as it was, not "
            f"refitted to this model's scores")
    extra = {"EVALUATION.txt": text + "\n"} if text else {}
    extra["MODEL_CARD.md"] = model_card({**manifest, "format_version": FORMAT_VERSION})
    return save_model(model, out_dir, manifest, extra_files=extra)


def evaluate_model(model: NewssiftModel, model_path: str | None, config_path: str | None,
                   lodo: bool = True, log: Callable[[str], None] = print,
                   data: str | None = None) -> dict:
    from newssift.classifier.persist import default_model_dir
    from newssift.training.config import config_from_manifest, load_config

    model_dir = Path(model_path) if model_path else default_model_dir()
    cfg = load_config(config_path) if config_path else config_from_manifest(model_dir)
    if data:
        cfg = cfg.replace(data_root=data)
    report = quick_evaluation(model, cfg)
    log(format_quick(report))
    if lodo:
        report["lodo"] = lodo_role_eval(cfg, log=log)
        log(format_lodo(report["lodo"]))
    return report


def evaluate_html(model_dir: Path, config_path: str | None, log: Callable[[str], None] = print,
                  data: str | None = None) -> dict:
    """The raw-page evaluation (:mod:`newssift.training.eval_html`) with the model's training
    config (or ``config_path``'s)."""
    from newssift.training.cache import default_cache_dir
    from newssift.training.eval_html import format_html_lodo, html_lodo_eval
    from newssift.training.html_corpus import html_available

    cfg = _config(model_dir, config_path, data)
    if not html_available(cfg, cfg.eval_sources):
        raise TrainingError(f"no raw pages to evaluate on: {cfg.data / 'html'} must hold "
                            f"<source>.jsonl.gz for every evaluation source")
    report = html_lodo_eval(cfg, log=log, cache_dir=default_cache_dir())
    log(format_html_lodo(report))
    return report


def record_html_evaluation(model_dir: Path, report: dict) -> None:
    """Store the raw-page evaluation in an existing model's manifest, EVALUATION_HTML.txt
    and card."""
    from newssift.training.eval_html import format_html_lodo

    _record_part(model_dir, "html_lodo", report, "EVALUATION_HTML.txt", format_html_lodo(report))


def record_evaluation(model_dir: Path, report: dict) -> None:
    """Store a full evaluation (held-out and leave-one-dataset-out figures) in an existing
    model's manifest, EVALUATION.txt, EVALUATION_LODO.txt and card, without touching the
    model file: a change to the decision rules is re-measured without retraining."""
    manifest = read_manifest(model_dir)
    manifest.setdefault("evaluation", {}).update(report)
    files = {"EVALUATION_LODO.txt": format_lodo(report["lodo"]) + "\n",
             "EVALUATION.txt": format_quick(report) + "\n",
             "MODEL_CARD.md": model_card(manifest)}
    update_model_files(model_dir, manifest, files)


def evaluate_sandwich(model: NewssiftModel, model_dir: Path, config_path: str | None,
                      log: Callable[[str], None] = print, data: str | None = None) -> dict:
    """The sandwich benchmark (:mod:`newssift.training.eval_sandwich`) with the model's
    training config (or ``config_path``'s): its sources say what the model never saw."""
    from newssift.training.eval_sandwich import format_sandwich, sandwich_eval

    cfg = _config(model_dir, config_path, data)
    report = sandwich_eval(model, cfg, log=log)
    log(format_sandwich(report))
    return report


def record_sandwich_evaluation(model_dir: Path, report: dict) -> None:
    """Store the sandwich benchmark in an existing model's manifest, EVALUATION_SANDWICH.txt
    and card."""
    from newssift.training.eval_sandwich import format_sandwich

    _record_part(model_dir, "sandwich", report, "EVALUATION_SANDWICH.txt", format_sandwich(report))


def evaluate_repeats(model: NewssiftModel, model_dir: Path, config_path: str | None,
                     log: Callable[[str], None] = print, data: str | None = None) -> dict:
    """The site-repeats head on held-out sites (:mod:`newssift.training.repeats`), for the
    model's training config (or ``config_path``'s)."""
    from newssift.training.repeats import format_repeats, repeats_eval

    report, _ = repeats_eval(_config(model_dir, config_path, data), model, log=log)
    log(format_repeats(report))
    return report


def record_repeats_evaluation(model_dir: Path, report: dict) -> None:
    """Store the site-repeats evaluation in an existing model's manifest,
    EVALUATION_SITE_REPEATS.txt and card."""
    from newssift.training.repeats import format_repeats

    _record_part(model_dir, "site_repeats", report, "EVALUATION_SITE_REPEATS.txt",
                 format_repeats(report))


def _config(model_dir: Path, config_path: str | None, data: str | None):
    """The model's training config (or ``config_path``'s), reading data from ``data`` if given."""
    from newssift.training.config import config_from_manifest, load_config

    cfg = load_config(config_path) if config_path else config_from_manifest(model_dir)
    return cfg.replace(data_root=data) if data else cfg


def _record_part(model_dir: Path, key: str, report: dict, filename: str, text: str) -> None:
    """One evaluation's report under ``key`` in the manifest, its table in ``filename``, and
    the card again."""
    manifest = read_manifest(model_dir)
    manifest.setdefault("evaluation", {})[key] = report
    update_model_files(model_dir, manifest, {filename: text + "\n", "MODEL_CARD.md": model_card(manifest)})
