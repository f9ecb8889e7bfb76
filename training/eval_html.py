"""Raw pages, leave-one-source-out: newssift reading the HTML against the extractors people
run on HTML, and against newssift reading the same page's text.

For every source of ``data/html`` the models are fitted without it and scored on its pages,
by token F1 of the kept text against the page's gold (empty-gold pages left out, as the data
README advises):

- **newssift html**: the HTML head (:mod:`newssift.classifier.markup_head`) over the text head
  and the page's markup, both fitted without the source;
- **newssift text**: the text head alone on the page's blocks (the text model's
  leave-one-source-out figure);
- **trafilatura, readability, jusText**: each extractor's default output on the same HTML
  (:func:`newssift.training.baselines.extract_text`), when installed.

The HTML head's trees learn from scores of the training sources' rows that came from models
fitted without each of those sources (:func:`newssift.training.html_corpus.out_of_source`);
those models saw the held-out source, which the held-out rows' scores never do.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from newssift.classifier.decision import Decision, keep_main
from newssift.training.base_corpus import featurize_docs, fit_featurizer, gather_inputs, join_role_data
from newssift.training.baselines import extract_text, html_extractors_available
from newssift.training.config import TrainConfig
from newssift.training.corpus import RoleDoc, boilerplate_pool, composed_docs, load_label_map, teaser_pool
from newssift.training.html_corpus import (
    OutOfSource,
    SourceRows,
    doc_sources,
    fit_markup_head,
    html_path,
    out_of_source,
    page_markups,
    source_rows,
)
from newssift.training.metrics import counter_f1, tokens

__all__ = ["html_lodo_eval", "extractor_scores", "format_html_lodo", "SYSTEMS"]

SYSTEMS = ("newssift html", "newssift text", "trafilatura", "readability", "jusText")


def _kept_f1(docs: Sequence[RoleDoc], keeps: Sequence[np.ndarray]) -> list[float | None]:
    """Token F1 of each page's kept blocks against its gold; None for an empty gold."""
    out: list[float | None] = []
    for doc, keep in zip(docs, keeps):
        gold = doc.page.gold
        if not gold.strip():
            out.append(None)
            continue
        kept = "\n".join(t for t, k in zip(doc.texts, keep) if k)
        out.append(counter_f1(Counter(tokens(kept)), Counter(tokens(gold))))
    return out


def _keeps(p: np.ndarray, rows: SourceRows, decision: Decision, docs: Sequence[RoleDoc],
           with_markup: Sequence[bool], read_markup: bool = True) -> list[np.ndarray]:
    """The main decision on every page of a source (the model's threshold and comment-thread
    rule, and for a page read as HTML, ``read_markup``, its marked-up comment section's); a page
    without markup keeps nothing of ``p`` (it has no rows): all False."""
    batch = rows.batch
    bounds = np.flatnonzero(np.diff(batch.doc)) + 1
    starts = np.concatenate([[0], bounds]) if len(batch) else np.zeros(0, int)
    ends = np.concatenate([bounds, [len(batch)]]) if len(batch) else np.zeros(0, int)
    out, k = [], 0
    for doc, has in zip(docs, with_markup):
        if not has:
            out.append(np.zeros(len(doc.texts), bool))
            continue
        a, b = starts[k], ends[k]
        k += 1
        drop = decision.drop_comment_threads
        framing = None if batch.framing is None or not drop else batch.framing[a:b]
        marked = rows.markup.comments()[a:b] if drop and read_markup else None
        out.append(keep_main(p[a:b], decision.main_threshold, framing, batch.n_words[a:b],
                             np.zeros(b - a, np.int64), marked, doc.texts,
                             line_forms=decision.line_forms, headlines=decision.headlines))
    return out


def extractor_scores(cfg: TrainConfig, source: str, docs: Sequence[RoleDoc], names: Sequence[str],
                     cache_dir: Path | None, progress: bool) -> dict[str, list[float | None]]:
    """Each installed extractor's token F1 on every page of ``source`` (None: empty gold); the
    extracted texts are cached in ``cache_dir`` (extracting 4,000 pages takes minutes)."""
    out = {}
    for name in names:
        texts = extracted_texts(cache_dir, name, html_path(cfg, source), len(docs), progress)
        out[name] = [None if not d.page.gold.strip() else
                     counter_f1(Counter(tokens(t)), Counter(tokens(d.page.gold)))
                     for d, t in zip(docs, texts)]
    return out


def extracted_texts(cache_dir: Path | None, name: str, path: Path, limit: int,
                    progress: bool = False) -> list[str]:
    """The texts extractor ``name`` gives for the first ``limit`` pages of ``path``, from a
    file in ``cache_dir`` when one was written for the same extractor release and the same
    data file (size and modification time), else extracted now and written there.  A file
    of our own, keyed by what the texts depend on, rather than ``joblib.Memory``'s cache of
    a function, which starts over whenever the function's module is edited."""
    import gzip
    import hashlib
    import json
    import os
    import tempfile

    key = json.dumps([name, _version(name), Path(path).name, _stamp(Path(path)), limit])
    if cache_dir is None:
        return _extract_all(name, str(path), limit, progress)
    folder = Path(cache_dir) / "extracted"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    file = folder / f"{name}-{Path(path).name.split('.')[0]}-{digest}.json.gz"
    try:
        with gzip.open(file, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        pass  # not there yet, or unreadable: extract again
    texts = _extract_all(name, str(path), limit, progress)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as handle:
        json.dump(texts, handle)
    os.replace(tmp, file)
    return texts


def _extract_all(name: str, path: str, limit: int, progress: bool) -> list[str]:
    import gzip

    import orjson

    texts = []
    with gzip.open(path, "rb") as lines:
        for n, line in enumerate(tqdm(lines, total=limit, desc=f"{name} {Path(path).name}",
                                      disable=not progress, leave=False)):
            if n >= limit:
                break
            texts.append(extract_text(name, orjson.loads(line)["html"]))
    return texts


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    dist = {"trafilatura": "trafilatura", "readability": "readability-lxml", "jusText": "jusText"}[name]
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def _stamp(path: Path) -> list:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def html_lodo_eval(cfg: TrainConfig, progress: bool = True, log: Callable[[str], None] = print,
                   cache_dir: Path | None = None) -> dict:
    """Leave-one-source-out over ``cfg.eval_sources`` on raw pages; figures per source and
    overall (the mean of the sources' means, and the mean over all pages)."""

    inputs = gather_inputs(cfg, block_sources=cfg.eval_sources)
    featurizer = fit_featurizer(cfg, inputs)
    sources = [s for s in cfg.eval_sources if any(d.source == s for d in inputs.block)]
    by_source = {s: [d for d in inputs.block if d.source == s] for s in sources}
    data = featurize_docs(featurizer, [d for s in sources for d in by_source[s]])
    names = doc_sources(cfg, {s: len(by_source[s]) for s in sources}, len(inputs.block), sources)
    markups = {s: page_markups(cfg, s) for s in tqdm(sources, desc="reading pages", disable=not progress)}
    rows = {s: source_rows(cfg, data, names, s, markups[s]) for s in sources}
    shared = featurize_docs(featurizer, inputs.labelled) if inputs.labelled else None
    teasers = teaser_pool(cfg, load_label_map(cfg))
    decision = Decision(drop_comment_threads=cfg.drop_comment_threads)
    scores = OutOfSource({}, {}, {})
    for held in tqdm(sources, desc="text and markup passes", disable=not progress):
        # As the text model's own leave-one-source-out: composed pages from the other
        # sources' boilerplate, the labelled documents, the other train sources' pages.
        train_sources = [s for s in cfg.block_sources if s != held and s in by_source]
        pool = boilerplate_pool([d for s in train_sources for d in by_source[s]], random.Random(cfg.seed),
                                recurring_words=cfg.inline_recurring_words)
        pool += sorted({t for d in inputs.labelled for t, r in zip(d.texts, d.roles) if r == 2})
        composed = featurize_docs(featurizer, composed_docs(cfg, pool, teasers))
        fold = join_role_data([data, composed] + ([shared] if shared else []))
        fold_names = np.concatenate([names, np.full(int(fold.batch.doc.max()) + 1 - len(names), "",
                                                    dtype=object)])
        one = out_of_source(cfg, fold, fold_names, list(rows.values()), train_sources, only=[held])
        for part, got in zip((scores.first, scores.text, scores.markup), (one.first, one.text, one.markup)):
            part.update(got)
    report: dict = {"sources": {}, "extractors": {}}
    available = [n for n, ok in html_extractors_available().items() if ok]
    report["extractors"] = {n: n in available for n in SYSTEMS[2:]}
    f1: dict[str, dict[str, list[float | None]]] = {}
    for held in tqdm(sources, desc="HTML head", disable=not progress):
        train = [rows[s] for s in cfg.block_sources if s != held and s in rows]
        head = fit_markup_head(cfg, train, scores)
        r = rows[held]
        has = [m is not None for m in markups[held]]
        p_html = (head.proba(r.batch, r.markup, scores.first[held], scores.text[held]) if len(r.batch)
                  else np.zeros(0))
        docs = by_source[held]
        f1[held] = {"newssift html": _kept_f1(docs, _keeps(p_html, r, decision, docs, has)),
                    "newssift text": _kept_f1(docs, _keeps(scores.text[held], r, decision, docs, has,
                                                                 read_markup=False))}
        f1[held].update(extractor_scores(cfg, held, docs, available, cache_dir, progress))
        row = {name: _mean(v) for name, v in f1[held].items()}
        row["pages"] = sum(v is not None for v in f1[held]["newssift html"])
        row["pages_without_markup"] = int(sum(not h for h in has))
        report["sources"][held] = row
        log(f"  {held}: " + ", ".join(f"{n} {row[n]:.3f}" for n in SYSTEMS if n in row))
    systems = [n for n in SYSTEMS if all(n in f1[s] for s in sources)]
    report["mean_of_sources"] = {n: float(np.mean([report["sources"][s][n] for s in sources]))
                                 for n in systems}
    report["all_pages"] = {n: _mean([v for s in sources for v in f1[s][n]]) for n in systems}
    report["all_pages"]["pages"] = sum(report["sources"][s]["pages"] for s in sources)
    return report


def _mean(values: Sequence[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else float("nan")


def format_html_lodo(report: dict) -> str:
    """The report as a table, one row a source."""
    systems = [n for n in SYSTEMS if n in report["mean_of_sources"]]
    widths = [max(len(n), 6) + 2 for n in systems]

    def cells(row: dict) -> str:
        return "".join(f"{row[n]:>{w}.3f}" for n, w in zip(systems, widths))

    lines = ["Raw pages, leave-one-source-out: token F1 of the kept text against the gold "
             "(empty-gold pages left out)",
             f"  {'source':<18}{'pages':>6}" + "".join(f"{n:>{w}}" for n, w in zip(systems, widths))]
    for s, row in report["sources"].items():
        lines.append(f"  {s:<18}{row['pages']:>6}" + cells(row))
    lines.append(f"  {'mean of sources':<18}{'':>6}" + cells(report["mean_of_sources"]))
    lines.append(f"  {'all pages':<18}{report['all_pages']['pages']:>6}" + cells(report["all_pages"]))
    missing = [n for n, ok in report.get("extractors", {}).items() if not ok]
    if missing:
        lines.append(f"  not installed, left out: {', '.join(missing)} (pip install newssift[compare])")
    return "\n".join(lines)
