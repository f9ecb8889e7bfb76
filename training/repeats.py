"""The site-repeats head (:mod:`newssift.classifier.repeats`): its training rows, its fit
and its evaluation on held-out sites.

The head must learn how far to trust a line's recurrence *against the role scores it
will meet*: the scores of pages the role heads never saw.  So its rows are out-of-fold:
every block source with sites is scored by role heads trained without it (the
leave-one-dataset-out folds of :mod:`newssift.training.eval_lodo`), and an
evaluation-only source (Dragnet) by the model itself, which never saw it.  Sites come
from each page's address (the block data's ``url``; else the raw page's canonical link or
``og:url``; an archived copy's original host), and lines are counted per dataset and
site, as ``clean`` counts a corpus.

Scored as the issue asks: token F1 of the kept text on pages of sites with
:data:`SITE_MIN_PAGES` or more pages, the head fitted without the source scored, beside
the model alone and the bare rule (drop a kept line that is on 3+ of the site's pages).
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from newssift.classifier.decision import keep_main
from newssift.classifier.model import NewssiftModel
from newssift.classifier.repeats import REPEATED_ON, RepeatHead, repeat_features
from newssift.classifier.site_lines import LineCounter
from newssift.classifier.sites import site_of_url
from newssift.training.config import TrainConfig
from newssift.training.corpus import RoleDoc
from newssift.training.eval_pages import PageMain, _page_scores, main_probabilities, summarize

__all__ = ["RepeatPage", "NoRepeatRows", "repeat_pages", "fit_repeat_head", "repeats_eval", "format_repeats",
           "page_sites", "SITE_MIN_PAGES", "L2_DEFAULT"]

SITE_MIN_PAGES = 5     # sites scored: those with this many pages
L2_DEFAULT = 10.0      # pull of the head's weights towards no shift (docs/experiments.md: 1, 10, 100 tried)
WORSE_SITE = 0.01      # a site whose token F1 falls by more than this is counted as worse

_CANONICAL = re.compile(r"<link[^>]+rel=[\"']?canonical[\"']?[^>]*>|"
                        r"<meta[^>]+property=[\"']og:url[\"'][^>]*>", re.I)
_ADDRESS = re.compile(r"(?:href|content)=[\"']([^\"']+)", re.I)
_LINK = re.compile(r"href=[\"'](https?://[^\"'\s]+)", re.I)


@dataclass
class RepeatPage:
    """One page of the rows: its document, its out-of-fold P(main) and its site's evidence."""

    doc: RoleDoc
    main: PageMain
    site: str | None
    n_other: int
    other: np.ndarray


def _site_of_page(record: dict) -> str | None:
    if record.get("url"):
        return site_of_url(record["url"])
    html = record.get("html") or ""
    found = _CANONICAL.search(html)
    if found:
        address = _ADDRESS.search(found.group(0))
        if address and address.group(1).startswith(("http://", "https://")):
            return site_of_url(address.group(1))
    hosts = Counter(h for h in map(site_of_url, _LINK.findall(html)) if h and "archive.org" not in h)
    return hosts.most_common(1)[0][0] if hosts else None


def page_sites(cfg: TrainConfig, sources: Sequence[str]) -> dict[str, str | None]:
    """Each page id's site: from its raw page when ``cfg.data / "html"`` has the source,
    else from the block data's ``url`` (None where neither says)."""
    out: dict[str, str | None] = {}
    for source in sources:
        html = cfg.data / "html" / f"{source}.jsonl.gz"
        path = html if html.exists() else cfg.data / "blocks" / f"{source}.jsonl.gz"
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                out[record["id"]] = _site_of_page(record)
    return out


def _with_evidence(docs: Sequence[RoleDoc], mains: Sequence[PageMain],
                   sites: dict[str, str | None]) -> list[RepeatPage]:
    """The pages with their site's line counts (counted over these pages, per site)."""
    counter = LineCounter()
    page_site = [sites.get(d.page.id) for d in docs]
    for doc, site in zip(docs, page_site):
        counter.add(site, doc.texts)
    counts = counter.freeze()
    out = []
    for doc, main, site in zip(docs, mains, page_site):
        n_other, other = counts.evidence([site], [doc.texts])
        out.append(RepeatPage(doc, main, site, int(n_other[0]), other))
    return out


def repeat_pages(cfg: TrainConfig, model: NewssiftModel, progress: bool = True,
                 log: Callable[[str], None] = print) -> dict[str, list[RepeatPage]]:
    """Every evaluation source's pages with out-of-fold P(main) and their site evidence:
    a training source's from the fold trained without it, an evaluation-only source's
    from ``model``."""
    from newssift.training.eval_lodo import fold_model, lodo_data

    ld = lodo_data(cfg)
    sites = page_sites(cfg, ld.folds)
    out = {}
    for source in tqdm(ld.folds, desc="site repeats: out-of-fold scores", disable=not progress):
        docs = ld.by_source[source]
        sizes = Counter(sites.get(d.page.id) for d in docs)
        if not any(n > 1 for site, n in sizes.items() if site):
            continue  # no site with two pages: no evidence to learn or score
        scorer = fold_model(ld, source) if source in cfg.block_sources else model
        out[source] = _with_evidence(docs, main_probabilities(scorer, docs), sites)
        log(f"  {source}: {len(docs)} pages, {len({p.site for p in out[source] if p.site})} sites")
    return out


class NoRepeatRows(ValueError):
    """No page has another page of its site: nothing to fit the site-repeats head on."""


def fit_repeat_head(pages: Sequence[RepeatPage], l2: float = L2_DEFAULT) -> RepeatHead:
    """The head's weights: log-loss of the shifted P(main) against the blocks' labels,
    blocks weighed by their words (token F1 is what it is for), half-aligned blocks left out."""
    from scipy.optimize import minimize

    xs, ys, ws, offsets = [], [], [], []
    for page in pages:
        if page.n_other <= 0:
            continue
        cov = np.asarray(page.doc.page.cov)
        sure = (cov <= 0.3) | (cov >= 0.7)
        p = page.main.p
        xs.append(repeat_features(p, np.full(len(p), page.n_other), page.other)[sure])
        ys.append(np.asarray(page.doc.page.main, dtype=np.float64)[sure])
        ws.append(page.main.n_words[sure].astype(np.float64) + 1)
        offsets.append(np.log(np.clip(p, 1e-7, 1 - 1e-7) / np.clip(1 - p, 1e-7, 1))[sure])
    if not xs:
        raise NoRepeatRows("no page of a site with another page to fit the site-repeats head on")
    x, y, w, off = (np.concatenate(a) for a in (xs, ys, ws, offsets))
    w = w / w.mean()
    n = len(y)
    penalty = l2 * 100 / n

    def loss(coef: np.ndarray) -> tuple[float, np.ndarray]:
        z = off + x @ coef
        p = 1 / (1 + np.exp(-z))
        value = -(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))).mean()
        return value + penalty * coef @ coef, x.T @ (w * (p - y)) / n + 2 * penalty * coef

    fitted = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B")
    return RepeatHead(fitted.x)


def _keeps(pages: Sequence[RepeatPage], threshold: float, head: RepeatHead | None = None,
           rule: bool = False) -> list[list[bool]]:
    out = []
    for page in pages:
        m = page.main
        p = m.p
        if head is not None:
            p = head.adjust(p, np.full(len(p), page.n_other), page.other)
        keep = keep_main(p, threshold, m.framing, m.n_words, np.zeros(len(p), np.int64),
                         texts=getattr(m, "texts", None))
        if rule and page.n_other > 0:
            keep = keep & (page.other < REPEATED_ON)
        out.append(keep.tolist())
    return out


def _token_f1(pages: Sequence[RepeatPage], keeps: list[list[bool]]) -> float:
    return summarize(_page_scores([p.doc for p in pages], keeps))["token_f1"]


def repeats_eval(cfg: TrainConfig, model: NewssiftModel, progress: bool = True,
                 log: Callable[[str], None] = print,
                 pages: dict[str, list[RepeatPage]] | None = None) -> tuple[dict, RepeatHead]:
    """The head fitted on every training source's rows (what ships), and the figures: per
    source, its pages of sites with :data:`SITE_MIN_PAGES`+ pages scored with the head
    fitted without that source."""
    pages = pages or repeat_pages(cfg, model, progress, log)
    training = [s for s in pages if s in cfg.block_sources]
    threshold = model.decision.main_threshold
    report: dict = {"site_min_pages": SITE_MIN_PAGES, "sources": {}, "worse_by": WORSE_SITE}
    totals: dict[str, list[float]] = defaultdict(list)
    worse, scored_sites = 0, 0
    for source, rows in pages.items():
        sizes = Counter(p.site for p in rows if p.site)
        scored = [p for p in rows if p.site and sizes[p.site] >= SITE_MIN_PAGES]
        others = [p for s in training if s != source for p in pages[s]]
        if not scored or not any(p.n_other > 0 for p in others):
            if scored:  # nothing else to fit the head on: it would have seen what it scores
                log(f"  {source}: not scored (no other block source has a site with two pages)")
                report.setdefault("not_scored", []).append(source)
            continue
        head = fit_repeat_head(others)
        figures = {"pages": len(scored), "sites": len({p.site for p in scored}),
                   "model": _token_f1(scored, _keeps(scored, threshold)),
                   "rule": _token_f1(scored, _keeps(scored, threshold, rule=True)),
                   "site repeats": _token_f1(scored, _keeps(scored, threshold, head))}
        by_site = defaultdict(list)
        for p in scored:
            by_site[p.site].append(p)
        changes = [_token_f1(ps, _keeps(ps, threshold, head)) - _token_f1(ps, _keeps(ps, threshold))
                   for ps in by_site.values()]
        figures["sites worse"] = sum(c < -WORSE_SITE for c in changes)
        worse += figures["sites worse"]
        scored_sites += len(changes)
        report["sources"][source] = figures
        for name in ("model", "rule", "site repeats"):
            totals[name] += [figures[name]] * figures["pages"]
        log(f"  {source}: model {figures['model']:.3f}, rule {figures['rule']:.3f}, "
            f"site repeats {figures['site repeats']:.3f}")
    # None, not NaN, where no source was scored: the manifest is strict JSON.
    report["all"] = {name: float(np.mean(totals[name])) if totals[name] else None
                     for name in ("model", "rule", "site repeats")}
    if not totals["model"]:
        log("  site repeats: no source scored; the head is fitted but not evaluated")
    report["all"]["pages"] = len(totals["model"])
    report["all"]["sites"] = scored_sites
    report["all"]["sites worse"] = worse
    head = fit_repeat_head([p for s in training for p in pages[s]])
    report["coef"] = [round(float(c), 4) for c in head.coef]
    return report, head


def format_repeats(report: dict) -> str:
    """The figures as a table."""
    lines = [f"Site repeats: token F1 on pages of sites with {report['site_min_pages']}+ pages, "
             f"lines counted over each source's pages of a site; the head fitted without the "
             f"source scored",
             f"  {'source':16s} {'pages':>5s} {'sites':>5s} {'model':>7s} {'rule':>7s} "
             f"{'site repeats':>12s} {'sites worse':>11s}"]
    rows = list(report["sources"].items()) + [("all pages", report["all"])]
    def cell(value: float | None, width: int) -> str:
        return f"{value:{width}.3f}" if value is not None else f"{'-':>{width}s}"

    for name, f in rows:
        lines.append(f"  {name:16s} {f['pages']:5d} {f['sites']:5d} {cell(f['model'], 7)} "
                     f"{cell(f['rule'], 7)} {cell(f['site repeats'], 12)} {f['sites worse']:11d}")
    lines.append(f"  (rule: a kept line on {REPEATED_ON + 1}+ pages of its site dropped; sites "
                 f"worse: token F1 down by more than {report['worse_by']})")
    if report.get("not_scored"):
        lines.append(f"  not scored, no other source with sites to fit the head without it: "
                     f"{', '.join(report['not_scored'])}")
    return "\n".join(lines)
