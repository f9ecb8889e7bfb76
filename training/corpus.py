"""Training and evaluation corpora assembled from the shared data and our own labels.

Role codes: 0 main, 1 teaser, 2 boilerplate, 3 "not main" from a source that
does not say whether it is a teaser or boilerplate (the block datasets).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from newssift.classifier.errors import TrainingError
from newssift.classifier.labels import DEFAULT_TOPICS, ROLES
from newssift.classifier.segment import segment
from newssift.classifier.shallow import shallow_features
from newssift.training.compose import (
    ComposeOptions,
    Teaser,
    WrittenLines,
    compose_document,
    inline_lines,
)
from newssift.training.config import TrainConfig
from newssift.training.sandwich import normalise_line, written_lines
from newssift.training.sources import (
    BlockPage,
    LabelMap,
    TopicRow,
    read_articles,
    read_block_pages,
    read_jsonl,
    read_label_map,
    read_labelled_documents,
    read_topic_rows,
)

__all__ = ["RoleDoc", "TopicExample", "block_docs", "composed_docs", "compose_lines", "labelled_docs",
           "topic_examples", "short_text_examples", "is_holdout", "story_inline_lines", "NOT_MAIN",
           "ROLE_CODES"]

ROLE_CODES = {r: i for i, r in enumerate(ROLES)}
NOT_MAIN = 3
# Topic files whose rows (or their headlines) stand in for teasers of other stories.
TEASER_FILES = ("huffpost", "agnews", "nyt-frontpage", "inshorts", "bbc", "huffpost-headlines")
# Blocks whose gold coverage lies between these were half-aligned: leave them out.
UNSURE_COV = (0.3, 0.7)
_NORM_RE = re.compile(r"[^a-z0-9]+")


@dataclass
class RoleDoc:
    texts: list[str]
    roles: np.ndarray
    source: str
    weight: float = 1.0
    topics: list[str | None] = field(default_factory=list)
    page: BlockPage | None = None
    keep: np.ndarray | None = None  # blocks to train on (None: all)
    origins: list[tuple | None] = field(default_factory=list)  # composed teasers' pool entries


@dataclass(frozen=True)
class TopicExample:
    text: str
    topic: str
    source: str
    proxy: bool
    weight: float = 1.0


def is_holdout(key: str, fraction: float) -> bool:
    """Deterministic split by content, so that copies of a text fall on the same side."""
    norm = _NORM_RE.sub(" ", key.lower()).strip()
    digest = hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < fraction


def main_after_body(main: np.ndarray, max_gap: int = 3) -> np.ndarray:
    """Main-labelled blocks after the page's main body (its longest run of main blocks,
    gaps of up to ``max_gap`` blocks allowed): on sets whose gold keeps user
    comments, that is where the comments are."""
    idx = np.flatnonzero(main)
    out = np.zeros(len(main), dtype=bool)
    if len(idx) == 0:
        return out
    breaks = np.flatnonzero(np.diff(idx) > max_gap + 1)
    run_starts = np.concatenate([[0], breaks + 1])
    run_ends = np.concatenate([breaks, [len(idx) - 1]])
    weight = run_ends - run_starts
    body_end = idx[run_ends[int(np.argmax(weight))]]
    out[idx[idx > body_end]] = True
    return out


def block_docs(cfg: TrainConfig, sources: Iterable[str]) -> Iterator[RoleDoc]:
    for source in sources:
        pages = read_block_pages(cfg.data / "blocks" / f"{source}.jsonl.gz")
        weight = cfg.comment_source_weight if source in cfg.comment_sources else 1.0
        for n, page in enumerate(pages):
            if cfg.max_pages_per_source and n >= cfg.max_pages_per_source:
                break
            cov = np.asarray(page.cov)
            keep = ~((cov > UNSURE_COV[0]) & (cov < UNSURE_COV[1]))
            if source in cfg.comment_sources and cfg.drop_comment_tails:
                keep &= ~main_after_body(np.asarray(page.main))
            roles = np.where(np.asarray(page.main) == 1, 0, NOT_MAIN).astype(np.int8)
            yield RoleDoc(page.texts, roles, source, weight, page=page, keep=keep)


def boilerplate_pool(docs: Iterable[RoleDoc], rng: random.Random, size: int = 20000,
                     recurring_words: int = 0) -> list[str]:
    """Short non-main lines of real pages: menus, buttons, footers; with ``recurring_words``
    also the longer lines (up to that many words) that recur on pages as a template does
    (:func:`recurring_boilerplate`): sign-up prompts, consent notices, "related" links."""
    docs = list(docs)
    pool: set[str] = set()
    for doc in docs:
        for text, role in zip(doc.texts, doc.roles):
            if role == NOT_MAIN and len(text.split()) <= 6 and not text.endswith(("…", "...")):
                pool.add(text)
    pool_list = sorted(pool)
    rng.shuffle(pool_list)
    return pool_list[:size] + (recurring_boilerplate(docs, recurring_words) if recurring_words else [])


RECURRING_MIN_PAGES = 3       # a line on this many pages of the training sources is a template's
RECURRING_MAX_MAIN_SHARE = 0.1  # ... and it is boilerplate when at most this share of its copies is main


def recurring_boilerplate(docs: Iterable[RoleDoc], max_words: int) -> list[str]:
    """Not-main lines of 7 to ``max_words`` words whose wording (:func:`normalise_line`)
    recurs on :data:`RECURRING_MIN_PAGES`+ pages and is almost never main, one wording each
    (its first copy), sorted.  Shorter lines are in the pool already; a long line seen once
    may be anything (a subhead, a teaser, a caption), one a site repeats is its template."""
    pages: Counter[str] = Counter()
    copies: Counter[str] = Counter()
    main: Counter[str] = Counter()
    first: dict[str, str] = {}
    for doc in docs:
        seen = set()
        for text, role in zip(doc.texts, doc.roles):
            if role not in (0, NOT_MAIN) or not 7 <= len(text.split()) <= max_words:
                continue
            key = normalise_line(text)
            copies[key] += 1
            main[key] += role == 0
            first.setdefault(key, text)
            seen.add(key)
        pages.update(seen)
    return sorted(first[k] for k, n in pages.items()
                  if n >= RECURRING_MIN_PAGES and main[k] <= RECURRING_MAX_MAIN_SHARE * copies[k])


def teaser_pool(cfg: TrainConfig, label_map: LabelMap, split: str = "train") -> list[Teaser]:
    """Headlines and teaser-like summaries of real stories, with their mapped topics: what
    the composed pages draw teasers from."""
    want_holdout = split == "test"
    out: list[Teaser] = []
    for name in TEASER_FILES:
        for row in read_topic_rows(cfg.data / "topics" / f"{name}-train.jsonl.gz"):
            topic = label_map.topic(row.source, row.label)
            if topic is None or is_holdout(row.headline or row.text,
                                           cfg.holdout_fraction) != want_holdout:
                continue
            proxy = label_map.is_proxy(row.source, row.label)
            if name in ("huffpost", "agnews"):
                out.append(Teaser(row.text, topic, name, proxy))
            if row.headline and len(row.headline.split()) >= 4:
                out.append(Teaser(row.headline, topic, name, proxy))
    return out


def comment_pool(cfg: TrainConfig, size: int = 30000) -> list[str]:
    """Paragraphs of Usenet posts: real user-written discussion, the voice of comment threads."""
    path = cfg.data / "topics" / "20news-train.jsonl.gz"
    if not path.exists():
        return []
    out = []
    for row in read_topic_rows(path):
        for para in row.text.split("\n\n")[1:]:
            words = para.split()
            if 6 <= len(words) <= 150 and not para.lstrip().startswith((">", "|")):
                out.append(" ".join(words))
    random.Random(cfg.seed).shuffle(out)
    return out[:size]


def story_inline_lines(boilerplate: Iterable[str], max_words: int) -> list[str]:
    """The pool's lines that composed pages may put inside a story, never one whose wording
    is a line of the sandwich benchmark's own (``training/data/sandwich_lines.jsonl``): the
    benchmark scores those lines in these very places."""
    return inline_lines(list(boilerplate), max_words, benchmark_wordings(), normalise_line)


def benchmark_wordings() -> set[str]:
    """The wordings of the sandwich benchmark's own lines: no training line may have one."""
    return {normalise_line(line.text) for line in written_lines()}


COMPOSE_LINES = "training/data/compose_lines.jsonl"
WRITTEN_SEED_OFFSET = 7919  # the written lines' generator: the config's seed plus this


def compose_lines(path: str = COMPOSE_LINES) -> WrittenLines:
    """The project's own boilerplate lines for composed stories (``{"text", "kind"}`` or
    ``{"prefix", "kind"}`` a line), never a wording of the sandwich benchmark's lines:
    the benchmark scores those, and a model must not have learnt them."""
    from newssift.classifier.resources import resolve

    lines, prefixes = [], []
    for rec in read_jsonl(resolve(path)):
        if "prefix" in rec:
            prefixes.append(" ".join(rec["prefix"].split()))
        else:
            lines.append(" ".join(rec["text"].split()))
    benchmark = benchmark_wordings()
    shared = [t for t in lines if normalise_line(t) in benchmark]
    if shared:
        raise TrainingError(f"{path}: {shared[0]!r} is worded as a sandwich benchmark line")
    return WrittenLines(tuple(lines), tuple(prefixes))


def composed_docs(cfg: TrainConfig, boilerplate: list[str], teasers: list[Teaser],
                  n: int | None = None, split: str = "train", comments: list[str] | None = None,
                  ) -> list[RoleDoc]:
    """Pages composed from articles of one side of the split (by headline)."""
    want_holdout = split == "test"
    rng = random.Random(cfg.seed + want_holdout)
    stories: list[tuple[str | None, list[str]]] = []
    for name in cfg.article_files:
        for art in read_articles(cfg.data / "articles" / f"{name}.jsonl.gz"):
            paragraphs = [p for p in art.get("paragraphs", []) if p.strip()]
            headline = art.get("headline") or paragraphs[0] if paragraphs else ""
            if len(paragraphs) >= 2 and is_holdout(headline, cfg.holdout_fraction) == want_holdout:
                headline = art.get("headline")
                if headline and headline.isupper():
                    headline = headline.title()
                stories.append((headline, paragraphs))
    rng.shuffle(stories)
    n = cfg.composed_documents if n is None else n
    docs = []
    comments = comment_pool(cfg) if comments is None else comments
    options = ComposeOptions(p_comments=cfg.p_comments,
                             p_under_headline=cfg.composed_under_headline,
                             p_between_paragraphs=cfg.composed_between_paragraphs,
                             inline_max_words=max(ComposeOptions.inline_max_words,
                                                  cfg.inline_recurring_words),
                             p_written_inline=cfg.composed_written_lines)
    inline = story_inline_lines(boilerplate, options.inline_max_words)
    written = compose_lines() if cfg.composed_written_lines else None
    # The written lines' own draws: the pages are those composed without them, but for the
    # inline lines they replace (the teasers and stories the topic head learns from stay).
    written_rng = random.Random(cfg.seed + WRITTEN_SEED_OFFSET + want_holdout)
    for headline, paragraphs in stories[:n]:
        doc = compose_document(rng, headline, paragraphs, rng.sample(teasers, 10), boilerplate,
                               options, comments=comments, inline=inline, written=written,
                               written_rng=written_rng)
        docs.append(RoleDoc(doc.texts, np.array([ROLE_CODES[r] for r in doc.roles], np.int8),
                            "composed", cfg.composed_weight, doc.topics,
                            origins=doc.origins))
    return docs


def labelled_docs(path, source: str, weight: float, topics: Iterable[str] = DEFAULT_TOPICS,
                  ) -> list[RoleDoc]:
    """Documents in the labels exchange format; unlabelled blocks are left out of training."""
    topics = set(topics)
    docs = []
    for n, rec in enumerate(read_labelled_documents(path), 1):
        blocks = segment(rec["text"])
        roles = np.full(len(blocks), -1, np.int8)
        block_topics: list[str | None] = [None] * len(blocks)
        for lab in rec["labels"]:
            i = lab.get("index")
            if not isinstance(i, int) or not 0 <= i < len(blocks):
                raise TrainingError(f"{path}: record {n}: block index {i!r} out of range")
            if lab.get("role") is not None:
                if lab["role"] not in ROLE_CODES:
                    raise TrainingError(f"{path}: record {n}: unknown role {lab['role']!r}")
                roles[i] = ROLE_CODES[lab["role"]]
            if lab.get("topic") is not None:
                if lab["topic"] not in topics:
                    raise TrainingError(f"{path}: record {n}: unknown topic {lab['topic']!r}")
                block_topics[i] = lab["topic"]
        docs.append(RoleDoc([b.text for b in blocks], roles, source, weight, block_topics,
                            keep=roles >= 0))
    return docs


def topic_examples(cfg: TrainConfig, label_map: LabelMap, split: str) -> list[TopicExample]:
    """Mapped topic rows of one side of the per-file split, headlines added as examples of their own."""
    want_holdout = split == "test"
    out: list[TopicExample] = []
    for name in cfg.topic_files:
        rows: list[TopicRow] = []
        for row in read_topic_rows(cfg.data / "topics" / f"{name}-train.jsonl.gz"):
            if is_holdout(row.headline or row.text, cfg.holdout_fraction) == want_holdout:
                rows.append(row)
        for row in rows:
            topic = label_map.topic(row.source, row.label)
            if topic is None:
                continue
            proxy = label_map.is_proxy(row.source, row.label)
            out.append(TopicExample(row.text, topic, name, proxy))
            if (not want_holdout and row.headline and row.headline != row.text
                    and len(row.headline.split()) >= 3):
                out.append(TopicExample(row.headline, topic, name, proxy, 0.5))
    return out


def short_text_examples(path, weight: float, topics: Iterable[str] = DEFAULT_TOPICS,
                        ) -> list[TopicExample]:
    """Labelled short texts (``{"text", "topic"}`` a line), as topic examples of the
    handwritten source."""
    import json

    topics = set(topics)
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                text, topic = rec["text"], rec["topic"]
            except (ValueError, KeyError, TypeError):
                raise TrainingError(f"{path}: line {n}: not a {{\"text\", \"topic\"}} object") from None
            if not isinstance(text, str):
                raise TrainingError(f"{path}: line {n}: text is not a string")
            if topic not in topics:
                raise TrainingError(f"{path}: line {n}: unknown topic {topic!r}")
            if text.split():
                out.append(TopicExample(" ".join(text.split()), topic, "handwritten", False, weight))
    return out


def weak_teaser_labels(texts: list[str], roles: np.ndarray) -> np.ndarray:
    """For blocks known only as "not main": call the obvious ones boilerplate.

    Very short lines, link/legal lines and long unpunctuated runs are boilerplate;
    headline-shaped lines might be teasers of other stories, so they stay unknown.
    """
    out = roles.copy()
    idx = np.flatnonzero(roles == NOT_MAIN)
    if len(idx) == 0:
        return out
    feats = shallow_features([texts[i] for i in idx])
    words = np.expm1(feats[:, 1])
    obvious = (words <= 3) | (feats[:, 11] > 0) | (feats[:, 12] > 0) | (words > 45) | (
        feats[:, 10] > 0)
    out[idx[obvious]] = 2
    return out


def load_label_map(cfg: TrainConfig) -> LabelMap:
    return read_label_map(cfg.data / "topics" / "label-map.json")
