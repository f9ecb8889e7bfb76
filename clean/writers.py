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
  file is complete, with each one's file (``"file"``), and is what ``--resume`` trusts.

The file of a document (:func:`relpath_for_id`, then :class:`FileNames`):

* an id that is already a safe relative path keeps it, ``.txt`` added unless it ends
  so: every ``/``-separated part 1-100 characters of ASCII letters, digits, ``_ - . +``
  and inner spaces, starting with a letter, digit or ``_``, not ending in ``.``, no
  Windows device name (``CON``, ``NUL``, ``COM1``...), no folder part ending in ``.txt``
  (files always do, so a file and a folder never meet); 200 characters in all;
* any other id (empty, hidden, ``..``, absolute, too long, other characters) becomes one
  file in the folder itself, ``NAME-HASH.txt``: NAME is the id's letters, digits and
  ``_ - .`` with every other run of characters turned into ``_``, trimmed, at most 80
  bytes (``id`` when nothing is left); HASH the first 12 hex digits of the SHA-256 of
  the id (as text, UTF-8);
* a name an earlier document of the output already has, ignoring case (macOS and
  Windows file systems), gets ``~2``, ``~3``... before ``.txt``.  No first choice holds a
  ``~``.  The index records every file, so a resumed run goes on with the same names.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import re
import shutil
import unicodedata
import zlib
from collections.abc import Callable
from pathlib import Path

from newssift.classifier.errors import InvalidInput
from newssift.classifier.records import BadRecord
from newssift.clean.options import GZIP_LEVEL
from newssift.clean.work import ChunkResult, encode_line

__all__ = ["JsonlOutput", "TxtDirOutput", "ErrorReport", "FileNames", "relpath_for_id", "INDEX_NAME",
           "TMP_DIR_NAME"]

INDEX_NAME = "_index.jsonl"
TMP_DIR_NAME = ".newssift-tmp"
_READ_SIZE = 1 << 20
_GZIP_WBITS = 31  # zlib's code for "gzip header and trailer"

TXT = ".txt"
PATH_PART_MAX_CHARS = 100   # one folder or file name of a kept id (file systems allow 255 bytes)
PATH_MAX_CHARS = 200        # a kept id as a whole
NAME_MAX_BYTES = 80         # the readable part of a hashed name
HASH_HEX_DIGITS = 12        # 48 bits of SHA-256: no two ids of a corpus share them in practice
_SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+ -]*\Z")
_UNSAFE_RUN = re.compile(r"[^\w.-]+")  # \w: Unicode letters, digits and _
_WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                              *(f"lpt{i}" for i in range(1, 10))})


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
        try:
            self._handle.write(data)
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:  # a full disk, a lost mount: one line, not a traceback
            raise _fail(self.path, exc) from None

    def close(self, *, discard_if_empty: bool = False) -> None:
        """Close; with ``discard_if_empty`` remove a file this run created and left empty."""
        if self._handle is None:
            return
        self._handle.close()
        self._handle = None
        if discard_if_empty and self._created and self.path.stat().st_size == 0:
            self.path.unlink()


def _safe_part(part: str) -> bool:
    return (len(part) <= PATH_PART_MAX_CHARS and _SAFE_PART.match(part) is not None
            and not part.endswith((".", " ")) and part.split(".")[0].strip().lower() not in _WINDOWS_DEVICES)


def _kept(text: str) -> str | None:
    """The id as its own relative path, if it is safe as one (the .txt inputs' ids are)."""
    if len(text) > PATH_MAX_CHARS:
        return None
    parts = text.split("/")
    if not all(map(_safe_part, parts)) or any(p.lower().endswith(TXT) for p in parts[:-1]):
        return None
    return text if text.lower().endswith(TXT) else text + TXT


def _hashed(text: str) -> str:
    """``NAME-HASH.txt``: a readable, length-capped name and a hash of the whole id."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_HEX_DIGITS]
    stem = text[: -len(TXT)] if text.lower().endswith(TXT) else text
    stem = _UNSAFE_RUN.sub("_", unicodedata.normalize("NFC", stem)).strip("._- ")
    stem = stem.encode("utf-8")[:NAME_MAX_BYTES].decode("utf-8", "ignore").rstrip("._- ") or "id"
    return f"{stem}-{digest}{TXT}"


def relpath_for_id(doc_id: object) -> str:
    """The first-choice file, relative to the output folder, of a document's cleaned text:
    the id itself when it is a safe relative path, else ``NAME-HASH.txt`` (the rule is in
    this module's docstring).  :class:`FileNames` makes the choices of a whole run unique."""
    text = str(doc_id)
    return _kept(text) or _hashed(text)


class FileNames:
    """Every document's file in one output folder: its first choice, or that plus ``~2``,
    ``~3``... when an earlier document holds the name, compared ignoring case."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, relpath: str) -> None:
        """Mark a file as used (recovered from the index of an earlier run)."""
        self._taken.add(relpath.casefold())

    def claim(self, doc_id: object) -> str:
        """The file of the next document with ``doc_id``; it is marked used."""
        first = relpath_for_id(doc_id)
        name, n = first, 1
        while name.casefold() in self._taken:
            n += 1
            name = f"{first[: -len(TXT)]}~{n}{first[-len(TXT):]}"
        self.take(name)
        return name


class TxtDirOutput:
    """One cleaned ``.txt`` per document in a folder, plus the crash-safe ``_index.jsonl``
    whose records name each document's file (``"file"``, relative to the folder)."""

    wants_texts = True  # texts come apart from the index records

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.index = JsonlOutput(self.path / INDEX_NAME)
        self.tmp = self.path / TMP_DIR_NAME
        self.names = FileNames()

    def exists(self) -> bool:
        return self.index.exists()

    def recover(self, on_record: Callable[[dict], None]) -> int:
        def recovered(record: dict) -> None:
            if isinstance(record.get("file"), str):
                self.names.take(record["file"])
            else:  # an index written before files were recorded
                self.names.claim(record["id"])
            on_record(record)

        return self.index.recover(recovered)

    def open(self, append: bool) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp.mkdir()
        except OSError as exc:
            raise _fail(self.path, exc) from None
        self.index.open(append)

    def write(self, result: ChunkResult) -> None:
        parents, records = set(), []
        for i, ((doc_id, text), line) in enumerate(zip(result.texts or [], result.lines.splitlines())):
            relpath = self.names.claim(doc_id)
            target = self.path / relpath
            tmp = self.tmp / f"{os.getpid()}-{i}.txt"
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(tmp, "w", encoding="utf-8") as handle:
                    handle.write(text + "\n" if text else "")
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, target)
            except OSError as exc:
                raise _fail(target, exc) from None
            parents.add(target.parent)
            record = json.loads(line)
            records.append(encode_line({"id": record.pop("id"), "file": relpath, **record}))
        for parent in parents:
            _fsync_dir(parent)
        lines = "".join(r + "\n" for r in records).encode("utf-8")
        self.index.write(dataclasses.replace(result, lines=lines))  # the commit: these ids are done

    def close(self, *, discard_if_empty: bool = False) -> None:
        self.index.close(discard_if_empty=discard_if_empty)
        shutil.rmtree(self.tmp, ignore_errors=True)


class ErrorReport:
    """Bad records as JSONL (:meth:`BadRecord.to_dict`); rewritten by every run, resumed or not.

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


def side_path(output: Path, fmt: str, engine: str, kind: str, suffix: str) -> Path:
    """Where a run's ``kind`` of side file goes: ``NAME.kind.suffix`` beside an output file
    (NAME: its name without .gz/.jsonl/.ndjson/.json), ``_kind.suffix`` inside a txt-dir or
    Dask output folder."""
    if fmt == "txt-dir" or engine == "dask":
        folder = output.parent if "*" in output.name else output
        return folder / f"_{kind.replace('-', '_')}{suffix}"
    base = output.name
    for ending in (".gz", ".jsonl", ".ndjson", ".json"):
        if base.lower().endswith(ending):
            base = base[: -len(ending)]
    return output.with_name(f"{base}.{kind}{suffix}")
