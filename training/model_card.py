"""The model card: a manifest told as Markdown for people (what the model is, what it
learnt from under which licences, how good it is, where it fails)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from newssift.classifier.decision import PAGE_MIN_BLOCKS, SHORT_PAGE_FACTOR, SHORT_PAGE_WORDS
from newssift.training.eval_format import (
    format_project_short_texts,
    format_short_topics,
    format_teaser_topics,
)
from newssift.training.eval_lodo import LENGTH_RULE_RANGE

__all__ = ["model_card"]


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
    if lodo.get("languages"):
        lines += _language_table(lodo["languages"], lodo.get("best_length_rule", "?"))
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


def _language_table(rows: dict, best_length_rule) -> list[str]:
    """The leave-one-dataset-out page scores by page language (training/eval_languages.py)."""
    systems = (("newssift", "newssift"), ("justext", "jusText, English stoplist"),
               ("justext_own", "jusText, the page's stoplist"),
               ("length", f"length rule ({best_length_rule}+ words)"))
    lines = ["", "### Roles by page language", "",
             "The same leave-one-dataset-out page scores, grouped by each page's language (the "
             "block data's `lang`). Every role head learnt from English pages and English composed "
             "text, with a few pages of other languages among the sources. jusText is run with the "
             "English stoplist and with the page's own (none for Chinese and Japanese: its "
             "language-independent mode). Token F1 of the kept text:", ""]
    return lines + _table(["language", "pages"] + [name for _, name in systems],
                          [[group, next(iter(row.values())).get("pages", "–")]
                           + [_f3(row.get(key, {}).get("token_f1")) for key, _ in systems]
                           for group, row in rows.items()])


def _class_table(report: dict, name: str) -> list[str]:
    rows = [[label, _f3(m["precision"]), _f3(m["recall"]), _f3(m["f1"]), m["support"]]
            for label, m in report.items() if label != "_overall"]
    o = report.get("_overall", {})
    return _table([name, "precision", "recall", "F1", "support"], rows) + [
        "", f"Accuracy {_f3(o.get('accuracy'))}, macro-F1 {_f3(o.get('macro_f1'))}, "
            f"n = {o.get('n', '–')}.", ""]


def _html_table(report: dict) -> list[str]:
    """The raw-page evaluation (``newssift evaluate --input html``): one row a source."""
    systems = [n for n in ("newssift html", "newssift text", "trafilatura", "readability", "jusText")
               if n in report.get("mean_of_sources", {})]
    rows = [[s, row.get("pages", "–"), *_bold_best([row.get(n) for n in systems])]
            for s, row in report.get("sources", {}).items()]
    rows.append(["**mean of sources**", "", *_bold_best([report["mean_of_sources"].get(n) for n in systems])])
    every = report.get("all_pages", {})
    rows.append(["**all pages**", every.get("pages", "–"), *_bold_best([every.get(n) for n in systems])])
    missing = [n for n, ok in report.get("extractors", {}).items() if not ok]
    return ["### Raw pages (HTML), leave-one-source-out", "",
            "Each source's pages labelled by models fitted without that source: newssift reading "
            "the HTML (the HTML head over the text head and the page's markup), newssift reading "
            "the same page's text blocks, and the extractors people run on HTML with their default "
            "settings on the same pages. Token F1 of the kept text against the gold, averaged over "
            "pages; pages with an empty gold are left out. Dragnet is in no fold's training data."
            + (f" Not installed when measured, so left out: {', '.join(missing)}." if missing else ""),
            "", *_table(["source", "pages", *systems], rows), ""]


def _sandwich_table(report: dict) -> list[str]:
    """The sandwich benchmark (``newssift evaluate --sandwich``): one row a place."""
    from newssift.training.eval_sandwich import LONG_PARAGRAPH_WORDS, PLACE_NAMES

    rows = [[PLACE_NAMES.get(place, place), row.get("blocks", "–"), _f3(row.get("newssift")),
             _f3(row.get("jusText"))] for place, row in report.get("places", {}).items()]
    for key, name in (("story", "the story's own paragraphs (should be main)"),
                      ("story_long", f"... of them those of {LONG_PARAGRAPH_WORDS}+ words"),
                      ("headline", "the story's headline")):
        row = report.get(key, {})
        rows.append([name, row.get("blocks", "–"), _f3(row.get("newssift")), _f3(row.get("jusText"))])
    sources = ", ".join(report.get("test_sources", []))
    return ["### Boilerplate lines around held-out stories", "",
            f"{report.get('stories', '?')} stories of {sources} (never trained on), each with "
            "boilerplate lines put where news pages put them: lines recurring as boilerplate on "
            f"many pages and sites of {sources}, and lines of our own, none with a wording found on "
            "the training sources' side; the share of blocks called main in each place, newssift "
            "given the page as text, jusText the same blocks (EVALUATION_SANDWICH.txt has more). "
            "The decision's line forms (docs/how-it-works.md) were written after reading which of "
            "these lines slipped through: for lines of those forms the rows show that the forms "
            "work, not how other wordings fare.",
            "", *_table(["where the lines sit", "blocks", "newssift", "jusText"], rows), ""]


def _repeats_table(report: dict) -> list[str]:
    """The site-repeats head on held-out sites (``newssift evaluate --site-repeats``)."""
    rows = [[name, f.get("pages", "–"), f.get("sites", "–"), _f3(f.get("model")), _f3(f.get("rule")),
             _f3(f.get("site repeats")), f.get("sites worse", "–")]
            for name, f in [*report.get("sources", {}).items(), ("**all**", report.get("all", {}))]]
    return ["### Site repeats: held-out sites of a corpus", "",
            f"Pages of sites with {report.get('site_min_pages', '?')}+ pages in a source, each "
            "site's lines counted over its pages there (as `clean` counts a corpus); token F1 of "
            "the kept text with the model alone, with the bare rule (a kept line on 3+ of the "
            "site's pages dropped) and with the site-repeats head fitted without the source "
            "scored (Dragnet, never trained on: the model's own scores). Sites worse: token F1 "
            f"down by more than {report.get('worse_by', '?')} (EVALUATION_SITE_REPEATS.txt).",
            "", *_table(["source", "pages", "sites", "model", "rule", "site repeats",
                         "sites worse"], rows), "",
            *([f"Not scored (no other block source has sites to fit the head without it): "
               f"{', '.join(report['not_scored'])}.", ""] if report.get("not_scored") else [])]


def _evaluation(ev: dict) -> list[str]:
    lines: list[str] = []
    if ev.get("html_lodo"):
        lines += _html_table(ev["html_lodo"])
    if ev.get("lodo"):
        lines += _lodo_tables(ev["lodo"])
    if ev.get("sandwich"):
        lines += _sandwich_table(ev["sandwich"])
    if ev.get("site_repeats"):
        lines += _repeats_table(ev["site_repeats"])
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
        "(SGD logistic regression, then gradient boosting over the context of first-pass scores"
        + (f", and over what a block of under {manifest['config'].get('main_own_words_below')} words "
           "says by its own words alone"
           if manifest.get("config", {}).get("main_own_words") else "")
        + f"), {teaser_head}, and a topic head mixing a general linear SVM with per-source experts."
        + (" User-comment threads that follow a story are boilerplate (a rule over comment-framing "
           "lines; `--keep-comments` turns it off)."
           if manifest.get("config", {}).get("drop_comment_threads") else "")
        + f" A page of {PAGE_MIN_BLOCKS}+ blocks that would keep under {SHORT_PAGE_WORDS} words at "
          f"the P(main) threshold keeps its blocks from {SHORT_PAGE_FACTOR} times it."
        + (" A block's stopwords are counted with its page's language's list (the page's language "
           "identified on its longest blocks), and its length in units that hold for Chinese and "
           "Japanese text."
           if manifest.get("config", {}).get("language_features") else "")
        + " The story's own headline (the short line above it that shares its words) is main.",
        "", *created,
        f"- roles: {', '.join(manifest.get('roles', []))}",
        f"- topics: {', '.join(manifest.get('topics', []))}",
        f"- training data: {json.dumps(manifest.get('training_data', {}))}", "",
        "## Intended use", "",
        "Keeping the main story of scraped news pages given as plain text (one block a line) "
        "or as HTML (the page's blocks as a reader sees them, labelled with their markup"
        + ("" if (manifest.get("training_data") or {}).get("html_head", {}).get("trained") else
           "; this model has no HTML head "
           "and labels a page's blocks by their text alone") + "), "
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
