"""Train-evaluate-save as one step, and the model card that goes with a model.

The manifest records what a model was trained on (sources and their licences),
the config that built it, and its evaluation figures; ``MODEL_CARD.md`` says the
same for people.  Evaluation text is kept in ``EVALUATION.txt`` beside it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from newssift.classifier.decision import PAGE_MIN_BLOCKS, SHORT_PAGE_FACTOR, SHORT_PAGE_WORDS
from newssift.classifier.model import NewssiftModel
from newssift.classifier.persist import read_manifest, save_model, update_model_files
from newssift.training.config import TrainConfig
from newssift.training.evaluate import (
    format_lodo,
    format_topics,
    lodo_role_eval,
    three_class_eval,
    topic_eval,
)
from newssift.training.metrics import format_report
from newssift.training.train import train

__all__ = ["write_trained_model", "evaluate_model", "SOURCES"]

SOURCES = {
    "blocks/cleaneval": "CleanEval 2007 (Baroni et al.); no licence stated, research use",
    "blocks/cleanportaleval": "CleanPortalEval (Endrédy & Novák 2013); no licence stated, research use",
    "blocks/readability": "mozilla/readability test pages; Apache-2.0",
    "blocks/canola": "KrdWrd CANOLA corpus; CC BY-SA 4.0",
    "blocks/utomo-big9": "Utomo & Leu extraction data; research use only",
    "blocks/utomo-chaos": "Utomo & Leu extraction data; research use only",
    "blocks/modern2026": "tiptopjaw/web-content-extraction-benchmark; Apache-2.0",
    "blocks/htmltotext-multi": "leogao2/htmltotext-benchmark; no licence stated",
    "topics/huffpost": "HuffPost News Category Dataset v3 (R. Misra); CC BY 4.0",
    "topics/huffpost-headlines": "HuffPost News Category (Misra; Bao et al. 2020 sample); CC BY 4.0",
    "topics/bbc": "BBC News (Greene & Cunningham 2006); research use, content (c) BBC",
    "topics/agnews": "AG's News (Zhang et al. 2015); research / non-commercial use",
    "topics/nyt-frontpage": "NYT front page 1996-2006 (Boydstun), Policy Agendas coding; research use",
    "topics/inshorts": "Inshorts News Data (Kaggle); no licence stated, research use",
    "topics/20news": "20 Newsgroups (Lang 1995); research use",
    "topics/insightcrime": "InSight Crime articles via ConfliBERT (Hu et al. 2022); research use",
    "topics/satp": "South Asia Terrorism Portal reports via ConfliBERT; research use",
    "articles/reuters21578": "Reuters-21578, Distribution 1.0; research use only",
    "articles/bbc2025": "BBC News articles 2024-25 (course project scrape); research use only",
    "training/data/handwritten.jsonl": "written by the newssift developers; MIT",
}


def _sources_used(cfg: TrainConfig, labels_files: Sequence[Path]) -> dict[str, str]:
    used = {f"blocks/{s}" for s in cfg.block_sources} | {f"topics/{s}" for s in cfg.topic_files}
    used |= {f"articles/{s}" for s in cfg.article_files}
    out = {k: v for k, v in SOURCES.items() if k in used}
    if cfg.handwritten:
        out[cfg.handwritten] = SOURCES.get(cfg.handwritten, "project data")
    for p in labels_files:
        out[str(p)] = "user corrections"
    return out


def quick_evaluation(model: NewssiftModel, cfg: TrainConfig, progress: bool = True) -> dict:
    """Held-out figures that take a couple of minutes (no retraining)."""
    from newssift.training.corpus import block_docs
    from newssift.training.evaluate import score_pages, summarize

    out = {"three_class": three_class_eval(model, cfg),
           "topics": topic_eval(model, cfg, progress=progress)}
    never_trained = [s for s in cfg.eval_sources if s not in cfg.block_sources]
    if never_trained:
        docs = list(block_docs(cfg, never_trained))
        out["unseen_sources"] = {s: summarize(score_pages(model, [d for d in docs if d.source == s]))
                                 for s in never_trained}
    return out


def format_quick(report: dict) -> str:
    parts = [format_report("Role on composed pages of held-out articles and headlines",
                           report["three_class"]), format_topics(report["topics"])]
    for s, m in report.get("unseen_sources", {}).items():
        parts.append(f"Shipped model on {s} (never trained on): token F1 {m['token_f1']:.3f}, "
                     f"block P/R/F1 {m['block_precision']:.3f}/{m['block_recall']:.3f}/"
                     f"{m['block_f1']:.3f}, {m['pages']} pages")
    return "\n\n".join(parts)


def write_trained_model(cfg: TrainConfig, out_dir: Path, labels_files: Sequence[Path] = (),
                        evaluate: bool = True, config_path: str | None = None,
                        progress: bool = True) -> Path:
    started = time.time()
    model, summary = train(cfg, labels_files, progress=progress)
    model.version = out_dir.name
    evaluation, text = {}, ""
    if evaluate:
        evaluation = quick_evaluation(model, cfg, progress)
        text = format_quick(evaluation)
        print(text)
    manifest = {
        "version": out_dir.name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "training_seconds": round(time.time() - started, 1),
        "roles": ["main", "teaser", "boilerplate"],
        "topics": model.topics,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()},
        "config_file": config_path,
        "training_data": summary,
        "sources": _sources_used(cfg, labels_files),
        "evaluation": evaluation,
    }
    extra = {"EVALUATION.txt": text + "\n"} if text else {}
    extra["MODEL_CARD.md"] = model_card({**manifest, "sklearn_version": sklearn_version()})
    return save_model(model, out_dir, manifest, extra_files=extra)


def sklearn_version() -> str:
    import sklearn

    return sklearn.__version__


def model_card(manifest: dict) -> str:
    """The human summary of a manifest: what the model is, what it learnt from, how good it is."""
    ev = manifest.get("evaluation", {})
    lines = [
        f"# newssift model `{manifest.get('version')}`", "",
        "Labels each block of scraped news text with a role (main / teaser / boilerplate) and a "
        "topic. TF-IDF word 1-2-grams with shallow and position features; a two-pass main head "
        "(SGD logistic regression, then gradient boosting over the context of first-pass scores), "
        "a linear teaser head, and a topic head mixing a general linear SVM with per-source experts."
        + (" User-comment threads that follow a story are boilerplate (a rule over comment-framing "
           "lines; `--keep-comments` turns it off)."
           if manifest.get("config", {}).get("drop_comment_threads") else "")
        + f" A page of {PAGE_MIN_BLOCKS}+ blocks that would keep under {SHORT_PAGE_WORDS} words at "
          f"the P(main) threshold keeps its blocks from {SHORT_PAGE_FACTOR} times it.",
        "", f"- created: {manifest.get('created')}; scikit-learn {manifest.get('sklearn_version')}",
        f"- roles: {', '.join(manifest.get('roles', []))}",
        f"- topics: {', '.join(manifest.get('topics', []))}",
        f"- training data: {json.dumps(manifest.get('training_data', {}))}", "",
        "## Training sources and licences", "",
        "Third-party data is used for training only and is not distributed with the model. "
        "Several sources are licensed for research use only: check them before using this model "
        "commercially. Dragnet's data (AGPL-3.0) is not used for training.", "",
    ]
    lines += [f"- `{k}`: {v}" for k, v in manifest.get("sources", {}).items()]
    lines += ["", "## Evaluation", ""]
    lodo = ev.get("lodo")
    if lodo:
        lines += ["Leave-one-dataset-out on the block datasets (train on all other sources, score "
                  "the held-out one); token F1 of kept text against the gold text / block F1 of "
                  "`main`:", "", "```", format_lodo(lodo), "```", ""]
    if "three_class" in ev:
        lines += ["```", format_quick(ev), "```", ""]
    lines += ["Known weaknesses: user comments not framed as a thread (for example the first "
              "comment above its signature) and short items that some golds count as main "
              "(bylines, datelines) are the main source of errors; golds that keep comments "
              "(CleanEval, htmltotext, some of Canola) score lower by design; topics of very short "
              "teasers are the least reliable output.", ""]
    return "\n".join(lines)


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
