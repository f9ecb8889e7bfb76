"""Documents labelled by construction: real story paragraphs, real headlines of other stories.

The block datasets say main / not main but never *teaser*; the seed's shape
(a story, then truncated headlines of unrelated stories) has to be taught by
example.  Every piece here is real text from the shared data, but for the project's own
boilerplate lines (``WrittenLines``, when asked for); the arrangement is ours, so the labels
are exact.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from newssift.classifier.labels import BOILERPLATE, MAIN, TEASER

__all__ = ["ComposedDocument", "compose_document", "truncate_teaser", "ComposeOptions", "Teaser",
           "inline_lines", "WrittenLines", "LINK_MAX_WORDS"]

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
    p_comments: float = 0.35
    max_comments: int = 12
    # Short boilerplate lines inside the story, as pages have them (a byline, a date or a
    # share bar under the headline; "Advertisement", a sign-up prompt or a "Read more" link
    # between paragraphs): the chance that a shown headline gets some under it, and that
    # each gap between two paragraphs does; 1 to ``max_inline`` lines a time, drawn from
    # the pool's lines of at most ``inline_max_words`` words.  Without them every block
    # between two main blocks is main, and the main head learns that it always is.
    p_under_headline: float = 0.4
    p_between_paragraphs: float = 0.15
    max_inline: int = 2
    inline_max_words: int = 8
    # The chance that an inline line is one of ``written`` (compose_document's): the
    # project's own lines, of any length, and "<prefix> <another story's headline>" links.
    p_written_inline: float = 0.0


class Teaser(NamedTuple):
    """A story's headline or summary to show as a teaser: its topic, the file it came from
    and whether that file's label is a proxy (what an evaluation needs to score it)."""

    text: str
    topic: str
    source: str = ""
    proxy: bool = False


@dataclass(frozen=True)
class ComposedDocument:
    texts: list[str]
    roles: list[str]
    topics: list[str | None]
    origins: list[tuple | None]  # each teaser's pool entry (a Teaser or a (text, topic) pair)


def truncate_teaser(rng: random.Random, text: str) -> str:
    """Cut a headline or summary at a word boundary and mark it, as listing pages do."""
    words = text.split()
    if len(words) < 8:
        return text + rng.choice(ELLIPSES) if rng.random() < 0.3 else text
    low = min(max(6, len(words) // 3), 14)
    keep = rng.randint(low, max(low, min(len(words) - 1, 22)))
    return " ".join(words[:keep]).rstrip(",;:") + rng.choice(ELLIPSES)


_NAMES = ("Mark T.", "jenny_k", "Rob", "AnonymousCoward", "Priya S", "dave1979", "Guest",
          "Helen", "skeptic42", "Tomasz W.", "Carlos", "mary-ann", "J. Okafor", "Liam", "NightOwl")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_COMMENT_HEADERS = ("{n} Comments", "{n} comments", "Comments ({n})", "Leave a Reply",
                    "Join the discussion", "Discussion", "Reader comments", "Responses")
_AUTHOR_LINES = ("{name} says:", "{name}", "{name} wrote:", "Posted by {name}", "{name} replied")
_DATE_LINES = ("{month} {day}, {year} at {hour}:{minute:02d} pm", "{hour} hours ago", "{day} {month} {year}",
               "{day} days ago", "{month} {day}, {year}")
_AFTER_LINES = ("Reply", "Report", "Like", "Reply ↓", "Log in to Reply", "Share")


def comment_section(rng: random.Random, comments: Sequence[str], max_comments: int) -> list[str]:
    """A user-comment thread as a scraper flattens it: header, then author, date, text, Reply."""
    lines = [rng.choice(_COMMENT_HEADERS).format(n=rng.randint(2, 300))]
    fill = {"month": rng.choice(_MONTHS), "day": rng.randint(1, 28), "year": rng.randint(2005, 2026),
            "hour": rng.randint(1, 12), "minute": rng.randint(0, 59)}
    author_fmt, date_fmt = rng.choice(_AUTHOR_LINES), rng.choice(_DATE_LINES)
    after = rng.choice(_AFTER_LINES) if rng.random() < 0.6 else None
    for _ in range(rng.randint(1, max_comments)):
        if rng.random() < 0.85:
            lines.append(author_fmt.format(name=rng.choice(_NAMES)))
        if rng.random() < 0.7:
            fill["day"], fill["hour"] = rng.randint(1, 28), rng.randint(1, 12)
            lines.append(date_fmt.format(**fill))
        lines += rng.sample(list(comments), min(len(comments), rng.choice((1, 1, 1, 2, 3))))
        if after:
            lines.append(after)
    return lines


class WrittenLines(NamedTuple):
    """The project's own boilerplate lines for composed stories (``training/data/
    compose_lines.jsonl``): whole ``lines``, and ``prefixes`` that make a link of a
    headline ("Related story: ..."), one of each drawn as often as any line."""

    lines: tuple[str, ...]
    prefixes: tuple[str, ...]

    def draw(self, rng: random.Random, headlines: Sequence[str]) -> str:
        k = rng.randrange(len(self.lines) + len(self.prefixes))
        if k < len(self.lines) or not headlines:
            return self.lines[k % len(self.lines)] if self.lines else rng.choice(self.prefixes)
        words = rng.choice(list(headlines)).split()[:LINK_MAX_WORDS]
        return f"{self.prefixes[k - len(self.lines)]} {' '.join(words)}"


# A written link's headline is cut to this many words, as a related link shows one.
LINK_MAX_WORDS = 12


def inline_lines(boilerplate: Sequence[str], max_words: int,
                 avoid: Collection[str] = frozenset(),
                 normalise: Callable[[str], str] = lambda text: text) -> list[str]:
    """The pool's lines that may sit inside a story: those of at most ``max_words`` words
    whose wording (``normalise``) is not in ``avoid``."""
    return [line for line in boilerplate
            if len(line.split()) <= max_words and normalise(line) not in avoid]


def compose_document(rng: random.Random, headline: str | None, paragraphs: Sequence[str],
                     teasers: Sequence[tuple], boilerplate: Sequence[str],
                     options: ComposeOptions = ComposeOptions(),
                     comments: Sequence[str] = (),
                     inline: Sequence[str] | None = None,
                     written: WrittenLines | None = None,
                     written_rng: random.Random | None = None) -> ComposedDocument:
    """One page: optional header boilerplate, the story, teasers of other stories, comments, footer.

    ``teasers`` are :class:`Teaser` entries or (text, topic) pairs; ``boilerplate`` and
    ``comments`` pools to draw from; ``inline`` the lines that may sit inside the story
    (default: :func:`inline_lines` of ``boilerplate``); ``written`` lines of the project's
    own that may sit there too (``options.p_written_inline``), links made with the page's
    teasers' headlines, drawn with ``written_rng`` (default ``rng``): a generator of their
    own leaves the rest of every page as it would be without them.
    User comments are boilerplate: they are not the story.
    """
    texts: list[str] = []
    roles: list[str] = []
    topics: list[str | None] = []
    origins: list[tuple | None] = []

    def add(text: str, role: str, topic: str | None, origin: tuple | None = None) -> None:
        text = " ".join(text.split())
        if text:
            texts.append(text)
            roles.append(role)
            topics.append(topic)
            origins.append(origin)

    def add_boilerplate(k: int) -> None:
        for line in rng.sample(list(boilerplate), min(k, len(boilerplate))):
            add(line, BOILERPLATE, None)

    if inline is None:
        inline = inline_lines(boilerplate, options.inline_max_words)

    targets = [entry[0] for entry in teasers]  # other stories, for written links
    pick = written_rng or rng

    def add_inline(chance: float) -> None:
        # No draw at all when the option is off, so that pages composed without it stay
        # the same page for page.
        if chance and inline and rng.random() < chance:
            for line in rng.sample(inline, min(rng.randint(1, options.max_inline), len(inline))):
                if written and options.p_written_inline and pick.random() < options.p_written_inline:
                    line = written.draw(pick, targets)
                add(line, BOILERPLATE, None)

    def add_teasers(pool: list[tuple]) -> None:
        for entry in pool:
            text, topic = entry[0], entry[1]
            shown = truncate_teaser(rng, text) if rng.random() < options.p_truncate else text
            add(shown, TEASER, topic, entry)

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
        add_inline(options.p_under_headline)
    for n, paragraph in enumerate(list(paragraphs)[: options.max_paragraphs]):
        if n:
            add_inline(options.p_between_paragraphs)
        add(paragraph, MAIN, None)
    if teasers and rng.random() < 0.3:
        add_boilerplate(1)
    add_teasers(teasers)
    if comments and rng.random() < options.p_comments:
        for line in comment_section(rng, comments, options.max_comments):
            add(line, BOILERPLATE, None)
    if rng.random() < options.p_bottom_boilerplate:
        add_boilerplate(rng.randint(1, options.max_boilerplate))
    return ComposedDocument(texts, roles, topics, origins)
