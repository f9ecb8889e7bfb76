"""JSONL in, JSONL out, in constant memory: the bulk path of ``newssift classify``.

Lines are read and labelled in batches of ``batch_size`` documents; a line that
is not a JSON object with a string ``text`` gets an error record carrying its
line number, and the stream goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

import orjson

from newssift.classifier.corrections import CorrectionMemory
from newssift.classifier.decision import Decision
from newssift.classifier.model import NewssiftModel

__all__ = ["classify_jsonl", "parse_line", "parse_record"]


def _dumps(record: dict) -> str:
    return orjson.dumps(record).decode("utf-8")


def parse_line(raw: bytes, line_no: int) -> tuple[object, str | None, str | None]:
    """(id, text, error) for one input line."""
    doc_id, text, _, error = parse_record(raw, line_no)
    return doc_id, text, error


def parse_record(raw: bytes, line_no: int) -> tuple[object, str | None, str | None, str | None]:
    """(id, text, site, error) for one input line."""
    try:
        rec = orjson.loads(raw)  # strict: also refuses lone surrogates such as "\ud800"
    except UnicodeDecodeError:
        return None, None, None, f"line {line_no}: not valid UTF-8"
    except json.JSONDecodeError as exc:
        return None, None, None, f"line {line_no}: malformed JSON ({exc.msg})"
    if not isinstance(rec, dict):
        return None, None, None, f"line {line_no}: expected a JSON object"
    doc_id = rec.get("id", line_no)
    text = rec.get("text")
    if not isinstance(text, str):
        return doc_id, None, None, f"line {line_no}: missing 'text' string"
    site = rec.get("site")
    if site is not None and not isinstance(site, str):
        return doc_id, None, None, f"line {line_no}: 'site' must be a string"
    return doc_id, text, site, None


def _batches(lines: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        batch.append((n, raw))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def classify_jsonl(model: NewssiftModel, lines: IO[bytes], out: IO[str], batch_size: int = 64,
                   name: str = "input", decision: Decision | None = None,
                   memory: CorrectionMemory | None = None) -> int:
    """Label every line; returns how many lines got an error record."""
    errors = 0
    dumps = _dumps
    for batch in _batches(lines, batch_size):
        parsed = [(n, *parse_record(raw, n)) for n, raw in batch]
        good = [(text, site) for _, _, text, site, err in parsed if err is None]
        results = iter(model.segment_many_dicts([t for t, _ in good], decision=decision,
                                                memory=memory, sites=[s for _, s in good]))
        chunk = []
        for n, doc_id, _, _, err in parsed:
            if err is not None:
                errors += 1
                chunk.append(dumps({"id": doc_id, "error": {"code": "invalid_input",
                                                          "message": f"{name}: {err}",
                                                          "line": n}}))
            else:
                chunk.append(dumps({"id": doc_id, **next(results)}))
        out.write("\n".join(chunk) + "\n")
    out.flush()
    return errors
