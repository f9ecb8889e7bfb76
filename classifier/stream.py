"""JSONL in, JSONL out, in constant memory: the bulk path of ``newssift classify``.

Lines are read by the reader of ``newssift clean``'s inputs
(:func:`newssift.classifier.inputs.jsonl_records`), so both commands take the same
records and refuse the same ones with the same error record, ``{"id", "error":
{"code", "message", "source", "line"}}`` (:mod:`newssift.classifier.records`), and the
stream goes on.  A line without an ``id``
gets ``"<source name>:<line>"`` (``stdin:3``, ``corpus.jsonl:7``), so it never collides
with an explicit numeric id.  Documents are labelled in batches of up to ``batch_size``;
a batch the model fails on is labelled one document at a time, so one bad document
costs only its own line (:func:`newssift.classifier.bulk.label_docs`).

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

import os
import select
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import IO, NamedTuple

import orjson

from newssift.classifier.bulk import label_docs
from newssift.classifier.corrections import CorrectionMemory
from newssift.classifier.decision import Decision
from newssift.classifier.inputs import jsonl_records, numbered_lines
from newssift.classifier.model import NewssiftModel
from newssift.classifier.records import BadRecord, Doc, ReadOptions, one_line

__all__ = ["classify_jsonl", "StreamCounts"]

READ_BYTES = 1 << 16  # one read of a pausing input: what a pipe holds


class StreamCounts(NamedTuple):
    """How many lines were labelled, and how many got an error record instead."""

    labelled: int
    errors: int


def _dumps(record: dict) -> str:
    return one_line(orjson.dumps(record).decode("utf-8"))


def _never_waits(lines: IO[bytes]) -> bool:
    """True for a regular file or an in-memory buffer: reading them never pauses."""
    if os.name == "nt":
        return True
    try:
        return stat.S_ISREG(os.fstat(lines.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # BytesIO and friends have no descriptor
        return True


class _Arrived:
    """The numbered lines of a descriptor, read only as far as bytes have arrived."""

    def __init__(self, fd: int) -> None:
        self.fd, self.lines, self.eof, self.n = fd, deque(), False, 0
        self._partial = bytearray()

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        while self.lines or not self.eof:
            if not self.lines:
                self.read()  # waits for the input
                continue
            yield self.lines.popleft()

    def idle(self) -> bool:
        """No line is waiting and no byte has arrived: the input has paused (or ended)."""
        return not self.lines and (self.eof or not select.select([self.fd], [], [], 0)[0])

    def read(self) -> None:
        """Take in the next bytes (waiting for them unless :meth:`idle` said they are there)."""
        data = os.read(self.fd, READ_BYTES)
        if not data:
            self.eof = True
            if self._partial:  # a last line without a newline
                self._add([bytes(self._partial)])
            return
        before = len(self._partial)
        self._partial += data
        end = data.rfind(b"\n")
        if end >= 0:
            cut = before + end + 1
            whole = bytes(self._partial[:cut])
            del self._partial[:cut]
            self._add(line + b"\n" for line in whole[:-1].split(b"\n"))

    def _add(self, lines: Iterable[bytes]) -> None:
        for raw in lines:
            self.n += 1
            if raw.strip():
                self.lines.append((self.n, raw))


def _arrivals(lines: IO[bytes]) -> tuple[Iterable[tuple[int, bytes]], Callable[[], bool]]:
    """The numbered lines of an input, and whether it has paused (never, for a file).
    A pausing input's descriptor is read directly: nothing may have been read through
    ``lines`` before."""
    if _never_waits(lines):
        return numbered_lines(lines), lambda: False
    arrived = _Arrived(lines.fileno())
    return arrived, arrived.idle


def _batches(records: Iterator[Doc | BadRecord], size: int,
             paused: Callable[[], bool]) -> Iterator[list[Doc | BadRecord]]:
    """Batches of up to ``size`` records, cut short whenever the input pauses."""
    batch: list[Doc | BadRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size or paused():
            yield batch
            batch = []
    if batch:
        yield batch


def classify_jsonl(model: NewssiftModel, lines: IO[bytes], out: IO[str], batch_size: int = 64,
                   name: str = "input", decision: Decision | None = None,
                   memory: CorrectionMemory | None = None,
                   options: ReadOptions | None = None) -> StreamCounts:
    """Label every line of the source ``name`` (records read as ``options`` say); returns
    how many were labelled and how many got an error record."""
    numbered, paused = _arrivals(lines)
    records = jsonl_records(numbered, name, options or ReadOptions())
    labelled = errors = 0
    for batch in _batches(records, batch_size, paused):
        docs = [r for r in batch if isinstance(r, Doc)]
        results = iter(label_docs((model, decision, memory), docs))
        chunk = []
        for record in batch:
            result = next(results) if isinstance(record, Doc) else record
            if isinstance(result, BadRecord):
                errors += 1
                chunk.append(_dumps(result.to_dict()))
            else:
                labelled += 1
                chunk.append(_dumps({"id": record.id, **result}))
        out.write("\n".join(chunk) + "\n")
        out.flush()  # a paused input's results go out now, not with the next batch
    return StreamCounts(labelled, errors)
