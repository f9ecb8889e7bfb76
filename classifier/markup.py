"""What a page's markup says about each of its blocks, as numbers the HTML head reads.

The words of a block say what it is about; the markup around it says where the page's
author put it: in a ``<nav>``, a ``<footer>``, a list of links, a ``div class="comments"``,
or in the same ``<div>`` as the story's paragraphs.  Extractors that read HTML (boilerpipe,
jusText, trafilatura) live on this; the text model never sees it.  Per block, from the
walk of :func:`newssift.classifier.html.raw_blocks`:

- **dense columns** (:data:`MARKUP_NAMES`): link share and link count, heading level, the
  tag of the block's element, the landmarks around it (``nav``, ``footer``, ``aside``,
  lists, tables, forms...), the words of the class and id attributes of it and its
  ancestors grouped by what they usually mean (``comment``, ``share``, ``related``...),
  its depth, and the size of its container (how many of the page's blocks and words share
  its parent and grandparent element);
- **hashed tokens** (:data:`HASH_COLUMNS` columns, binary): the element's tag, class and id
  words, its parent's, and every ancestor's class and id words, for a linear model to
  learn any site's naming (``td.storybody``, ``div#bbccom_sponsor``) from the labels;
- **container numbers**: which blocks share a parent and a grandparent element, so the
  head can ask how story-like the rest of the container is;
- **the comment section**: whether the block sits in an element whose class or id names
  a comment section (``id="comments"``, ``class="comment-body"``, ``#disqus_thread``,
  ``#respond``).  Not a feature: the main decision's rule
  (:func:`newssift.classifier.threads.markup_comment_sections`) reads it, as it reads a
  text's comment framing, since the gold standards disagree on comments and the user
  chooses (``--keep-comments``).

Pure functions over lxml elements; a fixed hash (CRC-32), so a saved model needs no
vocabulary and a page's features never depend on other pages.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = ["PageMarkup", "page_markup", "concat_markup", "pages_with_markup", "MARKUP_NAMES", "HASH_COLUMNS",
           "CLASS_GROUPS"]

HASH_COLUMNS = 1 << 15
_TAG_GROUPS = (("p", ("p",)), ("div", ("div",)), ("li", ("li", "dt", "dd")), ("cell", ("td", "th")),
               ("heading", ("h1", "h2", "h3", "h4", "h5", "h6")), ("quote", ("blockquote", "pre")),
               ("caption", ("figcaption", "caption", "legend")),
               ("control", ("option", "select", "textarea", "optgroup")),
               ("body", ("body", "html")), ("section", ("section", "article", "main")))
_LANDMARKS = (("nav", ("nav", "menu")), ("footer", ("footer",)), ("header", ("header",)),
              ("aside", ("aside",)), ("form", ("form", "select", "fieldset")),
              ("article", ("article",)), ("main", ("main",)), ("list", ("ul", "ol", "dl")),
              ("table", ("table",)), ("figure", ("figure",)), ("blockquote", ("blockquote",)),
              ("address", ("address",)))
# Class and id words by what they usually mean on news pages (boilerpipe's and
# readability's lists, widened).
CLASS_GROUPS = (
    ("comment", r"comment|reply|respon|discuss|disqus|forum|thread"),
    ("navigation", r"nav|menu|breadcrumb|crumb|pagination|pager|skip"),
    ("footer", r"foot|copyright|legal|bottom"),
    ("header", r"head|masthead|banner|top|logo|brand"),
    ("sidebar", r"side|rail|aside|column|col"),
    ("related", r"relat|recommend|more|also|popular|trending|read|next|prev|teaser|promo|outbrain|taboola"),
    ("share", r"share|social|facebook|twitter|tweet|email|print|whatsapp|linkedin|pinterest"),
    ("ad", r"^ads?$|advert|sponsor|dfp|gpt|banner|commercial|partner|^ad[-_]|[-_]ad$"),
    ("story", r"content|article|story|body|post|entry|text|main|news|blog|prose|copy|detail"),
    ("media", r"caption|credit|photo|image|img|figure|media|video|gallery|slide"),
    ("byline", r"byline|author|date|time|meta|dateline|publish|posted|source"),
    ("tags", r"^tags?$|topic|categor|keyword|label"),
    ("widget", r"widget|module|box|card|tile|block|panel|list"),
    ("subscribe", r"newsletter|subscri|signup|sign-up|login|register|account|cookie|consent|gdpr|paywall"),
    ("hidden", r"hidden|hide|sr-only|visually|offscreen|screen-reader|print-only|noprint"),
    ("title", r"title|headline|heading|hed|kicker|dek|summary|lede|intro|standfirst"),
)
_GROUP_RES = [(name, re.compile(pattern)) for name, pattern in CLASS_GROUPS]
# Class and id words that name a comment section and little else: the "comment" group above
# also holds "respon(sive)", "thread" and "forum", which name layout and forum posts.
# "commentary" is an opinion piece, not a comment.
_COMMENT_SECTION_RE = re.compile(r"comments?|comment(?!ar)[a-z]*|disqus[a-z]*|respond|repl(?:y|ies)|"
                                 r"usercomments?|discussion")
_WORD_RE = re.compile(r"[a-z]+|[0-9]+")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HEADINGS = {f"h{k}": k for k in range(1, 7)}

MARKUP_NAMES = [
    "link_share", "links", "heading_level", "in_heading",
    *(f"tag:{name}" for name, _ in _TAG_GROUPS),
    *(f"in:{name}" for name, _ in _LANDMARKS),
    *(f"class:{name}" for name, _ in CLASS_GROUPS),
    *(f"own_class:{name}" for name, _ in CLASS_GROUPS),
    "depth", "parent_blocks", "parent_words", "grandparent_blocks", "grandparent_words",
    "same_path_blocks",
]
_COLUMN = {name: i for i, name in enumerate(MARKUP_NAMES)}


@dataclass
class PageMarkup:
    """The markup features of the blocks of one or more pages, row for row with the blocks.

    ``container`` numbers each block's parent (column 0) and grandparent (column 1) element,
    unique across the pages of a batch (:func:`concat_markup` renumbers); ``comment`` says
    which blocks sit in a comment section."""

    dense: np.ndarray
    hashed: sp.csr_matrix
    container: np.ndarray
    comment: np.ndarray | None = None  # None: not known (all False)

    def comments(self) -> np.ndarray:
        return np.zeros(len(self), bool) if self.comment is None else self.comment

    def __len__(self) -> int:
        return self.dense.shape[0]


def _words(value: str | None) -> list[str]:
    if not value:
        return []
    return _WORD_RE.findall(_CAMEL_RE.sub(" ", value).lower())


def _attr_words(el) -> tuple[str, ...]:
    return (*_words(el.get("class")), *_words(el.get("id")))


@lru_cache(maxsize=1 << 16)
def _word_groups(word: str) -> frozenset[str]:
    """The class groups one class or id word falls in (pages repeat a few words on many
    elements: worked out once per word)."""
    if len(word) < 2:
        return frozenset()
    return frozenset(name for name, pattern in _GROUP_RES if pattern.search(word))


def _groups_of(words: tuple[str, ...]) -> frozenset[str]:
    """The class groups of an element's class and id words."""
    if not words:
        return frozenset()
    if len(words) == 1:
        return _word_groups(words[0])
    return frozenset().union(*map(_word_groups, words))


@lru_cache(maxsize=1 << 16)
def _names_comments(word: str) -> bool:
    return _COMMENT_SECTION_RE.fullmatch(word) is not None


@lru_cache(maxsize=1 << 16)
def _hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) & (HASH_COLUMNS - 1)


def _parent_path(path: str, levels: int) -> str:
    for _ in range(levels):
        cut = path.rfind("/")
        path = path[:cut] if cut > 0 else path
    return path


class _Element(NamedTuple):
    """What an element says of the blocks it holds or contains, worked out once per element."""

    element: object           # held, so that lxml keeps this proxy (and its id) alive
    tag: str
    words: tuple[str, ...]    # its class and id words
    groups: frozenset[str]    # their groups
    # The element with its ancestors: class groups, landmarks, nearest heading level, hashed
    # ancestor tokens (a:, ac:), how many elements.
    inherited_groups: frozenset[str]
    landmarks: frozenset[str]
    level: int
    inherited_hashes: frozenset[int]
    depth: int
    in_comments: bool         # it or an ancestor names a comment section


_NO_ELEMENT = _Element(None, "", (), frozenset(), frozenset(), frozenset(), 0, frozenset(), 0, False)
_LANDMARK_OF = {tag: name for name, tags in _LANDMARKS for tag in tags}
_TAG_GROUP_OF = {tag: name for name, tags in _TAG_GROUPS for tag in tags}


class _Elements:
    """:class:`_Element` of each element of one page, each worked out once from its parent's.

    Keyed by id(), holding the element: lxml makes a new proxy object for a node once no
    Python reference to the old one is left, and a dead proxy's id may go to another node."""

    def __init__(self) -> None:
        self.known: dict[int, _Element] = {}

    def of(self, el) -> _Element:
        if el is None:
            return _NO_ELEMENT
        found = self.known.get(id(el))
        if found is not None:
            return found
        chain = [el]  # el and its ancestors up to the first known one, iteratively: pages
        parent = el.getparent()  # nest thousands of elements deep
        while parent is not None and id(parent) not in self.known:
            chain.append(parent)
            parent = parent.getparent()
        base = _NO_ELEMENT if parent is None else self.known[id(parent)]
        for node in reversed(chain):
            base = self.known[id(node)] = self._make(node, base)
        return base

    @staticmethod
    def _make(el, parent: _Element) -> _Element:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        words = _attr_words(el)
        groups = _groups_of(words)
        landmark = _LANDMARK_OF.get(tag)
        return _Element(
            el, tag, words, groups,
            parent.inherited_groups | groups,
            parent.landmarks | {landmark} if landmark else parent.landmarks,
            _HEADINGS.get(tag, 0) or parent.level,
            parent.inherited_hashes | {_hash(t) for t in (f"a:{tag}", *(f"ac:{w}" for w in words))},
            parent.depth + 1,
            parent.in_comments or any(map(_names_comments, words)))


def page_markup(blocks: Sequence) -> PageMarkup:
    """The markup features of a page's blocks (:class:`~newssift.classifier.html.RawBlock`s,
    in page order)."""
    n = len(blocks)
    dense = np.zeros((n, len(MARKUP_NAMES)), dtype=np.float32)
    rows: list[int] = []
    cols: list[int] = []
    column = _COLUMN
    words = np.array([len(b.text.split()) for b in blocks], dtype=np.float64)
    total_words = max(words.sum(), 1.0)
    elements = _Elements()
    comment = np.zeros(n, dtype=bool)

    containers = np.zeros((n, 2), dtype=np.int64)
    for level in (1, 2):
        keys: dict[str, int] = {}
        for i, b in enumerate(blocks):
            containers[i, level - 1] = keys.setdefault(_parent_path(b.path, level), len(keys))
    same_path: dict[str, int] = {}
    for b in blocks:
        same_path[b.path] = same_path.get(b.path, 0) + 1

    for i, b in enumerate(blocks):
        row = dense[i]
        chars = max(len(b.text) - b.text.count(" "), 1)
        row[column["link_share"]] = min(b.link_chars / chars, 1.0)
        row[column["links"]] = math.log1p(b.links)
        own = elements.of(b.element)
        parent = elements.of(b.element.getparent())
        comment[i] = own.in_comments
        group = _TAG_GROUP_OF.get(own.tag)
        if group:
            row[column[f"tag:{group}"]] = 1.0
        for g in own.groups:
            row[column[f"own_class:{g}"]] = 1.0
        for g in own.inherited_groups:
            row[column[f"class:{g}"]] = 1.0
        for name in own.landmarks:
            row[column[f"in:{name}"]] = 1.0
        level = own.level
        row[column["heading_level"]] = (7 - level) / 6 if level else 0.0
        row[column["in_heading"]] = float(level > 0)
        row[column["depth"]] = math.log1p(parent.depth)
        row[column["same_path_blocks"]] = math.log1p(same_path[b.path])
        hashed = {_hash(f"t:{own.tag}"), *(_hash(f"c:{w}") for w in own.words)}
        if parent.element is not None:
            hashed.update((_hash(f"pt:{parent.tag}"), *(_hash(f"pc:{w}") for w in parent.words)))
        hashed.update(parent.inherited_hashes)
        rows += [i] * len(hashed)
        cols += sorted(hashed)
    for level, (count_col, words_col) in enumerate((("parent_blocks", "parent_words"),
                                                    ("grandparent_blocks", "grandparent_words"))):
        key = containers[:, level]
        if n:
            dense[:, column[count_col]] = np.log1p(np.bincount(key)[key])
            dense[:, column[words_col]] = (np.bincount(key, weights=words)[key] / total_words)
    hashed = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                           shape=(n, HASH_COLUMNS))
    return PageMarkup(dense, hashed, containers, comment)


def concat_markup(pages: Sequence[PageMarkup]) -> PageMarkup:
    """The markup of several pages' blocks, one after another, containers renumbered."""
    containers, offset = [], np.zeros(2, dtype=np.int64)
    for m in pages:
        containers.append(m.container + offset)
        if len(m):
            offset = offset + m.container.max(axis=0) + 1
    return PageMarkup(
        np.vstack([m.dense for m in pages]) if pages else np.zeros((0, len(MARKUP_NAMES)), np.float32),
        sp.vstack([m.hashed for m in pages], format="csr") if pages
        else sp.csr_matrix((0, HASH_COLUMNS), dtype=np.float32),
        np.vstack(containers) if containers else np.zeros((0, 2), np.int64),
        np.concatenate([m.comments() for m in pages]) if pages else np.zeros(0, bool))


def pages_with_markup(doc: np.ndarray, markup: Sequence[PageMarkup | None]) -> list[int]:
    """The documents of a batch (``doc``: each block's) whose markup has a row for each of
    their blocks: those read as web pages, whose markup the HTML head and an adapter read."""
    if all(m is None for m in markup):  # texts alone (one at a time: the usual call)
        return []
    counts = np.bincount(doc, minlength=len(markup))
    return [d for d, m in enumerate(markup) if m is not None and len(m) == counts[d] > 0]
