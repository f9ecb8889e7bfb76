"""Roles by language: the leave-one-dataset-out page scores grouped by each page's language.

The block data gives every page a ``lang`` (ISO 639-1; :mod:`newssift.training.sources`).
The shipped model has seen most pages, so the honest figure for a language is the
leave-one-dataset-out run's own page scores (:mod:`~newssift.training.eval_lodo`), each
page scored by the fold that never saw its source, grouped by language: English, each
other language, and all non-English pages together.  Beside them, on the same blocks,
jusText with the English stoplist (as the source table runs it), jusText with the page's
own language's stoplist (:data:`JUSTEXT_STOPLISTS`; a language jusText has no stoplist for,
Chinese and Japanese among them, runs in its language-independent mode: no stoplist, both
stopword thresholds 0) and the best length rule.  ``format_languages``
(:mod:`~newssift.training.eval_format`) prints them.
"""

from __future__ import annotations

from collections.abc import Sequence

from tqdm import tqdm

from newssift.classifier.stoplists import JUSTEXT_STOPLISTS
from newssift.training.corpus import RoleDoc
from newssift.training.eval_pages import PageScore, _page_scores, summarize

__all__ = ["JUSTEXT_STOPLISTS", "NON_ENGLISH", "UNKNOWN", "justext_stoplist", "own_stoplist_scores",
           "language_rows"]

NON_ENGLISH = "non-English"
UNKNOWN = "unknown"  # a page without a `lang`


def justext_stoplist(lang: str | None) -> str | None:
    """jusText's stoplist name for ``lang`` (None: it has none, run language-independent)."""
    return JUSTEXT_STOPLISTS.get(lang or "")


def own_stoplist_scores(docs: Sequence[RoleDoc], english: Sequence[PageScore],
                        progress: bool = False) -> list[PageScore]:
    """jusText with each page's own stoplist; an English page's score is ``english``'s
    (jusText with the English stoplist on the same pages, in the same order)."""
    from newssift.training.baselines import justext_keep

    out = list(english)
    for i, doc in enumerate(tqdm(docs, desc="jusText, own stoplists", disable=not progress)):
        lang = _lang(doc)
        if lang != "en":
            out[i] = _page_scores([doc], [justext_keep(doc.texts, justext_stoplist(lang))])[0]
    return out


def _lang(doc: RoleDoc) -> str:
    return (doc.page.lang if doc.page is not None else None) or UNKNOWN


def _groups(scores: Sequence[PageScore]) -> dict[str, list[int]]:
    """Page indexes by language group: en, each other language, then non-English."""
    by_lang: dict[str, list[int]] = {}
    for i, s in enumerate(scores):
        by_lang.setdefault(s.lang or UNKNOWN, []).append(i)
    order = (["en"] if "en" in by_lang else []) + sorted(k for k in by_lang if k != "en")
    groups = {k: by_lang[k] for k in order}
    others = [i for k in order if k != "en" for i in by_lang[k]]
    if others:
        groups[NON_ENGLISH] = sorted(others)
    return groups


def language_rows(systems: dict[str, Sequence[PageScore]]) -> dict[str, dict]:
    """Each language group's summary (pages, token F1, block P/R/F1) for every system;
    ``systems`` name page scores of the same pages in the same order (the first's ``lang``
    groups them)."""
    first = next(iter(systems.values()))
    rows: dict[str, dict] = {}
    for group, idx in _groups(first).items():
        rows[group] = {name: summarize([scores[i] for i in idx]) for name, scores in systems.items()}
    return rows
