"""Story pages with boilerplate lines put where news pages put them: the "sandwich" benchmark.

A page here is a real story (its headline and paragraphs) with short boilerplate lines in
four places (:data:`PLACES`): navigation before the headline; byline, date, share bar or
photo credit between the headline and the story; "Advertisement", "Continue reading",
sign-up prompts and "Read more: ..." links between the story's paragraphs; share bars,
cookie notices, comment counts, tags, copyright and paywall prompts after the story.
Every block's label is known by construction, so what a model calls main in each place
is counted exactly (:mod:`~newssift.training.eval_sandwich`).

The lines come from a pool of :class:`SandwichLine` entries, each tagged with the source
it was taken from: recurring boilerplate of the shared block data
(:mod:`~newssift.training.sandwich_data`) and lines the project wrote
(``training/data/sandwich_lines.jsonl``, source :data:`WRITTEN`).  :func:`split_pool`
splits the pool by source, so that no line scored has a wording (:func:`normalise_line`)
found on the side a model was trained on.

Pure functions: the caller brings the stories, the pool and a seeded ``random.Random``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from newssift.classifier.resources import resolve

__all__ = ["PLACES", "BEFORE", "UNDER", "INSIDE", "AFTER", "HEADLINE", "STORY", "WRITTEN",
           "SandwichLine", "Story", "SandwichPage", "SandwichOptions", "normalise_line",
           "split_pool", "compose_sandwich", "sandwich_pages", "written_lines"]

BEFORE, UNDER, INSIDE, AFTER = ("before_headline", "under_headline", "between_paragraphs",
                                "after_story")
PLACES = (BEFORE, UNDER, INSIDE, AFTER)
# What a composed page's other blocks are: the story's own (main by construction).
HEADLINE, STORY = "headline", "story"
# The source of the lines the project wrote; never a training source.
WRITTEN = "written"
WRITTEN_LINES = "training/data/sandwich_lines.jsonl"

_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[\W_]+")


class SandwichLine(NamedTuple):
    """A boilerplate line, the place pages put it, and where it was taken from
    (``source``: a block dataset or :data:`WRITTEN`; ``kind``: what the line is, for
    written lines, "" for lines found in the data)."""

    text: str
    place: str
    source: str
    kind: str = ""


class Story(NamedTuple):
    """A story to put lines around: its headline, its paragraphs, where it came from."""

    headline: str
    paragraphs: tuple[str, ...]
    source: str
    id: str = ""


@dataclass(frozen=True)
class SandwichPage:
    """One composed page: its blocks, and for each the place it sits (one of
    :data:`PLACES`, or :data:`HEADLINE` / :data:`STORY`) and its pool entry (None for the
    story's own blocks)."""

    texts: list[str]
    places: list[str]
    lines: list[SandwichLine | None]
    story: Story


@dataclass(frozen=True)
class SandwichOptions:
    """How many lines each place gets: an inclusive (low, high) range per page, and for the
    gaps between paragraphs a chance per gap (at least one gap of a story gets a line).
    ``written_share`` of the lines are drawn from the written lines where a place has
    ``min_kind_lines`` lines of each kind, so that neither crowds out the other; elsewhere
    every line of the place is as likely (a few lines do not fill half the place)."""

    before: tuple[int, int] = (2, 5)
    under: tuple[int, int] = (1, 3)
    inside_per_gap: float = 0.35
    after: tuple[int, int] = (2, 5)
    max_paragraphs: int = 12
    written_share: float = 0.5
    min_kind_lines: int = 10


def normalise_line(text: str) -> str:
    """The wording of a line, so that copies count as one: lower case, each run of digits a
    0, punctuation and whitespace runs a single space ("Share | Tweet" is "Share · Tweet";
    "12 comments" is "143 Comments")."""
    return " ".join(_NON_WORD.sub(" ", _DIGITS.sub("0", text.lower())).split())


def written_lines(path: str = WRITTEN_LINES) -> list[SandwichLine]:
    """The lines the project wrote (``{"text", "place", "kind"}`` a line), source :data:`WRITTEN`."""
    out = []
    with open(resolve(path), encoding="utf-8") as handle:
        for n, raw in enumerate(handle, 1):
            if raw.strip():
                rec = json.loads(raw)
                if rec["place"] not in PLACES:
                    raise ValueError(f"{path}: line {n}: place {rec['place']!r} is not one of "
                                     f"{', '.join(PLACES)}")
                out.append(SandwichLine(" ".join(rec["text"].split()), rec["place"], WRITTEN,
                                        rec.get("kind", "")))
    return out


def split_pool(lines: Iterable[SandwichLine], test_sources: Iterable[str],
               ) -> tuple[list[SandwichLine], list[SandwichLine]]:
    """(train side, test side) of a line pool: the test side holds the lines of
    ``test_sources`` whose wording no line of the other sources has, one line per wording
    and place (its first in sorted order), so that a model trained on the train side has
    never seen a line it is scored on."""
    test_sources = set(test_sources)
    lines = sorted(set(lines))
    train = [line for line in lines if line.source not in test_sources]
    trained = {normalise_line(line.text) for line in train}
    test, taken = [], set()
    for line in lines:
        key = normalise_line(line.text)
        if line.source in test_sources and key and key not in trained and (key, line.place) not in taken:
            taken.add((key, line.place))
            test.append(line)
    return train, test


def _draw(rng: random.Random, pool: Mapping[bool, Sequence[SandwichLine]], k: int,
          used: set[SandwichLine], options: SandwichOptions) -> list[SandwichLine]:
    """``k`` lines not yet on the page (``pool``: the place's written lines under True, the
    others under False), each from the written lines with chance ``written_share`` when
    the place has enough lines of both kinds, else any of the place's lines."""
    mix = all(len(pool[w]) >= options.min_kind_lines for w in (True, False))
    out: list[SandwichLine] = []
    for _ in range(k):
        free = {w: [line for line in pool[w] if line not in used] for w in (True, False)}
        if not (free[True] or free[False]):
            break
        if mix and free[True] and free[False]:
            line = rng.choice(free[rng.random() < options.written_share])
        else:
            line = rng.choice(free[True] + free[False])
        used.add(line)
        out.append(line)
    return out


def compose_sandwich(rng: random.Random, story: Story, pool: Sequence[SandwichLine],
                     options: SandwichOptions = SandwichOptions()) -> SandwichPage:
    """One page: lines before the headline, the headline, lines under it, the paragraphs
    with lines in some of the gaps between them, lines after the story."""
    by_place = {place: {w: [line for line in pool if line.place == place
                            and (line.source == WRITTEN) == w] for w in (True, False)}
                for place in PLACES}
    used: set[SandwichLine] = set()
    texts: list[str] = []
    places: list[str] = []
    lines: list[SandwichLine | None] = []

    def add_lines(place: str, k: int) -> None:
        for line in _draw(rng, by_place[place], k, used, options):
            texts.append(line.text)
            places.append(place)
            lines.append(line)

    def add_story(text: str, place: str) -> None:
        texts.append(" ".join(text.split()))
        places.append(place)
        lines.append(None)

    paragraphs = [p for p in story.paragraphs if p.split()][: options.max_paragraphs]
    gaps = [rng.random() < options.inside_per_gap for _ in paragraphs[1:]]
    if gaps and not any(gaps):
        gaps[rng.randrange(len(gaps))] = True
    add_lines(BEFORE, rng.randint(*options.before))
    add_story(story.headline, HEADLINE)
    add_lines(UNDER, rng.randint(*options.under))
    for n, paragraph in enumerate(paragraphs):
        if n and gaps[n - 1]:
            add_lines(INSIDE, 1)
        add_story(paragraph, STORY)
    add_lines(AFTER, rng.randint(*options.after))
    return SandwichPage(texts, places, lines, story)


def sandwich_pages(stories: Sequence[Story], pool: Sequence[SandwichLine], seed: int,
                   options: SandwichOptions = SandwichOptions()) -> list[SandwichPage]:
    """A page for each story, the same pages for the same seed, stories and pool."""
    rng = random.Random(seed)
    pool = sorted(set(pool))
    return [compose_sandwich(rng, story, pool, options) for story in stories]
