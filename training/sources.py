"""Readers for the shared third-party datasets, by path.

The data never lives in the project: every reader takes the root of
``../shared/data`` (or a path from the training config) and yields plain
records.  Nothing here is imported by the classifier at run time.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newssift.classifier.errors import TrainingError

__all__ = [
    "BlockPage",
    "read_jsonl",
    "TopicRow",
    "LabelMap",
    "read_block_pages",
    "read_topic_rows",
    "read_articles",
    "read_label_map",
    "read_labelled_documents",
]


@dataclass(frozen=True)
class BlockPage:
    """A real page as a naive scraper saw it, with a main/not-main label per block."""

    id: str
    dataset: str
    texts: list[str]
    main: list[int]
    cov: list[float]
    gold: str
    lang: str | None = None  # ISO 639-1, as the data gives it (the gold text's language)


@dataclass(frozen=True)
class TopicRow:
    text: str
    headline: str | None
    label: str
    source: str


@dataclass(frozen=True)
class LabelMap:
    labels: list[str]
    maps: dict[str, dict[str, str]]
    proxy: dict[str, set[str]]

    def topic(self, source: str, label: str) -> str | None:
        return self.maps.get(source, {}).get(label)

    def is_proxy(self, source: str, label: str) -> bool:
        return label in self.proxy.get(source, set())


def read_jsonl(path: Path) -> Iterator[dict]:
    """The records of a JSONL file, gzipped or not (blank lines skipped)."""
    if not path.exists():
        raise TrainingError(f"{path}: not found; is ../shared/data beside the project?")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_block_pages(path: Path) -> Iterator[BlockPage]:
    for rec in read_jsonl(path):
        blocks = rec["blocks"]
        yield BlockPage(
            id=rec["id"],
            dataset=rec["dataset"],
            texts=[b["text"] for b in blocks],
            main=[int(b["main"]) for b in blocks],
            cov=[float(b.get("cov", b["main"])) for b in blocks],
            gold=rec.get("gold") or "",
            lang=rec.get("lang"),
        )


def read_topic_rows(path: Path) -> Iterator[TopicRow]:
    for rec in read_jsonl(path):
        headline = rec.get("headline") or rec.get("title") or rec.get("subject")
        yield TopicRow(rec["text"], headline, rec["label"], rec["source"])


def read_articles(path: Path) -> Iterator[dict]:
    """Full-text articles: ``headline`` and ``paragraphs`` are what we use."""
    yield from read_jsonl(path)


def read_label_map(path: Path) -> LabelMap:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return LabelMap(
        labels=list(raw["labels"]),
        maps=raw["maps"],
        proxy={k: set(v) for k, v in raw.get("proxy", {}).items()},
    )


def read_labelled_documents(path: Path) -> Iterator[dict]:
    """Documents in the labels exchange format: ``{"text", "labels": [{"index", "role", "topic"}]}``.

    The same format is written by the service's ``GET /v1/labels`` and read by
    ``newssift train --labels``; labels may cover only some blocks.  A web page may be
    given as ``{"html", "labels"}`` instead: its blocks are those newssift reads from it
    (``classify --input-format html`` numbers them so), and the record comes out with the
    page's flattened text as ``text`` beside its ``html``, which the adapter reads for the
    markup (``newssift train --base``).  The export gives both; a ``text`` that is not the
    page's is refused.
    """
    from newssift.classifier.errors import InvalidInput
    from newssift.classifier.html import read_page

    for n, rec in enumerate(read_jsonl(Path(path)), 1):
        if isinstance(rec, dict) and isinstance(rec.get("html"), str):
            try:
                text = read_page(rec["html"]).text
            except InvalidInput as exc:
                raise TrainingError(f"{path}: line {n}: {exc}") from None
            if "text" in rec and rec["text"] != text:
                raise TrainingError(f"{path}: line {n}: its 'text' is not the text newssift reads "
                                    "from its 'html'; give the page alone")
            rec = {**rec, "text": text}
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise TrainingError(f"{path}: line {n}: expected a document, an object with a 'text' "
                                "(or 'html') string and a 'labels' list ({\"text\", \"labels\": "
                                "[{\"index\", \"role\", \"topic\"}]}, as GET /v1/labels exports)")
        if not isinstance(rec.get("labels"), list):
            raise TrainingError(f"{path}: line {n}: expected a 'labels' list")
        yield rec
