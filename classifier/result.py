"""What a classified document looks like to callers: typed, JSON-ready records.

These dataclasses are the one declaration of the output shape: ``to_dict`` and the
bulk path's dicts take their keys from the fields, and the service's response
schemas (``newssift.service.schemas``) are derived from them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

try:  # pydantic (the service's schemas) reads TypedDicts from typing_extensions before 3.12
    from typing_extensions import TypedDict
except ImportError:  # pragma: no cover - a core install without the service extra
    from typing import TypedDict

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
    # The story's own headline (a main block; the first line of ``text``), None where no
    # line above the story names it; see newssift.classifier.headline.
    headline: str | None = None

    def to_dict(self) -> dict:
        return dict(zip(ARTICLE_KEYS, (self.topic, self.topic_score, self.text, self.n_blocks,
                                       self.n_main, self.n_teaser, self.n_boilerplate,
                                       self.topic_from, self.lang, self.lang_score,
                                       self.topic_trained_for_lang, self.headline)))


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
