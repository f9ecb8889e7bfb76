"""Documents labelled by construction: real story paragraphs, real headlines of other stories.

The block datasets say main / not main but never *teaser*; the seed's shape
(a story, then truncated headlines of unrelated stories) has to be taught by
example.  Every piece here is real text from the shared data; only the
arrangement is ours, so the labels are exact.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from classifier.labels import BOILERPLATE, MAIN, TEASER

__all__ = ["ComposedDocument", "compose_document", "truncate_teaser", "ComposeOptions"]

ELLIPSES = ("…", "…", "...", " …")


@dataclass(frozen=True)
class ComposeOptions:
    p_headline: float = 0.5
    p_top_boilerplate: float = 0.5
    p_top_teasers: float = 0.15
    p_bottom_boilerplate: float = 0.5
    max_paragraphs: int = 25
    max_teasers: int = 8
    max_boilerplate: int = 6
    p_truncate: float = 0.6


@dataclass(frozen=True)
class ComposedDocument:
    texts: list[str]
    roles: list[str]
    topics: list[str | None]


def truncate_teaser(rng: random.Random, text: str) -> str:
    """Cut a headline or summary at a word boundary and mark it, as listing pages do."""
    words = text.split()
    if len(words) < 8:
        return text + rng.choice(ELLIPSES) if rng.random() < 0.3 else text
    low = min(max(6, len(words) // 3), 14)
    keep = rng.randint(low, max(low, min(len(words) - 1, 22)))
    return " ".join(words[:keep]).rstrip(",;:") + rng.choice(ELLIPSES)


def compose_document(rng: random.Random, headline: str | None, paragraphs: Sequence[str],
                     teasers: Sequence[tuple[str, str]], boilerplate: Sequence[str],
                     options: ComposeOptions = ComposeOptions()) -> ComposedDocument:
    """One page: optional header boilerplate, the story, teasers of other stories, footer.

    ``teasers`` are (text, topic) pairs; ``boilerplate`` a pool of lines to draw from.
    """
    texts: list[str] = []
    roles: list[str] = []
    topics: list[str | None] = []

    def add(text: str, role: str, topic: str | None) -> None:
        text = " ".join(text.split())
        if text:
            texts.append(text)
            roles.append(role)
            topics.append(topic)

    def add_boilerplate(k: int) -> None:
        for line in rng.sample(list(boilerplate), min(k, len(boilerplate))):
            add(line, BOILERPLATE, None)

    def add_teasers(pool: list[tuple[str, str]]) -> None:
        for text, topic in pool:
            if rng.random() < options.p_truncate:
                text = truncate_teaser(rng, text)
            add(text, TEASER, topic)

    teasers = list(teasers)
    rng.shuffle(teasers)
    n_teasers = rng.randint(0, min(options.max_teasers, len(teasers)))
    top_teasers = []
    if rng.random() < options.p_top_teasers and n_teasers > 2:
        split = rng.randint(1, n_teasers - 1)
        top_teasers, teasers = teasers[:split], teasers[split:n_teasers]
    else:
        teasers = teasers[:n_teasers]
    if rng.random() < options.p_top_boilerplate:
        add_boilerplate(rng.randint(1, options.max_boilerplate))
    add_teasers(top_teasers)
    if headline and rng.random() < options.p_headline:
        add(headline, MAIN, None)
    for paragraph in list(paragraphs)[: options.max_paragraphs]:
        add(paragraph, MAIN, None)
    if teasers and rng.random() < 0.3:
        add_boilerplate(1)
    add_teasers(teasers)
    if rng.random() < options.p_bottom_boilerplate:
        add_boilerplate(rng.randint(1, options.max_boilerplate))
    return ComposedDocument(texts, roles, topics)
