"""The sandwich benchmark's material from the shared block data: each source's recurring
boilerplate lines, and stories from its pages (:mod:`~newssift.training.sandwich`).

A recurring line is a short block labelled not-main that recurs (by its wording,
:func:`~newssift.training.sandwich.normalise_line`) on many pages of many sites of one
source, and is almost never main: a cookie notice, a share bar, a sign-up prompt, a
credit line, a site's navigation.  Its place is where the pages it was found on hold it
(before, inside or after their main text).  A page's site is the host of its ``url``,
else of its canonical address (or the host it links to most) in ``data/html``, else the
page itself.

A story is a page's headline and paragraphs: the main blocks that read as paragraphs (a
sentence's end, or 20+ words), from the first long one on, and before it the longest
headline-shaped main block.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import orjson

from newssift.classifier.errors import TrainingError
from newssift.training.config import TrainConfig
from newssift.training.sandwich import AFTER, BEFORE, INSIDE, UNDER, SandwichLine, Story, normalise_line

__all__ = ["SitePage", "MiningOptions", "page_site", "read_site_pages", "story_bounds", "line_place",
           "recurring_lines", "story_of", "boilerplate_wordings"]

# Where a page names its own address, and the hosts it links to.
_CANONICAL = re.compile(r"<link[^>]+rel=[\"']?canonical[\"']?[^>]*>"
                        r"|<meta[^>]+property=[\"']og:url[\"'][^>]*>", re.I)
_ADDRESS = re.compile(r"(?:href|content)=[\"']?(https?://[^\"'\s>]+)", re.I)
_LINKED_HOST = re.compile(r"href=[\"']?https?://([^\"'\s>/:?#]+)", re.I)
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)\]]*$")


class SitePage(NamedTuple):
    """A block page with its site (a host, or the page id when none is known)."""

    id: str
    source: str
    site: str
    lang: str
    texts: list[str]
    main: list[int]


@dataclass(frozen=True)
class MiningOptions:
    """What counts as a recurring boilerplate line, and as a story."""

    max_line_words: int = 12
    min_pages: int = 5
    min_sites: int = 3
    min_boilerplate_share: float = 0.9  # of the line's copies, labelled not main
    # A line goes to each place that holds this share of its copies, and this many (its most
    # frequent place in any case): the few lines that sit between paragraphs on real pages
    # ("Print", "Advertise | AdChoices") sit after the story more often.
    min_place_share: float = 0.2
    min_place_copies: int = 3
    story_start_words: int = 20  # the story starts at its first main block this long
    min_paragraph_words: int = 5
    headline_words: tuple[int, int] = (3, 25)
    min_paragraphs: int = 3


def _host(url: str | None) -> str | None:
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def page_site(url: str | None, html: str | None = None) -> str | None:
    """The host of ``url``; else the page's canonical address (``<link rel=canonical>``,
    ``og:url``) in ``html``; else the host it links to most; else None."""
    host = _host(url)
    if host or not html:
        return host
    tag = _CANONICAL.search(html)
    address = _ADDRESS.search(tag.group(0)) if tag else None
    host = _host(address.group(1)) if address else None
    if host:
        return host
    linked = Counter(h.lower().removeprefix("www.") for h in _LINKED_HOST.findall(html))
    return linked.most_common(1)[0][0] if linked else None


def _records(path: Path) -> Iterator[bytes]:
    with gzip.open(path, "rb") as handle:
        yield from (line for line in handle if line.strip())


def read_site_pages(cfg: TrainConfig, source: str) -> Iterator[SitePage]:
    """The pages of ``data/blocks/<source>`` (the first ``cfg.max_pages_per_source`` when
    set), each with its site (the HTML of ``data/html/<source>``, same pages in the same
    order, read for pages with no url)."""
    path = cfg.data / "blocks" / f"{source}.jsonl.gz"
    if not path.exists():
        raise TrainingError(f"{path}: not found; is ../shared/data beside the project?")
    html_path = cfg.data / "html" / f"{source}.jsonl.gz"
    htmls: Iterator[bytes | None] = _records(html_path) if html_path.exists() else iter(())
    for n, raw in enumerate(_records(path)):
        if cfg.max_pages_per_source and n >= cfg.max_pages_per_source:
            return
        rec = orjson.loads(raw)
        html_raw = next(htmls, None)
        site = _host(rec.get("url"))
        if site is None and html_raw is not None:
            page = orjson.loads(html_raw)
            if page.get("id") == rec["id"]:
                site = page_site(None, page.get("html"))
        blocks = rec["blocks"]
        yield SitePage(rec["id"], source, site or rec["id"], rec.get("lang") or "",
                       [b["text"] for b in blocks], [int(b["main"]) for b in blocks])


def story_bounds(main: Sequence[int], texts: Sequence[str],
                 options: MiningOptions = MiningOptions()) -> tuple[int, int, int] | None:
    """A page's first main block, its story's start (the first main block of
    ``story_start_words``+ words, else the first) and its last main block; None with no main."""
    mains = [i for i, m in enumerate(main) if m]
    if not mains:
        return None
    start = next((i for i in mains if len(texts[i].split()) >= options.story_start_words), mains[0])
    return mains[0], start, mains[-1]


def line_place(main: Sequence[int], index: int, texts: Sequence[str],
               options: MiningOptions = MiningOptions(),
               bounds: tuple[int, int, int] | None = None) -> str | None:
    """Where block ``index`` sits on its page: before the first main block, between it and
    the story's start, between that and the last main block, or after it; None on a page
    with no main block (``bounds``: the page's :func:`story_bounds`, when known)."""
    bounds = bounds or story_bounds(main, texts, options)
    if bounds is None:
        return None
    first, start, last = bounds
    if index < first:
        return BEFORE
    if index < start:
        return UNDER
    return INSIDE if index < last else AFTER


def recurring_lines(pages: Iterable[SitePage], options: MiningOptions = MiningOptions(),
                    ) -> list[SandwichLine]:
    """The lines of ``pages`` (one source's) that recur as boilerplate on many pages of many
    sites: one :class:`SandwichLine` a wording and place, in its most common spelling, at
    the place most of its copies sit and at each other place that holds enough of them."""
    found_on: dict[str, set[str]] = defaultdict(set)
    sites: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, Counter] = defaultdict(Counter)
    places: dict[str, Counter] = defaultdict(Counter)
    spellings: dict[str, Counter] = defaultdict(Counter)
    source = ""
    for page in pages:
        source = page.source
        bounds = story_bounds(page.main, page.texts, options)
        for i, (text, main) in enumerate(zip(page.texts, page.main)):
            if len(text.split()) > options.max_line_words:
                continue
            key = normalise_line(text)
            if not key or not any(c.isalpha() for c in key):
                continue
            labels[key][main] += 1
            if main:
                continue
            found_on[key].add(page.id)
            sites[key].add(page.site)
            spellings[key][text] += 1
            place = line_place(page.main, i, page.texts, options, bounds) if bounds else None
            if place:
                places[key][place] += 1
    out = []
    for key, pages_of in found_on.items():
        share = labels[key][0] / sum(labels[key].values())
        if (len(pages_of) >= options.min_pages and len(sites[key]) >= options.min_sites
                and share >= options.min_boilerplate_share and places[key]):
            text = min(spellings[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]
            first = min(places[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]
            enough = max(options.min_place_copies, options.min_place_share * places[key].total())
            out += [SandwichLine(text, place, source) for place, n in places[key].items()
                    if place == first or n >= enough]
    return sorted(out)


def boilerplate_wordings(pages: Iterable[SitePage]) -> set[str]:
    """Every wording labelled not main on ``pages``: what a model trained on them has seen."""
    return {normalise_line(t) for page in pages for t, m in zip(page.texts, page.main) if not m}


def _reads_as_paragraph(text: str, options: MiningOptions) -> bool:
    words = len(text.split())
    return words >= options.story_start_words or (
        words >= options.min_paragraph_words and bool(_SENTENCE_END.search(text)))


def story_of(page: SitePage, avoid: set[str] = frozenset(),
             options: MiningOptions = MiningOptions()) -> Story | None:
    """The page's story: its headline (the longest headline-shaped main block before the
    first long one) and the main blocks from there on that read as paragraphs and whose
    wording is not in ``avoid`` (the boilerplate pool); None when it has no headline or
    fewer than ``min_paragraphs`` paragraphs."""
    mains = [i for i, m in enumerate(page.main) if m]
    start = next((i for i in mains if len(page.texts[i].split()) >= options.story_start_words), None)
    if start is None:
        return None
    low, high = options.headline_words
    heads = [page.texts[i] for i in mains if i < start and low <= len(page.texts[i].split()) <= high
             and not page.texts[i].endswith(".")]
    paragraphs = tuple(page.texts[i] for i in mains if i >= start
                       and _reads_as_paragraph(page.texts[i], options)
                       and normalise_line(page.texts[i]) not in avoid)
    if not heads or len(paragraphs) < options.min_paragraphs:
        return None
    headline = max(heads, key=lambda t: len(t.split()))
    return Story(headline, paragraphs, page.source, page.id)
