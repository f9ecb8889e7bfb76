"""What a classified document looks like to callers: typed, JSON-ready records."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Segment", "Article", "Result"]


@dataclass(frozen=True, slots=True)
class Segment:
    """One block with its labels; ``text == source[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    role: str
    role_score: float
    topic: str | None
    topic_score: float | None

    def to_dict(self) -> dict:
        return {"index": self.index, "start": self.start, "end": self.end, "text": self.text,
                "role": self.role, "role_score": self.role_score, "topic": self.topic,
                "topic_score": self.topic_score}


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

    def to_dict(self) -> dict:
        return {"topic": self.topic, "topic_score": self.topic_score, "text": self.text,
                "n_blocks": self.n_blocks, "n_main": self.n_main, "n_teaser": self.n_teaser,
                "n_boilerplate": self.n_boilerplate}


@dataclass(frozen=True, slots=True)
class Result:
    article: Article
    segments: list[Segment]

    def to_dict(self) -> dict:
        """JSON-ready form; written out field by field because ``asdict`` deep-copies (slow)."""
        return {"article": self.article.to_dict(), "segments": [s.to_dict() for s in self.segments]}

    @property
    def main_text(self) -> str:
        return self.article.text
