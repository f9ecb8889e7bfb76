"""JSONL in, JSONL out, in constant memory: the bulk path of ``newssift classify``.

Lines are read and labelled in batches of up to ``batch_size`` documents; a line
that is not a JSON object with a string ``text`` gets an error record carrying its
line number, and the stream goes on.  A line without an ``id`` gets
``"<source name>:<line>"`` (``stdin:3``, ``corpus.jsonl:7``), the rule of ``newssift
clean``, so it never collides with an explicit numeric id.

Batches are what makes the model fast, but a result must not wait for lines that
have not been written yet: from a pipe, a socket or a terminal the input's descriptor
is read directly, only as far as ``select`` says bytes have arrived, and a batch is
labelled as soon as no further line is ready (a fast stream still fills every
batch).  No thread is left blocked on stdin, so Ctrl-C and a closed stdout end the
command cleanly.  A regular file or an in-memory buffer never pauses, and neither is
waited for on Windows (no ``select`` on pipes there): those are read in whole batches.
Output is flushed after every batch.
"""

from __future__ import annotations

import json
import os
import select
import stat
from collections import deque
from collections.abc import Iterator
from typing import IO, NamedTuple

import orjson

from newssift.classifier.corrections import CorrectionMemory
from newssift.classifier.decision import Decision
from newssift.classifier.model import NewssiftModel
from newssift.classifier.textio import utf8_problem

__all__ = ["classify_jsonl", "parse_record", "StreamCounts"]

READ_BYTES = 1 << 16  # one read of a pausing input: what a pipe holds


class StreamCounts(NamedTuple):
    """How many lines were labelled, and how many got an error record instead."""

    labelled: int
    errors: int


def _dumps(record: dict) -> str:
    return orjson.dumps(record).decode("utf-8")


def parse_record(raw: bytes, line_no: int, name: str = "input",
                 ) -> tuple[object, str | None, str | None, str | None]:
    """(id, text, site, error) for one input line of the source ``name``."""
    try:
        rec = orjson.loads(raw)  # strict: also refuses lone surrogates such as "\ud800"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = utf8_problem(raw)  # orjson calls bad bytes a JSON error; say what they are
        if problem is None:
            problem = f"malformed JSON ({getattr(exc, 'msg', exc)})"
        return None, None, None, f"line {line_no}: {problem}"
    if not isinstance(rec, dict):
        return None, None, None, f"line {line_no}: expected a JSON object"
    doc_id = rec.get("id", f"{name}:{line_no}")
    text = rec.get("text")
    if not isinstance(text, str):
        return doc_id, None, None, f"line {line_no}: missing 'text' string"
    site = rec.get("site")
    if site is not None and not isinstance(site, str):
        return doc_id, None, None, f"line {line_no}: 'site' must be a string"
    return doc_id, text, site, None


def _numbered(lines: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    return ((n, raw) for n, raw in enumerate(lines, 1) if raw.strip())


def _never_waits(lines: IO[bytes]) -> bool:
    """True for a regular file or an in-memory buffer: reading them never pauses."""
    if os.name == "nt":
        return True
    try:
        return stat.S_ISREG(os.fstat(lines.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # BytesIO and friends have no descriptor
        return True


def _full_batches(lines: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for item in _numbered(lines):
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Arrived:
    """The lines of a descriptor that have arrived so far (each with its newline)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.lines, self.eof = fd, deque(), False
        self._partial = bytearray()

    def ready(self) -> bool:
        """More bytes can be read without waiting."""
        return not self.eof and bool(select.select([self.fd], [], [], 0)[0])

    def read(self) -> None:
        """Take in the next bytes (waiting for them unless :meth:`ready` said so)."""
        data = os.read(self.fd, READ_BYTES)
        if not data:
            self.eof = True
            if self._partial:  # a last line without a newline
                self.lines.append(bytes(self._partial))
            return
        before = len(self._partial)
        self._partial += data
        end = data.rfind(b"\n")
        if end >= 0:
            cut = before + end + 1
            whole = bytes(self._partial[:cut])
            del self._partial[:cut]
            self.lines.extend(line + b"\n" for line in whole[:-1].split(b"\n"))


def _ready_batches(lines: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    """Batches of the lines that have arrived: up to ``size``, fewer when the input pauses.
    Reads ``lines``' descriptor itself: nothing may have been read through ``lines`` before."""
    arrived, n = _Arrived(lines.fileno()), 0
    while arrived.lines or not arrived.eof:
        if not arrived.lines:
            arrived.read()  # wait for the input ...
        while len(arrived.lines) < size and arrived.ready():
            arrived.read()  # ... and take in whatever else has arrived
        batch = []
        while arrived.lines and len(batch) < size:
            n += 1
            raw = arrived.lines.popleft()
            if raw.strip():
                batch.append((n, raw))
        if batch:
            yield batch


def _batches(lines: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    return _full_batches(lines, size) if _never_waits(lines) else _ready_batches(lines, size)


def classify_jsonl(model: NewssiftModel, lines: IO[bytes], out: IO[str], batch_size: int = 64,
                   name: str = "input", decision: Decision | None = None,
                   memory: CorrectionMemory | None = None) -> StreamCounts:
    """Label every line of the source ``name``; returns how many were labelled and how many
    got an error record."""
    labelled = errors = 0
    dumps = _dumps
    for batch in _batches(lines, batch_size):
        parsed = [(n, *parse_record(raw, n, name)) for n, raw in batch]
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
                labelled += 1
                chunk.append(dumps({"id": doc_id, **next(results)}))
        out.write("\n".join(chunk) + "\n")
        out.flush()  # a paused input's results go out now, not with the next batch
    return StreamCounts(labelled, errors)
