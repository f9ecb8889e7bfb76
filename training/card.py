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
from newssift.classifier.persist import FORMAT_VERSION, read_manifest, save_model, update_model_files
from newssift.training.config import TrainConfig
from newssift.training.evaluate import (
    LENGTH_RULE_RANGE,
    TopicBaselines,
    format_lodo,
    format_project_short_texts,
    format_short_topics,
    format_teaser_topics,
    format_topics,
    lodo_role_eval,
    project_short_text_eval,
    short_topic_eval,
    teaser_topic_eval,
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
    "training/data/short_texts.jsonl": "written by the newssift developers; MIT",
}


def _sources_used(cfg: TrainConfig, labels_files: Sequence[Path]) -> dict[str, str]:
    used = {f"blocks/{s}" for s in cfg.block_sources} | {f"topics/{s}" for s in cfg.topic_files}
    used |= {f"articles/{s}" for s in cfg.article_files}
    out = {k: v for k, v in SOURCES.items() if k in used}
    for own in (cfg.handwritten, cfg.short_texts):
        if own:
            out[own] = SOURCES.get(own, "project data")
    for p in labels_files:
        out[str(p)] = "user corrections"
    return out


def quick_evaluation(model: NewssiftModel, cfg: TrainConfig, progress: bool = True) -> dict:
    """Held-out figures that take a couple of minutes (no retraining)."""
    from newssift.training.corpus import block_docs
    from newssift.training.evaluate import score_pages, summarize

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


def format_quick(report: dict) -> str:
    parts = [format_report("Role on composed pages of held-out articles and headlines",
                           report["three_class"]), format_topics(report["topics"])]
    if "short_topics" in report:
        parts.append(format_short_topics(report["short_topics"]))
    if "teaser_topics" in report:
        parts.append(format_teaser_topics(report["teaser_topics"]))
    if "project_short_texts" in report:
        parts.append(format_project_short_texts(report["project_short_texts"]))
    for s, m in report.get("unseen_sources", {}).items():
        parts.append(f"Shipped model on {s} (never trained on): token F1 {m['token_f1']:.3f}, "
                     f"block P/R/F1 {m['block_precision']:.3f}/{m['block_recall']:.3f}/"
                     f"{m['block_f1']:.3f}, {m['pages']} pages")
    return "\n\n".join(parts)


def write_trained_model(cfg: TrainConfig, out_dir: Path, labels_files: Sequence[Path] = (),
                        evaluate: bool = True, config_path: str | None = None,
                        progress: bool = True,
                        on_step: Callable[[int, int, str], None] | None = None) -> Path:
    started = time.time()
    model, summary = train(cfg, labels_files, progress=progress, on_step=on_step)
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
    extra["MODEL_CARD.md"] = model_card({**manifest, "format_version": FORMAT_VERSION})
    return save_model(model, out_dir, manifest, extra_files=extra)


def _f3(value: object) -> str:
    """A figure as the tables print it: three decimals, a dash when there is none."""
    return f"{value:.3f}" if isinstance(value, (int, float)) and value == value else "–"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A Markdown table: the first column left-aligned, the figures right-aligned."""
    rule = ["---"] + ["---:"] * (len(header) - 1)
    return ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|",
            *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)]


def _bold_best(values: Sequence[float | None]) -> list[str]:
    """The figures of one row, its best in bold (a dash where a figure is missing)."""
    present = [v for v in values if v is not None]
    best = max(present) if present else None
    return ["–" if v is None else f"**{v:.3f}**" if v == best else f"{v:.3f}" for v in values]


def _lodo_tables(lodo: dict) -> list[str]:
    systems = (("newssift", "newssift"), ("justext", "jusText"),
               ("length", f"length rule ({lodo.get('best_length_rule', '?')}+ words)"))
    rows = list(lodo.get("sources", {}).items())
    if "all" in lodo:
        rows.append(("**all pages**", lodo["all"]))
    lines = ["### Roles, leave-one-dataset-out", "",
             "For each block dataset, the role heads are trained on all the other sources and scored "
             "on the one left out; Dragnet is in no fold's training data. "
             "Token F1 is the F1 of the bag of word tokens of the kept text against the gold text, "
             "averaged over pages. jusText and the best plain length rule (keep blocks of "
             f"{lodo.get('best_length_rule', '?')}+ words, the best length over all pages of those tried "
             f"from {LENGTH_RULE_RANGE[0]} to {LENGTH_RULE_RANGE[-1]}) "
             "are scored on the same blocks.", "",
             "Token F1 of the kept text:", ""]
    lines += _table(["source", "pages"] + [name for _, name in systems],
                    [[s, row.get("newssift", {}).get("pages", "–")]
                     + [_f3(row.get(key, {}).get("token_f1")) for key, _ in systems]
                     for s, row in rows])
    lines += ["", "Block precision / recall / F1 of `main`, counted over all the source's blocks "
              "(blocks the gold covers only half are left out):", ""]

    def prf(m: dict | None) -> str:
        if not m:
            return "–"
        return " / ".join(_f3(m.get(k)) for k in ("block_precision", "block_recall", "block_f1"))

    lines += _table(["source"] + [name for _, name in systems],
                    [[s] + [prf(row.get(key)) for key, _ in systems] for s, row in rows])
    sweep, by_source = lodo.get("threshold_sweep"), lodo.get("threshold_sweep_by_source")
    if sweep or by_source:
        thresholds = sorted({t for t in (sweep or {})}
                            | {t for v in (by_source or {}).values() for t in v}, key=float)
        sweep_rows = [("**all pages**", sweep)] if sweep else []
        sweep_rows += list((by_source or {}).items())
        lines += ["", "### Main threshold sweep", "",
                  "Mean token F1 of the kept text when a block is main from P(main) = T on "
                  "(`--main-threshold T`), in the same leave-one-dataset-out runs; each row's best "
                  "in bold. Picking each source's best after the fact is hindsight, not a result; "
                  "it shows how far the golds disagree on how much of a page is the story.", ""]
        lines += _table(["source"] + [f"T={t}" for t in thresholds],
                        [[s] + _bold_best([values.get(t) for t in thresholds])
                         for s, values in sweep_rows])
    return lines + [""]


def _class_table(report: dict, name: str) -> list[str]:
    rows = [[label, _f3(m["precision"]), _f3(m["recall"]), _f3(m["f1"]), m["support"]]
            for label, m in report.items() if label != "_overall"]
    o = report.get("_overall", {})
    return _table([name, "precision", "recall", "F1", "support"], rows) + [
        "", f"Accuracy {_f3(o.get('accuracy'))}, macro-F1 {_f3(o.get('macro_f1'))}, "
            f"n = {o.get('n', '–')}.", ""]


def _evaluation(ev: dict) -> list[str]:
    lines: list[str] = []
    if ev.get("lodo"):
        lines += _lodo_tables(ev["lodo"])
    for s, m in ev.get("unseen_sources", {}).items():
        lines += [f"### Never trained on: {s}", "",
                  f"The shipped model on all {m.get('pages', '?')} pages of {s}, a source it never "
                  "saw in training:", ""]
        lines += _table(["source", "pages", "token F1", "block precision", "block recall",
                         "block F1"],
                        [[s, m.get("pages", "–"), _f3(m.get("token_f1")), _f3(m.get("block_precision")),
                          _f3(m.get("block_recall")), _f3(m.get("block_f1"))]]) + [""]
    if "three_class" in ev:
        lines += ["### Roles on composed pages", "",
                  "main / teaser / boilerplate per block, on pages composed only from held-out "
                  "articles and headlines:", ""]
        lines += _class_table(ev["three_class"], "role")
    topics = ev.get("topics")
    if topics:
        lines += ["### Topics per file", "",
                  "Accuracy on the 20% held out of each topic file (a world-news proxy label counts "
                  "politics as right too), beside a plain TF-IDF + LinearSVC trained on all the sets "
                  "together and one trained on that set alone (none where the set's training rows "
                  "hold a single topic):", ""]
        lines += _table(["file", "n", "newssift", "SVC all sets", "SVC this set"],
                        [[s, row.get("n", "–"), _f3(row.get("newssift")), _f3(row.get("svc_all_sets")),
                          _f3(row.get("svc_this_set"))]
                         for s, row in topics.get("sources", {}).items()]) + [""]
        if topics.get("per_class"):
            lines += ["### Topics per class", "", "All held-out rows together:", ""]
            lines += _class_table(topics["per_class"], "topic")
    short = [fmt(ev[key]) for key, fmt in (("short_topics", format_short_topics),
                                           ("teaser_topics", format_teaser_topics),
                                           ("project_short_texts", format_project_short_texts))
             if ev.get(key)]
    if short:
        lines += ["### Short texts: headlines, truncated leads, teasers", "",
                  "```", "\n\n".join(short), "```", ""]
    return lines


def model_card(manifest: dict) -> str:
    """The human summary of a manifest: what the model is, what it learnt from, how good it is."""
    ev = manifest.get("evaluation", {})
    created = [f"- created: {manifest.get('created')}; model format {manifest.get('format_version')}"]
    converted = manifest.get("converted_from")
    if isinstance(converted, dict) and converted.get("format_version") is not None:
        created.append(f"- converted from model format {converted['format_version']}: "
                       f"{converted.get('note', 'no retraining')}")
    for part_name, note in sorted((manifest.get("refitted") or {}).items()):
        created.append(f"- {part_name}: {note}")
    teaser_head = ("a two-pass teaser head (a linear first pass, then gradient boosting over the "
                   "context of its scores, which may only raise them)"
                   if manifest.get("config", {}).get("teaser_context") else "a linear teaser head")
    lines = [
        f"# newssift model `{manifest.get('version')}`", "",
        "Labels each block of scraped news text with a role (main / teaser / boilerplate) and a "
        "topic. TF-IDF word 1-2-grams with shallow and position features; a two-pass main head "
        "(SGD logistic regression, then gradient boosting over the context of first-pass scores), "
        f"{teaser_head}, and a topic head mixing a general linear SVM with per-source experts."
        + (" User-comment threads that follow a story are boilerplate (a rule over comment-framing "
           "lines; `--keep-comments` turns it off)."
           if manifest.get("config", {}).get("drop_comment_threads") else "")
        + f" A page of {PAGE_MIN_BLOCKS}+ blocks that would keep under {SHORT_PAGE_WORDS} words at "
          f"the P(main) threshold keeps its blocks from {SHORT_PAGE_FACTOR} times it.",
        "", *created,
        f"- roles: {', '.join(manifest.get('roles', []))}",
        f"- topics: {', '.join(manifest.get('topics', []))}",
        f"- training data: {json.dumps(manifest.get('training_data', {}))}", "",
        "## Intended use", "",
        "Keeping the main story of scraped news pages given as plain text (one block a line), "
        "telling teasers of other stories from boilerplate, and giving the story and each teaser "
        "a topic. The topic sets are English news; the block datasets are mostly English. Read "
        "the figures below for how far to trust it on pages unlike its sources.", "",
        "## Training sources and licences", "",
        "Third-party data is used for training only and is not distributed with the model. "
        "Several sources are licensed for research use only: check them before using this model "
        "commercially. Dragnet's data (AGPL-3.0) is not used for training.", "",
    ]
    lines += [f"- `{k}`: {v}" for k, v in manifest.get("sources", {}).items()]
    lines += ["", "## Evaluation", ""]
    lines += _evaluation(ev) or ["No evaluation was recorded for this model.", ""]
    lines += ["## Limits", "",
              "Known weaknesses: user comments not framed as a thread (for example the first "
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
