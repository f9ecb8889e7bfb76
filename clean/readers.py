"""Inputs to documents: JSONL (optionally gzip), CSV, folders and globs of ``.txt``, stdin.

Every input becomes a stream of :class:`Doc` (one per article) and :class:`BadRecord`
(one per line or file that cannot be used, with where it was).  Reading is lazy,
one record at a time, so memory does not grow with the corpus.  Problems with an
input as a whole (missing file, unknown type, no text column) raise
:class:`~classifier.errors.InvalidInput` before or as soon as they are met.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import gzip
import io
import json
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from newssift.classifier.errors import InvalidInput
from newssift.classifier.textio import utf8_problem
from newssift.clean.options import CleanOptions

__all__ = ["Doc", "BadRecord", "Source", "resolve_inputs", "iter_records", "count_records",
           "source_size", "JSONL_SUFFIXES", "CSV_SUFFIXES", "TXT_SUFFIXES"]

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
CSV_SUFFIXES = (".csv", ".csv.gz")
TXT_SUFFIXES = (".txt",)
_GLOB_CHARS = "*?["
_ID_TYPES = (str, int, float)
_SURROGATE_LO, _SURROGATE_HI = "\udc80", "\udcff"


@dataclass(frozen=True, slots=True)
class Doc:
    """One article to clean, and where it came from."""

    id: object
    text: str
    source: str
    line: int
    site: str | None = None  # for site-scoped corrections (--site-field)
    # Bytes of its input read once this record was (of the compressed file for .gz; 0 for
    # stdin): what the progress bar counts against the inputs' size.
    offset: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A line or file that could not be read as an article; goes to the error report."""

    source: str
    line: int
    message: str
    id: object = None

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "id": self.id, "error": self.message}

    def describe(self) -> str:
        return f"{self.source}, line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Source:
    """One input: ``kind`` is jsonl, csv or txt; ``path`` is ``-`` for stdin.

    For txt, ``path`` is one file, a folder (read recursively) or a glob, and ids
    are paths relative to ``root``.
    """

    kind: str
    path: str
    root: str = ""


def _kind_of(path: str) -> str | None:
    lower = path.lower()
    for kind, suffixes in (("jsonl", JSONL_SUFFIXES), ("csv", CSV_SUFFIXES), ("txt", TXT_SUFFIXES)):
        if lower.endswith(suffixes):
            return kind
    return None


def _glob_root(pattern: str) -> str:
    """The folder a glob's ids are relative to: its parts before the first wildcard."""
    parts = Path(pattern).parts
    first = next(i for i, p in enumerate(parts) if any(c in p for c in _GLOB_CHARS))
    return str(Path(*parts[:first])) if first else "."


def resolve_inputs(args: Iterable[str], options: CleanOptions) -> list[Source]:
    """Check every INPUT argument exists and decide how to read it."""
    sources = []
    for arg in args:
        if arg == "-":
            kind = "jsonl" if options.input_format == "auto" else options.input_format
            sources.append(Source(kind, "-"))
            continue
        if any(c in arg for c in _GLOB_CHARS) and not os.path.exists(arg):
            if not glob.glob(arg, recursive=True):
                raise InvalidInput(f"{arg}: no files match this pattern")
            kind = options.input_format if options.input_format != "auto" else _kind_of(arg) or "txt"
            if kind != "txt":
                sources.extend(Source(kind, p) for p in sorted(glob.glob(arg, recursive=True)))
            else:
                sources.append(Source("txt", arg, _glob_root(arg)))
            continue
        path = Path(arg)
        if path.is_dir():
            sources.append(Source("txt", arg, arg))
            continue
        if not path.exists():
            raise InvalidInput(f"{arg}: no such file or folder")
        kind = options.input_format if options.input_format != "auto" else _kind_of(arg)
        if kind is None:
            raise InvalidInput(f"{arg}: unknown input type; name it .jsonl, .jsonl.gz, .csv or .txt, "
                               f"or pass --input-format")
        sources.append(Source(kind, arg, str(path.parent) if kind == "txt" else ""))
    if not sources:
        raise InvalidInput("no inputs given; name files, folders, globs or - for stdin")
    return sources


def iter_records(source: Source, options: CleanOptions) -> Iterator[Doc | BadRecord]:
    """Every record of one input, in order; blank JSONL lines are skipped."""
    if source.kind == "jsonl":
        return _jsonl(source, options)
    if source.kind == "csv":
        return _csv(source, options)
    if source.kind == "txt":
        return _txt(source)
    raise InvalidInput(f"{source.path}: unknown input format {source.kind!r}")


def source_size(source: Source) -> int | None:
    """Bytes :func:`iter_records` will read from ``source`` (compressed, for .gz), when it is
    known before reading: regular files only, never stdin or a pipe."""
    if source.path == "-":
        return None
    paths = [p for p, _ in _txt_files(source)] if source.kind == "txt" else [source.path]
    total = 0
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        total += info.st_size
    return total


def count_records(source: Source, options: CleanOptions) -> int:
    """How many items :func:`iter_records` will yield, cheaply (used to cut Dask partitions)."""
    if source.kind == "jsonl":
        with _open_binary(source.path) as handle:
            return sum(1 for raw in handle if raw.strip())
    if source.kind == "txt":
        return sum(1 for _ in _txt_files(source))
    return sum(1 for _ in _csv(source, options))


def _open_binary(path: str):
    if path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)  # read it, never close it
    try:
        if path.lower().endswith(".gz"):
            return gzip.open(path, "rb")
        return open(path, "rb")
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a folder; drop --input-format to read its .txt files") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror or exc})") from None


def _bytes_read(handle) -> Callable[[], int]:
    """How far into its file ``handle`` has read: for gzip, the compressed file beneath it."""
    under = getattr(handle, "fileobj", None) or handle
    try:
        under.tell()
    except (AttributeError, OSError, ValueError):  # a pipe: unknown, and not needed
        return lambda: 0
    return under.tell


def _name(source: Source) -> str:
    return "stdin" if source.path == "-" else source.path


def _doc_id(value: object, default: str) -> tuple[object, str | None]:
    if value is None:
        return default, None
    if isinstance(value, bool) or not isinstance(value, _ID_TYPES):
        return None, "the id must be a string or a number"
    return value, None


def _jsonl(source: Source, options: CleanOptions) -> Iterator[Doc | BadRecord]:
    name = _name(source)
    n = 0
    with _open_binary(source.path) as handle:
        tell = _bytes_read(handle)
        try:
            for n, raw in enumerate(handle, 1):
                if raw.strip():
                    yield _parse_jsonl(raw, n, name, options, tell())
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            yield BadRecord(name, n + 1, f"corrupt or truncated gzip ({exc}); the rest is skipped")


def _parse_jsonl(raw: bytes, n: int, name: str, options: CleanOptions, offset: int = 0) -> Doc | BadRecord:
    try:
        rec = orjson.loads(raw)  # strict: also refuses lone surrogates such as "\ud800"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = utf8_problem(raw)  # orjson calls bad bytes a JSON error; say what they are
        if problem is None:
            problem = f"malformed JSON ({exc.msg}, column {exc.colno})"
        return BadRecord(name, n, problem)
    if not isinstance(rec, dict):
        return BadRecord(name, n, "expected a JSON object")
    doc_id, error = _doc_id(rec.get(options.id_field), f"{name}:{n}")
    if error:
        return BadRecord(name, n, error)
    text = rec.get(options.text_field)
    if not isinstance(text, str):
        what = "missing" if text is None else "not a string"
        return BadRecord(name, n, f"field {options.text_field!r} {what}; set --text-field", doc_id)
    site = rec.get(options.site_field)
    if site is not None and not isinstance(site, str):
        return BadRecord(name, n, f"field {options.site_field!r} is not a string", doc_id)
    return Doc(doc_id, text, name, n, site, offset)


def _csv(source: Source, options: CleanOptions) -> Iterator[Doc | BadRecord]:
    name = _name(source)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with _open_binary(source.path) as handle:
        tell = _bytes_read(handle)
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            return
        if options.text_field not in header:
            raise InvalidInput(f"{name}: no column {options.text_field!r} (columns: "
                               f"{', '.join(header)[:200]}); set --text-field")
        text_col = header.index(options.text_field)
        id_col = header.index(options.id_field) if options.id_field in header else None
        line = reader.line_num
        while True:
            start = line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = reader.line_num
                yield BadRecord(name, start, f"malformed CSV ({exc})")
                continue
            line = reader.line_num
            if not row:
                continue
            yield _csv_row(row, text_col, id_col, name, start, tell())


def _csv_row(row: list[str], text_col: int, id_col: int | None, name: str, line: int,
             offset: int = 0) -> Doc | BadRecord:
    if len(row) <= text_col:
        return BadRecord(name, line, f"only {len(row)} column(s); the text column is missing")
    doc_id = row[id_col] if id_col is not None and id_col < len(row) and row[id_col] else f"{name}:{line}"
    for what, value in (("text", row[text_col]), ("id", str(doc_id))):
        if any(_SURROGATE_LO <= ch <= _SURROGATE_HI for ch in value):  # undecodable bytes, escaped
            problem = utf8_problem(value.encode("utf-8", "surrogateescape"))
            return BadRecord(name, line, f"the {what} column: {problem}")
    return Doc(doc_id, row[text_col], name, line, offset=offset)


def _txt_files(source: Source) -> Iterator[tuple[str, str]]:
    """(path, id) of every .txt file of a txt source, in sorted order."""
    if source.path == "-":
        yield "-", "stdin"
        return
    if os.path.isfile(source.path):
        yield source.path, source.path
        return
    if os.path.isdir(source.path):
        for folder, dirs, files in os.walk(source.path):
            dirs.sort()
            for f in sorted(files):
                if f.lower().endswith(TXT_SUFFIXES):
                    path = os.path.join(folder, f)
                    yield path, os.path.relpath(path, source.root).replace(os.sep, "/")
        return
    for path in sorted(glob.glob(source.path, recursive=True)):
        if os.path.isfile(path):
            yield path, os.path.relpath(path, source.root).replace(os.sep, "/")


def _txt(source: Source) -> Iterator[Doc | BadRecord]:
    read = 0
    for path, doc_id in _txt_files(source):
        name = "stdin" if path == "-" else path
        try:
            if path == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as handle:
                    data = handle.read()
        except OSError as exc:
            yield BadRecord(name, 1, f"cannot read ({exc.strerror or exc})", doc_id)
            continue
        read += len(data)
        yield _decode_txt(data, doc_id, name, read)


def _decode_txt(data: bytes, doc_id: str, name: str, offset: int = 0) -> Doc | BadRecord:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        return BadRecord(name, data.count(b"\n", 0, nul) + 1, "binary data (NUL bytes); expected UTF-8 text",
                         doc_id)
    try:
        return Doc(doc_id, data.decode("utf-8"), name, 1, offset=offset)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return BadRecord(name, line, utf8_problem(data), doc_id)
