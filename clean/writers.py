"""Crash-safe, resumable outputs and the error report.

The rule that makes ``kill -9`` harmless: a chunk's records are written in one
piece after the chunk is complete, then flushed and fsynced; a record is only
"done" once it is whole in the file.  On ``--resume`` the output is read back,
everything after the last whole record is cut off, and the ids read are skipped.

* ``.jsonl``: whole lines.  Recovery keeps every line up to the first one that is
  not a complete JSON object with an id (a torn write can only be at the end).
* ``.jsonl.gz``: one independent gzip member per chunk (``zcat`` and Python's gzip
  read the concatenation as one stream).  Recovery keeps the members that
  decompress completely and cuts off a torn last one.
* ``txt-dir``: each cleaned text is written to a temporary file and renamed into
  place; ``_index.jsonl`` (a crash-safe JSONL as above) records the ids whose
  file is complete, and is what ``--resume`` trusts.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from newssift.classifier.errors import InvalidInput
from newssift.clean.options import GZIP_LEVEL
from newssift.clean.readers import BadRecord
from newssift.clean.work import ChunkResult, encode_line

__all__ = ["JsonlOutput", "TxtDirOutput", "ErrorReport", "relpath_for_id", "INDEX_NAME", "TMP_DIR_NAME"]

INDEX_NAME = "_index.jsonl"
TMP_DIR_NAME = ".newssift-tmp"
_READ_SIZE = 1 << 20
_GZIP_WBITS = 31  # zlib's code for "gzip header and trailer"


def _fail(path: Path, exc: OSError) -> InvalidInput:
    return InvalidInput(f"{path}: cannot write ({exc.strerror or exc}); choose another -o")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _complete_record(raw: bytes) -> dict | None:
    if not raw.endswith(b"\n"):
        return None
    try:
        rec = json.loads(raw)
    except ValueError:
        return None
    return rec if isinstance(rec, dict) and "id" in rec else None


class JsonlOutput:
    """JSONL output, gzip members when the name ends in ``.gz``."""

    wants_texts = False  # the text stays in the record

    def __init__(self, path: Path, *, compress: bool | None = None) -> None:
        self.path = Path(path)
        self.gzip = self.path.name.lower().endswith(".gz") if compress is None else compress
        self._handle = None
        self._created = False

    def exists(self) -> bool:
        return self.path.exists()

    def recover(self, on_record: Callable[[dict], None]) -> int:
        """Call ``on_record`` for every complete record, cut off the rest; returns the count."""
        if not self.path.exists():
            return 0
        recover = self._recover_gzip if self.gzip else self._recover_plain
        good_end, count = recover(on_record)
        if good_end < self.path.stat().st_size:
            with open(self.path, "r+b") as handle:
                handle.truncate(good_end)
                os.fsync(handle.fileno())
        return count

    def _recover_plain(self, on_record) -> tuple[int, int]:
        good_end = count = 0
        with open(self.path, "rb") as handle:
            for raw in handle:
                rec = _complete_record(raw)
                if rec is None:
                    break
                on_record(rec)
                good_end += len(raw)
                count += 1
        return good_end, count

    def _recover_gzip(self, on_record) -> tuple[int, int]:
        good_end = consumed = count = 0
        member, pieces = zlib.decompressobj(_GZIP_WBITS), []
        with open(self.path, "rb") as handle:
            while data := handle.read(_READ_SIZE):
                while data:
                    try:
                        pieces.append(member.decompress(data))
                    except zlib.error:
                        return good_end, count
                    if not member.eof:
                        consumed += len(data)
                        break
                    consumed += len(data) - len(member.unused_data)
                    records = [_complete_record(raw) for raw in b"".join(pieces).splitlines(keepends=True)]
                    if any(r is None for r in records):
                        return good_end, count
                    for rec in records:
                        on_record(rec)
                    count += len(records)
                    good_end = consumed
                    data = member.unused_data
                    member, pieces = zlib.decompressobj(_GZIP_WBITS), []
        return good_end, count

    def open(self, append: bool) -> None:
        """Open for appending (``--resume``) or writing afresh; fails early if not writable."""
        self._created = not self.path.exists()
        try:
            self._handle = open(self.path, "ab" if append else "wb")
        except OSError as exc:
            raise _fail(self.path, exc) from None

    def write(self, result: ChunkResult) -> None:
        if not result.lines:
            return
        data = result.lines
        if self.gzip:
            data = gzip.compress(data, GZIP_LEVEL, mtime=0)
        self._handle.write(data)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self, *, discard_if_empty: bool = False) -> None:
        """Close; with ``discard_if_empty`` remove a file this run created and left empty."""
        if self._handle is None:
            return
        self._handle.close()
        self._handle = None
        if discard_if_empty and self._created and self.path.stat().st_size == 0:
            self.path.unlink()


def relpath_for_id(doc_id: object) -> str:
    """The file, relative to the output folder, that holds a document's cleaned text.

    Ids that are safe relative paths (the .txt inputs' own) keep their shape; any
    other id is percent-encoded into a single file name.
    """
    text = str(doc_id)
    parts = text.split("/")
    if text.startswith("/") or "\\" in text or any(p in ("", ".", "..") for p in parts) \
            or parts[0] in (TMP_DIR_NAME, INDEX_NAME):
        parts = [quote(text, safe="")]
    name = "/".join(parts)
    return name if name.lower().endswith(".txt") else name + ".txt"


class TxtDirOutput:
    """One cleaned ``.txt`` per document in a folder, plus the crash-safe ``_index.jsonl``."""

    wants_texts = True  # texts come apart from the index records

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.index = JsonlOutput(self.path / INDEX_NAME)
        self.tmp = self.path / TMP_DIR_NAME

    def exists(self) -> bool:
        return self.index.exists()

    def recover(self, on_record: Callable[[dict], None]) -> int:
        return self.index.recover(on_record)

    def open(self, append: bool) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp.mkdir()
        except OSError as exc:
            raise _fail(self.path, exc) from None
        self.index.open(append)

    def write(self, result: ChunkResult) -> None:
        parents = set()
        for i, (doc_id, text) in enumerate(result.texts or []):
            target = self.path / relpath_for_id(doc_id)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.tmp / f"{os.getpid()}-{i}.txt"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(text + "\n" if text else "")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
            parents.add(target.parent)
        for parent in parents:
            _fsync_dir(parent)
        self.index.write(result)  # the commit: only now are these ids done

    def close(self, *, discard_if_empty: bool = False) -> None:
        self.index.close(discard_if_empty=discard_if_empty)
        shutil.rmtree(self.tmp, ignore_errors=True)


class ErrorReport:
    """Bad records as JSONL (source, line, id, error); rewritten by every run, resumed or not.

    A resumed run reads its inputs from the start again, so it meets every bad
    record again: the report always covers the whole input exactly once.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = Path(path) if path else None
        self.count = 0
        self._handle = None
        if self.path is not None and self.path.exists():
            self.path.unlink()

    def add(self, bad: list[BadRecord]) -> None:
        if not bad:
            return
        self.count += len(bad)
        if self.path is None:
            return
        if self._handle is None:
            try:
                self._handle = open(self.path, "w", encoding="utf-8")
            except OSError as exc:
                raise _fail(self.path, exc) from None
        self._handle.write("".join(encode_line(b.to_dict()) + "\n" for b in bad))
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
