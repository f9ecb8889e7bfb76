"""Adapters: what a user's corrections teach a fitted model, learned in seconds on top of it.

A full retrain weighs a few dozen corrected pages against more than 600,000 training
blocks, so whether they change anything is luck, and it takes minutes.  An adapter
leaves the base model as it is and learns, per *scope* (one site, or "" for every
text), two things from the corrected blocks only:

- a **line table**: each corrected block's normalised line (as the correction memory
  normalises it) with its role and topic.  A site repeats its boilerplate and its
  teaser lines verbatim on every page, so this is what carries most corrections to
  the site's other pages; and it makes the adapted model give the corrected labels
  for the corrected blocks themselves;
- a **shift of the main and teaser log-odds**: a logistic model over the block's words
  (and, where the corrected documents include web pages, its markup's tag, class and id
  tokens, :mod:`~newssift.classifier.markup`) with the base model's log-odds as a fixed
  offset, regularised towards no change (``L2_DEFAULT``).  It carries a correction to
  lines that are like, not equal to, the corrected ones ("Posted in Politics | 3
  comments" after "Posted in Sport | 12 comments").  The blocks of a corrected text that
  were *not* corrected hold it back: each one's change of log-odds is penalised
  (``ANCHOR_WEIGHT``), since a person who corrected two paragraphs of a page left the
  rest as it was.  Only words, not the shallow features: story paragraphs share those,
  and given them "this paragraph is boilerplate" became "every paragraph is" (an
  unrelated page's story lost half its P(main), measured).  And no site-wide lean (an
  intercept): fitted on whole corrected pages, hundreds of boilerplate blocks against a
  few main ones, it pushed every block of the site down, and the stories of the site's
  other pages with it (one site's token F1 fell from 0.89 to 0.74 with four corrected
  pages; without it no site lost more than 0.004; benchmarks/site_adaptation.py,
  docs/corrections.md).

A corrected web page is scored as the model scores a page read as HTML (its HTML head),
so that the shift is learnt against what the adapted model will start from on the site's
other pages, and its shift also reads the markup tokens of each block (its element's and
its ancestors' tags and class and id words): a correction carries to the same place in the
site's template (``div.newsletter-box``, ``aside.related``) whatever the words there.  A
table of template places, set as the line table is, was tried and left out: on 42 held-out
sites it added little to the shift and took a story's place away on one site
(docs/corrections.md).

An adapter for a site applies only to texts sent with that site; the "" scope to
every text.  The adapted model is still one model directory (the adapter's arrays
and settings are saved with the base model's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from newssift.classifier.batch import BlockBatch
from newssift.classifier.corrections import normalize_line
from newssift.classifier.counting import decode_terms, encode_terms
from newssift.classifier.labels import ROLES, Role
from newssift.classifier.markup import HASH_COLUMNS, PageMarkup, pages_with_markup

__all__ = ["Adapter", "ScopeAdapter", "AdaptDoc", "fit_adapter", "markup_tokens", "L2_DEFAULT"]

L2_DEFAULT = 4.0          # weight of the pull towards the base model (per unit of squared weight)
ANCHOR_WEIGHT = 1.0       # penalty per squared change of an uncorrected block's log-odds
MIN_LABELLED = 2          # fewer labelled blocks of a head than this: no shift for that head
# The markup tokens' weights are pulled towards zero this many times less, squared, than the
# words' (the tokens enter the fit scaled by it): a template's place is the same on every
# page, where a story's words are not.  On Dragnet's 42 sites (docs/corrections.md), four
# corrected pages each: +0.056, +0.061, +0.063 and +0.065 token F1 at 0.5, 1, 2 and 4; on all
# 59 sites of the benchmark, +0.065, +0.067 and +0.065 at 1, 2 and 4, with 6, 5 and 7 sites
# lower by more than 0.01.
MARKUP_SCALE = 2.0
MAX_ITER = 200
_LOGIT_CLIP = 15.0


@dataclass
class AdaptDoc:
    """A corrected text: its block texts, each block's role code (-1 unknown) and topic;
    for a web page, its blocks' markup."""

    texts: list[str]
    roles: np.ndarray
    topics: list[str | None]
    site: str = ""
    markup: PageMarkup | None = None


@dataclass
class ScopeAdapter:
    """What one scope's corrections taught: a line table and two word-level log-odds shifts."""

    lines: dict[str, tuple[int, int]] = field(default_factory=dict)  # line -> (role, topic index)
    # Over the TF-IDF columns, then (learnt from web pages) the HASH_COLUMNS markup tokens.
    main_coef: np.ndarray | None = None
    teaser_coef: np.ndarray | None = None

    def shift(self, batch: BlockBatch, rows: np.ndarray, head: str,
              marked: sp.csr_matrix | None = None) -> np.ndarray:
        """The change of ``head``'s log-odds of the blocks ``rows``; ``marked``: every block's
        markup tokens (no row for a text's blocks: all zero), None: no block has markup."""
        coef = self.main_coef if head == "main" else self.teaser_coef
        if coef is None:
            return np.zeros(len(rows))
        words = batch.tfidf.shape[1]
        out = batch.tfidf[rows] @ coef[:words]
        if marked is not None and len(coef) > words:
            out = out + marked[rows] @ coef[words:]
        return out


class Adapter:
    """Per-scope adapters over a base model's scores (see the module docstring)."""

    def __init__(self, scopes: dict[str, ScopeAdapter] | None = None,
                 topics: Sequence[str] = ()) -> None:
        self.scopes = scopes or {}
        self.topics = list(topics)

    def __bool__(self) -> bool:
        return bool(self.scopes)

    def reads_markup(self, n_words: int) -> bool:
        """Whether a shift learnt markup tokens (from web pages) beside the ``n_words`` words."""
        return any(c is not None and len(c) > n_words
                   for a in self.scopes.values() for c in (a.main_coef, a.teaser_coef))

    def adjust(self, batch: BlockBatch, p_main: np.ndarray, p_teaser: np.ndarray,
               sites: Sequence[str | None] | None, marked: sp.csr_matrix | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
        """P(main) and P(teaser) with each block's scope shifts applied (site, then "");
        ``marked``: the blocks' markup tokens (:func:`markup_tokens`), None for texts."""
        if not self.scopes or not len(p_main):
            return p_main, p_teaser
        z_main, z_teaser = _logit(p_main), _logit(p_teaser)
        for scope, rows in self._rows(batch, sites):
            adapter = self.scopes[scope]
            z_main[rows] += adapter.shift(batch, rows, "main", marked)
            z_teaser[rows] += adapter.shift(batch, rows, "teaser", marked)
        return _expit(z_main), _expit(z_teaser)

    def table_roles(self, texts: Sequence[str], batch: BlockBatch,
                    sites: Sequence[str | None] | None) -> list[tuple[int, str | None] | None]:
        """(role code, topic) from the line tables for each block, site table first."""
        out: list[tuple[int, str | None] | None] = [None] * len(texts)
        if not self.scopes:
            return out
        doc_site = [(s or "") for s in sites] if sites else None
        for i, text in enumerate(texts):
            site = doc_site[batch.doc[i]] if doc_site else ""
            line = normalize_line(text)
            for scope in ((site, "") if site else ("",)):
                adapter = self.scopes.get(scope)
                hit = adapter.lines.get(line) if adapter else None
                if hit is not None:
                    role, topic = hit
                    out[i] = (role, self.topics[topic] if topic >= 0 else None)
                    break
        return out

    def _rows(self, batch: BlockBatch, sites: Sequence[str | None] | None):
        """(scope, block rows) pairs: the "" scope for every block, a site's for its texts."""
        if "" in self.scopes:
            yield "", np.arange(len(batch.doc))
        if sites:
            doc_site = np.array([(s or "") for s in sites], dtype=object)
            block_site = doc_site[batch.doc]
            for scope in self.scopes:
                if scope:
                    rows = np.flatnonzero(block_site == scope)
                    if len(rows):
                        yield scope, rows

    # -- persistence ------------------------------------------------------------------

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        config: dict = {"topics": self.topics, "scopes": []}
        arrays: dict[str, np.ndarray] = {}
        for n, (scope, a) in enumerate(sorted(self.scopes.items())):
            entry = {"scope": scope}
            lines = sorted(a.lines)
            arrays[f"{n}.lines"] = encode_terms(lines)
            arrays[f"{n}.line_roles"] = np.array([a.lines[x][0] for x in lines], dtype=np.int8)
            arrays[f"{n}.line_topics"] = np.array([a.lines[x][1] for x in lines], dtype=np.int16)
            entry["n_lines"] = len(lines)
            for head in ("main", "teaser"):
                coef = getattr(a, f"{head}_coef")
                entry[f"{head}_size"] = None if coef is None else len(coef)
                if coef is not None:
                    nz = np.flatnonzero(coef)
                    arrays[f"{n}.{head}_index"] = nz.astype(np.int64)
                    arrays[f"{n}.{head}_value"] = coef[nz].astype(np.float32)
            config["scopes"].append(entry)
        return config, arrays

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray]) -> Adapter:
        scopes = {}
        for n, entry in enumerate(config["scopes"]):
            lines = decode_terms(arrays[f"{n}.lines"]) if entry["n_lines"] else []
            table = dict(zip(lines, zip(arrays[f"{n}.line_roles"].tolist(),
                                        arrays[f"{n}.line_topics"].tolist())))
            a = ScopeAdapter(lines=table)
            for head in ("main", "teaser"):
                size = entry[f"{head}_size"]
                if size is not None:
                    coef = np.zeros(size, dtype=np.float32)
                    coef[arrays[f"{n}.{head}_index"]] = arrays[f"{n}.{head}_value"]
                    setattr(a, f"{head}_coef", coef)
            scopes[entry["scope"]] = a
        return cls(scopes, config["topics"])


def fit_adapter(model, docs: Sequence[AdaptDoc], *, l2: float = L2_DEFAULT,
                base: Adapter | None = None) -> Adapter:
    """An adapter for ``model`` from corrected documents, one scope per site ("" for texts
    without one).  ``base``: an adapter whose scopes are kept where ``docs`` name none."""
    topics = list(model.topics)
    scopes = dict(base.scopes) if base else {}
    for site in sorted({d.site or "" for d in docs}):
        mine = [d for d in docs if (d.site or "") == site]
        scopes[site] = _fit_scope(model, mine, topics, l2)
    return Adapter(scopes, topics)


def _fit_scope(model, docs: Sequence[AdaptDoc], topics: list[str], l2: float) -> ScopeAdapter:
    lines: dict[str, tuple[int, int]] = {}
    for d in docs:  # later documents win, as later corrections do
        for text, role, topic in zip(d.texts, d.roles.tolist(), d.topics):
            if role >= 0:
                lines[normalize_line(text)] = (role, topics.index(topic) if topic in topics else -1)
    adapter = ScopeAdapter(lines=lines)
    batch = model.featurizer.transform([d.texts for d in docs])
    roles = np.concatenate([d.roles for d in docs]) if docs else np.zeros(0, np.int8)
    markup = [d.markup for d in docs]
    p_main, p_teaser = model.score_roles(batch, markup)
    marked = markup_tokens(batch, markup)
    x = batch.tfidf.astype(np.float64)
    if marked is not None:
        x = sp.hstack([x, MARKUP_SCALE * marked], format="csr", dtype=np.float64)
    known = roles >= 0
    words = batch.tfidf.shape[1]
    if known.sum() >= MIN_LABELLED:
        y = (roles == Role.MAIN).astype(float)
        adapter.main_coef = _unscaled(_fit_shift(x, _logit(p_main), y, known, l2), words)
    # The teaser head speaks of blocks that are not main: the corrected ones, and those
    # the base model does not keep.
    rows = np.flatnonzero((known & (roles != Role.MAIN)) | (~known & (p_main < 0.5)))
    if known[rows].sum() >= MIN_LABELLED:
        y = (roles[rows] == Role.TEASER).astype(float)
        adapter.teaser_coef = _unscaled(_fit_shift(x[rows], _logit(p_teaser[rows]), y, known[rows], l2),
                                        words)
    return adapter


def _unscaled(coef: np.ndarray, words: int) -> np.ndarray:
    """Weights over the markup tokens as they are (the fit read them times MARKUP_SCALE)."""
    coef[words:] *= MARKUP_SCALE
    return coef


def _fit_shift(x: sp.csr_matrix, offset: np.ndarray, y: np.ndarray, labelled: np.ndarray,
               l2: float) -> np.ndarray:
    """The change ``d = x w`` of the base log-odds ``offset`` that minimises the logistic
    loss of the ``labelled`` rows (targets ``y``) plus ``ANCHOR_WEIGHT/2 d^2`` on the
    others and ``l2/2 |w|^2``: the smallest change that fits."""
    from scipy.optimize import minimize

    n, d = x.shape
    used = np.unique(x.indices)  # columns no labelled block has stay exactly 0
    xs = x[:, used]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        d = xs @ w
        z = offset + d
        loss = np.where(labelled, np.logaddexp(0, z) - y * z, 0.5 * ANCHOR_WEIGHT * d * d)
        g = np.where(labelled, _expit(z) - y, ANCHOR_WEIGHT * d)
        return float(loss.sum() + 0.5 * l2 * w @ w), xs.T @ g + l2 * w

    result = minimize(loss, np.zeros(len(used)), jac=True, method="L-BFGS-B",
                      options={"maxiter": MAX_ITER})
    coef = np.zeros(d, dtype=np.float32)
    coef[used] = result.x
    return coef


def markup_tokens(batch: BlockBatch, markup: Sequence[PageMarkup | None] | None,
                  ) -> sp.csr_matrix | None:
    """Every block's markup tokens (``PageMarkup.hashed``), a page's rows where ``markup``
    holds its page's blocks (one entry a document, as ``label_blocks`` takes it) and empty
    rows for a text's; None when no document has markup."""
    pages = set(pages_with_markup(batch.doc, markup)) if markup is not None else set()
    if not pages:
        return None
    counts = np.bincount(batch.doc, minlength=len(markup)).tolist()
    return sp.vstack([markup[d].hashed if d in pages else
                      sp.csr_matrix((counts[d], HASH_COLUMNS), dtype=np.float32)
                      for d in range(len(markup)) if counts[d]], format="csr")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.clip(np.log(p) - np.log1p(-p), -_LOGIT_CLIP, _LOGIT_CLIP)


def _expit(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def roles_of(names: Sequence[str | None]) -> np.ndarray:
    """Role names (None: unknown) as the codes an AdaptDoc holds."""
    return np.array([-1 if r is None else ROLES.index(r) for r in names], dtype=np.int8)
