"""What a classified document looks like to callers: typed, JSON-ready records.

These dataclasses are the one declaration of the output shape: ``to_dict`` and the
bulk path's dicts take their keys from the fields, and the service's response
schemas (``newssift.service.schemas``) are derived from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

try:  # pydantic (the service's schemas) reads TypedDicts from typing_extensions before 3.12
    from typing_extensions import TypedDict
except ImportError:  # pragma: no cover - a core install without the service extra
    from typing import TypedDict

import numpy as np

from newssift.classifier.labels import RoleName

__all__ = ["Segment", "Article", "Result", "CorrectionRef", "SEGMENT_KEYS", "ARTICLE_KEYS"]


class CorrectionRef(TypedDict):
    """Which stored correction gave a block its label, and how it matched
    (``document``, ``line`` or ``pattern``: see :mod:`newssift.classifier.corrections`)."""

    id: int | str | None
    match: str


@dataclass(frozen=True, slots=True)
class Segment:
    """One block with its labels; ``text == source[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    role: RoleName
    role_score: float
    topic: str | None
    topic_score: float | None
    correction: CorrectionRef | None = None  # None: the model's own label

    def to_dict(self) -> dict:
        return dict(zip(SEGMENT_KEYS, (self.index, self.start, self.end, self.text, self.role,
                                       self.role_score, self.topic, self.topic_score,
                                       self.correction)))


@dataclass(frozen=True, slots=True)
class Article:
    """The document as a whole: its main story's topic and clean text."""

    topic: str | None
    topic_score: float | None
    text: str
    n_blocks: int
    n_main: int
    n_teaser: int
    n_boilerplate: int
    # Which blocks the topic came from: "main", else "teasers", else "all" (None: no words).
    topic_from: str | None = None
    # The text's language (ISO 639-1) and its probability, from its main text, else all its
    # text (None: no language found, e.g. digits only); see newssift.classifier.language.
    lang: str | None = None
    lang_score: float | None = None
    # Whether the topic head learnt from texts in ``lang`` (English only: TOPIC_LANGUAGES);
    # false: the topic is an English model's guess.  None when there is no topic.
    topic_trained_for_lang: bool | None = None
    # The story's own headline (a main block, in ``text``), None where no line above the
    # story names it; see newssift.classifier.headline.
    headline: str | None = None

    def to_dict(self) -> dict:
        return dict(zip(ARTICLE_KEYS, (self.topic, self.topic_score, self.text, self.n_blocks,
                                       self.n_main, self.n_teaser, self.n_boilerplate,
                                       self.topic_from, self.lang, self.lang_score,
                                       self.topic_trained_for_lang, self.headline)))


class _NewSegment:
    """A :class:`Segment` built from its fields in a quarter of the time: a frozen dataclass
    sets each field through ``object.__setattr__`` (2.4 us for a block's nine), where this
    class, with the same slots, stores them as any object does and then becomes a
    ``Segment`` (0.6 us; a page of 250 blocks one at a time: 0.45 ms saved).  What comes
    out is a ``Segment`` in every way (type, equality, hash, frozen)."""

    __slots__ = Segment.__slots__

    def __init__(self, index: int, start: int, end: int, text: str, role: RoleName,
                 role_score: float, topic: str | None, topic_score: float | None,
                 correction: CorrectionRef | None) -> None:
        self.index = index
        self.start = start
        self.end = end
        self.text = text
        self.role = role
        self.role_score = role_score
        self.topic = topic
        self.topic_score = topic_score
        self.correction = correction
        self.__class__ = Segment  # type: ignore[assignment]  # the same slots: allowed


# ``new_segment(index, start, end, text, role, role_score, topic, topic_score, correction)``
# is ``Segment(...)`` with every field given, faster: what the labeller builds for each block.
new_segment: Callable[[int, int, int, str, RoleName, float, str | None, float | None,
                       CorrectionRef | None], Segment] = _NewSegment  # type: ignore[assignment]


# Where ``rounded`` leaves a value to round(): its scaled value within this of a tie between
# two results, or not below _ROUND_EXACT_BELOW (below it the product's rounding error is at
# most 2**-23, well inside _ROUND_NEAR_TIE).
_ROUND_NEAR_TIE = 1e-6
_ROUND_EXACT_BELOW = 2.0 ** 30


def rounded(values: np.ndarray, digits: int) -> list[float]:
    """``[round(v, digits) for v in values.tolist()]``, the same floats, with a few numpy
    steps instead of a call a value.

    ``round`` gives the float nearest the decimal ``k / 10**digits``, ``k`` the integer
    nearest ``v * 10**digits`` (exact, ties to even); ``rint(v * 10**digits) / 10**digits``
    divides the same ``k`` (a division is correctly rounded) as long as the product's
    rounding does not move it across a tie: a value whose scaled product lies near a tie
    (or is huge, or not finite) is given to ``round`` itself."""
    values = np.asarray(values, dtype=np.float64)
    if not 0 <= digits <= 15:  # 10**digits is no longer exact, or not a whole number
        return [round(v, digits) for v in values.tolist()]
    scale = 10.0 ** digits
    with np.errstate(over="ignore", invalid="ignore"):  # inf and NaN: not sure, to round()
        scaled = values * scale
        out = (np.rint(scaled) / scale).tolist()
        sure = (np.abs(scaled - np.floor(scaled) - 0.5) > _ROUND_NEAR_TIE) & (
            np.abs(scaled) < _ROUND_EXACT_BELOW)
    if not sure.all():
        for i in np.flatnonzero(~sure).tolist():
            out[i] = round(float(values[i]), digits)
    return out


SEGMENT_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Segment))
ARTICLE_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Article))


@dataclass(frozen=True, slots=True)
class Result:
    """One document's labels.  ``to_dict()`` is the record the CLI, ``segment_many_dicts``
    and the service write (the service adds the request's ``id``); ``to_json()`` is it
    as a JSON string.  (``json.dumps(result)`` cannot work: these are dataclasses.)"""

    article: Article
    segments: list[Segment]
    model: str | None = None  # the version of the model that labelled it

    def to_dict(self) -> dict:
        """JSON-ready form; written out field by field because ``asdict`` deep-copies (slow)."""
        return {"article": self.article.to_dict(), "segments": [s.to_dict() for s in self.segments],
                "model": self.model}

    def to_json(self) -> str:
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False)

    @property
    def main_text(self) -> str:
        return self.article.text
