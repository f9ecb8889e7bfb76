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


@dataclass(frozen=True, slots=True)
class Result:
    article: Article
    segments: list[Segment]

    def to_dict(self) -> dict:
        """JSON-ready form; written out field by field because ``asdict`` deep-copies (slow)."""
        a = self.article
        return {
            "article": {"topic": a.topic, "topic_score": a.topic_score, "text": a.text,
                        "n_blocks": a.n_blocks, "n_main": a.n_main, "n_teaser": a.n_teaser,
                        "n_boilerplate": a.n_boilerplate},
            "segments": [{"index": s.index, "start": s.start, "end": s.end, "text": s.text,
                          "role": s.role, "role_score": s.role_score, "topic": s.topic,
                          "topic_score": s.topic_score} for s in self.segments],
        }

    @property
    def main_text(self) -> str:
        return self.article.text
