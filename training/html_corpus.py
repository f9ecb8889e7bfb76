"""The HTML head's training data: the block pages' markup, and scores as they look on
sites a model never saw.

``shared/data/html`` holds the raw page behind every block page, same ids and order.  The
converter (:mod:`newssift.classifier.html`) gives exactly the block file's blocks for
every page of the data, so a block's label is joined by position; a page whose blocks
differ (another build of the data) is left out of the HTML head's rows, and counted.

The head's trees learn from the text first pass's and the markup pass's scores of each
block as they look on a site the passes never saw: every source is scored by passes
fitted on the other sources (:func:`out_of_source`).  Those passes saw the held-out
source's boilerplate lines inside composed pages, a small leak the text head's own
out-of-fold scores share.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from newssift.classifier.batch import BlockBatch, take_blocks
from newssift.classifier.markup import PageMarkup, concat_markup, page_markup
from newssift.classifier.markup_head import MarkupScorer, markup_input
from newssift.classifier.role import _sgd
from newssift.training.base_corpus import RoleData
from newssift.training.config import TrainConfig
from newssift.training.first_pass import role_targets

__all__ = ["html_path", "page_markups", "doc_sources", "source_rows", "SourceRows", "out_of_source",
           "OutOfSource", "fit_markup_head", "html_available", "build_html_head", "html_head"]


def html_path(cfg: TrainConfig, source: str) -> Path:
    return cfg.data / "html" / f"{source}.jsonl.gz"


def html_available(cfg: TrainConfig, sources: Sequence[str]) -> bool:
    """Whether the raw pages of every source are there to train the HTML head on."""
    try:
        return bool(sources) and all(html_path(cfg, s).is_file() for s in sources)
    except Exception:  # no data folder at all (a pip install): cfg.data raises
        return False


def page_markups(cfg: TrainConfig, source: str) -> list[PageMarkup | None]:
    """The markup of each block page of ``source`` (as :func:`newssift.training.corpus.block_docs`
    reads them), from its raw page; None for a page whose converted blocks are not the block
    file's."""
    from newssift.classifier.errors import InvalidInput
    from newssift.classifier.html import raw_blocks
    from newssift.training.sources import read_block_pages

    out: list[PageMarkup | None] = []
    pages = read_block_pages(cfg.data / "blocks" / f"{source}.jsonl.gz")
    with gzip.open(html_path(cfg, source), "rb") as lines:
        for n, (page, line) in enumerate(zip(pages, lines)):
            if cfg.max_pages_per_source and n >= cfg.max_pages_per_source:
                break
            rec = orjson.loads(line)
            if rec["id"] != page.id:
                raise ValueError(f"{html_path(cfg, source)}: page {n + 1} is {rec['id']!r}, the "
                                 f"block file's is {page.id!r}; the two must be of the same build")
            try:
                blocks = raw_blocks(rec["html"])
            except InvalidInput:
                blocks = []
            same = [b.text for b in blocks] == page.texts
            out.append(page_markup(blocks) if same and blocks else None)
    return out


def doc_sources(cfg: TrainConfig, block_pages: dict[str, int], n_docs: int,
                sources: Sequence[str] | None = None) -> np.ndarray:
    """The block source of every document of a corpus whose first documents are the block
    pages of ``sources`` (default ``cfg.block_sources``), in that order, ``block_pages[s]``
    of each; "" for the rest (composed pages, labelled documents)."""
    names = np.full(n_docs, "", dtype=object)
    at = 0
    for s in (cfg.block_sources if sources is None else sources):
        n = block_pages.get(s, 0)
        names[at:at + n] = s
        at += n
    return names


@dataclass
class SourceRows:
    """The block pages of one source that have markup: their rows, markup and targets."""

    source: str
    batch: BlockBatch
    markup: PageMarkup
    y: np.ndarray
    w: np.ndarray
    pages: int
    left_out: int


def source_rows(cfg: TrainConfig, data: RoleData, doc_source: np.ndarray, source: str,
                markups: Sequence[PageMarkup | None]) -> SourceRows:
    """The rows of ``data`` from ``source``'s pages (``doc_source`` names each document's
    source), keeping the pages that have markup."""
    docs = np.flatnonzero(doc_source == source)
    keep_docs = docs[[m is not None for m in markups]]
    rows = np.flatnonzero(np.isin(data.batch.doc, keep_docs))
    t = role_targets(cfg, data)
    return SourceRows(source, take_blocks(data.batch, rows), concat_markup([m for m in markups if m]),
                      t.y_main[rows], t.w_main[rows], len(keep_docs), len(docs) - len(keep_docs))


@dataclass
class OutOfSource:
    """Scores of every source's rows from models fitted without that source: the text main
    head's first pass and answer, and the markup pass."""

    first: dict[str, np.ndarray]
    text: dict[str, np.ndarray]
    markup: dict[str, np.ndarray]


def out_of_source(cfg: TrainConfig, data: RoleData, doc_source: np.ndarray,
                  sources: Sequence[SourceRows], train_sources: Sequence[str],
                  progress: Callable[[str], None] = lambda _: None,
                  only: Sequence[str] | None = None) -> OutOfSource:
    """The text main head's (first pass and answer) and the markup pass's scores of every
    source's rows, each from models fitted without that source: the text head on every
    other row of ``data`` (the other ``train_sources``' pages, composed pages, labelled
    documents), the markup pass on the other train sources' pages.  ``only``: score these
    sources alone (default: all of ``sources``)."""
    from newssift.classifier.role import MainScorer

    t = role_targets(cfg, data)
    src = doc_source[data.batch.doc]
    by_name = {s.source: s for s in sources}
    scores = OutOfSource({}, {}, {})
    for held in sources:
        if only is not None and held.source not in only:
            continue
        progress(held.source)
        # Rows of documents from the other train sources or from no block source at all
        # (composed pages, labelled documents); never the held-out source's.
        train = np.flatnonzero((src == "") | np.isin(src, [s for s in train_sources if s != held.source]))
        text = MainScorer(alpha=cfg.main_alpha, epochs=cfg.main_epochs, folds=cfg.main_folds,
                          boost_iter=cfg.boost_iter, learning_rate=cfg.boost_learning_rate,
                          neighbour_words=cfg.neighbour_words, random_state=cfg.seed,
                          own_words=cfg.main_own_words,
                          own_words_below=cfg.main_own_words_below)
        text.fit(take_blocks(data.batch, train), t.y_main[train], sample_weight=t.w_main[train])
        first = text.first_pass(held.batch)
        scores.first[held.source] = first
        scores.text[held.source] = text.second_pass(first, held.batch).astype(np.float32)
        others = [by_name[s] for s in train_sources if s != held.source and s in by_name]
        hashed = MarkupScorer.PARAMS["hashed"]
        x = _vstack([markup_input(o.markup, hashed) for o in others])
        markup = _sgd(MarkupScorer.PARAMS["alpha"], MarkupScorer.PARAMS["epochs"], cfg.seed).fit(
            x, np.concatenate([o.y for o in others]), sample_weight=np.concatenate([o.w for o in others]))
        p_markup = markup.predict_proba(markup_input(held.markup, hashed))[:, 1]
        scores.markup[held.source] = p_markup.astype(np.float32)
    return scores


def _vstack(parts):
    import scipy.sparse as sp

    return sp.vstack(parts, format="csr")


def fit_markup_head(cfg: TrainConfig, sources: Sequence[SourceRows], scores: OutOfSource,
                    ) -> MarkupScorer:
    """The HTML head on ``sources``' rows, its trees on their out-of-source scores."""
    from newssift.classifier.batch import concat_batches

    head = MarkupScorer(epochs=cfg.main_epochs, boost_iter=cfg.boost_iter,
                        learning_rate=cfg.boost_learning_rate, random_state=cfg.seed)
    return head.fit(concat_batches([s.batch for s in sources]), concat_markup([s.markup for s in sources]),
                    np.concatenate([s.y for s in sources]), np.concatenate([s.w for s in sources]),
                    *(np.concatenate([part[s.source] for s in sources])
                      for part in (scores.first, scores.text, scores.markup)))


def build_html_head(cfg: TrainConfig, roles: RoleData, block_pages: dict[str, int],
                    progress: Callable[[str], None] = lambda _: None) -> tuple[MarkupScorer, dict]:
    """The HTML head from the base corpus's rows (``roles``, whose first documents are the
    block pages, ``block_pages`` of each source) and the raw pages of the same sources;
    with a summary of the pages it learnt from."""
    n_docs = int(roles.batch.doc.max()) + 1 if len(roles.batch) else 0
    names = doc_sources(cfg, block_pages, n_docs)
    sources = []
    for s in cfg.block_sources:
        if block_pages.get(s):
            progress(f"reading {s} pages")
            sources.append(source_rows(cfg, roles, names, s, page_markups(cfg, s)))
    scores = out_of_source(cfg, roles, names, sources, cfg.block_sources,
                           lambda s: progress(f"scoring {s} out of source"))
    progress("fitting")
    head = fit_markup_head(cfg, sources, scores)
    summary = {"pages": {s.source: s.pages for s in sources},
               "pages_left_out": {s.source: s.left_out for s in sources if s.left_out}}
    return head, summary


def _cached_html_head(key: dict, cfg: TrainConfig, roles: RoleData, block_pages: dict[str, int],
                      ) -> tuple[MarkupScorer, dict]:
    """:func:`build_html_head`, as :func:`html_head` caches it under ``key``."""
    return build_html_head(cfg, roles, block_pages)


def html_head(cfg: TrainConfig, roles: RoleData, block_pages: dict[str, int],
              cache_dir: Path | None) -> tuple[MarkupScorer, dict]:
    """:func:`build_html_head`, from the cache when the base corpus, the raw pages and this
    code are those it was fitted on: user labels have no markup, so every full retrain
    with the same data shares one HTML head (``cache_dir`` None: fitted here)."""
    if cache_dir is None:
        return build_html_head(cfg, roles, block_pages)
    from newssift.training.cache import code_modules, fingerprint, memory

    code = [p.read_bytes() for p in code_modules("newssift.training.html_corpus")]
    pages = [[str(html_path(cfg, s)), *_stat(html_path(cfg, s))] for s in cfg.block_sources]
    key = {"base": fingerprint(cfg), "code": code, "html": pages}
    return memory(cache_dir).cache(_cached_html_head, ignore=["cfg", "roles", "block_pages"])(
        key, cfg, roles, block_pages)


def _stat(path: Path) -> list:
    try:
        st = path.stat()
    except OSError:
        return [None, None]
    return [st.st_size, st.st_mtime_ns]
