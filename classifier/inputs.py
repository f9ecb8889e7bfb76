"""The input formats: JSONL (optionally gzip), CSV, folders and globs of ``.txt`` and of
saved HTML pages (``.html``, ``.htm``), stdin.

Every input becomes a stream of :class:`~newssift.classifier.records.Doc` (one per article)
and :class:`~newssift.classifier.records.BadRecord` (one per line, row or file that cannot be
used, with where it was), read lazily, one record at a time, so memory does not grow
with the corpus.  ``newssift clean`` reads every format; ``newssift classify
--input-format jsonl`` reads JSONL lines through the same parser
(:func:`jsonl_records`), as they arrive.  Problems with an input as a whole (missing
file, unknown type, no text column) raise :class:`~newssift.classifier.errors.InvalidInput`
before or as soon as they are met.

A format is one :class:`InputFormat` in :data:`FORMATS`: its name (``--input-format``),
the file names it takes, and its reader.  More formats (WARC files) plug in by adding theirs.

An HTML page becomes one document whose text is its blocks, one a line
(:mod:`newssift.classifier.html`), with each block's element path in ``Doc.paths``.  A
folder holds ``.txt`` files and HTML pages, each read by its suffix.  A whole HTML page
where text is expected (a ``.txt`` file, a text field, a CSV cell) is an error record
naming how to read it, unless ``ReadOptions.html_check`` is off (``--no-html-check``).
"""

from __future__ import annotations

import contextlib
import csv
import glob
import gzip
import io
import itertools
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newssift.classifier.errors import InvalidInput
from newssift.classifier.html import looks_like_html
from newssift.classifier.records import (
    TOO_LARGE,
    UNREADABLE,
    BadRecord,
    Doc,
    ReadOptions,
    Skipped,
    check_size,
    decode_document,
    html_given_as_text,
    page_document,
    parse_jsonl_line,
    too_large,
)
from newssift.classifier.sites import site_of_url
from newssift.classifier.textio import utf8_problem

__all__ = ["Source", "InputFormat", "FORMATS", "resolve_inputs", "iter_records",
           "count_records", "source_size", "jsonl_records", "numbered_lines",
           "JSONL_SUFFIXES", "CSV_SUFFIXES", "TXT_SUFFIXES", "HTML_SUFFIXES",
           "WARC_SUFFIXES"]

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
CSV_SUFFIXES = (".csv", ".csv.gz")
TXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")  # a response with one of these is a page
_DRAIN_BYTES = 1 << 16
FOLDER_FORMAT = "txt"  # what a folder holds unless --input-format says otherwise
STDIN_FORMAT = "jsonl"
_GLOB_CHARS = "*?["
_SURROGATE_LO, _SURROGATE_HI = "\udc80", "\udcff"


@dataclass(frozen=True, slots=True)
class Source:
    """One input: ``kind`` names its format in :data:`FORMATS`; ``path`` is ``-`` for stdin.

    For a format of files (txt), ``path`` is one file, a folder (read recursively) or a
    glob, and ids are paths relative to ``root``.
    """

    kind: str
    path: str
    root: str = ""


@dataclass(frozen=True)
class InputFormat:
    """One kind of input: the file names it takes and how its records are read."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[Source, ReadOptions], Iterator[Doc | BadRecord]]
    count: Callable[[Source, ReadOptions], int]  # cheaply, how many items ``read`` yields
    whole_files: bool = False  # one document a file: folders and globs of such files are one source
    folder_suffixes: tuple[str, ...] | None = None  # files a folder of it takes (default: suffixes)

    def in_folders(self) -> tuple[str, ...]:
        """The file names a folder or glob read as this format takes."""
        return self.folder_suffixes or self.suffixes


def numbered_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of every line that is not blank."""
    return ((n, raw) for n, raw in enumerate(lines, 1) if raw.strip())


def jsonl_records(lines: Iterable[tuple[int, bytes]], name: str, options: ReadOptions,
                  tell: Callable[[], int] | None = None) -> Iterator[Doc | BadRecord]:
    """The records of numbered JSONL lines of the input ``name``, one per line, pulled one
    line at a time (so a caller may stop whenever no further line has arrived).  ``tell``
    says how far into its file the input has been read, for the progress bar."""
    for n, raw in lines:
        yield parse_jsonl_line(raw, n, name, options, tell() if tell else 0)


def _name(source: Source) -> str:
    return "stdin" if source.path == "-" else source.path


def _open_binary(path: str):
    if path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)  # read it, never close it
    try:
        if path.lower().endswith(".gz"):
            return gzip.open(path, "rb")
        return open(path, "rb")
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a folder; drop --input-format to read its .txt and .html "
                           f"files") from None
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


# --- JSONL ----------------------------------------------------------------------------------

def _jsonl(source: Source, options: ReadOptions) -> Iterator[Doc | BadRecord]:
    name = _name(source)
    last = 0
    with _open_binary(source.path) as handle:
        try:
            for item in jsonl_records(numbered_lines(handle), name, options, _bytes_read(handle)):
                last = item.line
                yield item
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            yield BadRecord(name, last + 1, f"corrupt or truncated gzip ({exc}); the rest is skipped",
                            code=UNREADABLE)


def _count_jsonl(source: Source, options: ReadOptions) -> int:
    with _open_binary(source.path) as handle:
        return sum(1 for raw in handle if raw.strip())


# --- CSV ------------------------------------------------------------------------------------

def _csv(source: Source, options: ReadOptions) -> Iterator[Doc | BadRecord]:
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
        cols = (header.index(options.text_field),
                header.index(options.id_field) if options.id_field in header else None)
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
            yield _csv_row(row, cols, name, start, options, tell())


def _csv_row(row: list[str], cols: tuple[int, int | None], name: str, line: int,
             options: ReadOptions, offset: int = 0) -> Doc | BadRecord:
    text_col, id_col = cols
    if len(row) <= text_col:
        return BadRecord(name, line, f"only {len(row)} column(s); the text column is missing")
    doc_id = row[id_col] if id_col is not None and id_col < len(row) and row[id_col] else f"{name}:{line}"
    for what, value in (("text", row[text_col]), ("id", str(doc_id))):
        if any(_SURROGATE_LO <= ch <= _SURROGATE_HI for ch in value):  # undecodable bytes, escaped
            problem = utf8_problem(value.encode("utf-8", "surrogateescape"))
            return BadRecord(name, line, f"the {what} column: {problem}")
    if not check_size(row[text_col], options.max_document_bytes):
        return BadRecord(name, line, too_large(options.max_document_bytes), doc_id, TOO_LARGE)
    if options.html_check and looks_like_html(row[text_col]):
        return BadRecord(name, line, html_given_as_text(f"the column {options.text_field!r}",
                                                        "a JSONL input and --html-field"), doc_id)
    return Doc(doc_id, row[text_col], name, line, offset=offset)


def _count_csv(source: Source, options: ReadOptions) -> int:
    return sum(1 for _ in _csv(source, options))


# --- folders and globs of .txt files and HTML pages -------------------------------------------

def _files(source: Source, suffixes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(path, id) of every file of a whole-file source, in sorted order."""
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
                if f.lower().endswith(suffixes):
                    path = os.path.join(folder, f)
                    yield path, os.path.relpath(path, source.root).replace(os.sep, "/")
        return
    for path in sorted(glob.glob(source.path, recursive=True)):
        if os.path.isfile(path):
            yield path, os.path.relpath(path, source.root).replace(os.sep, "/")


def _read_at_most(path: str, max_bytes: int) -> tuple[bytes, int]:
    """Up to ``max_bytes + 1`` bytes of a file (``-``: stdin), enough to tell it is too large
    without reading it all, and the bytes the file holds (as far as known)."""
    if path == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        return data, len(data)
    with open(path, "rb") as handle:
        return handle.read(max_bytes + 1), os.fstat(handle.fileno()).st_size


def _whole_files(source: Source, options: ReadOptions) -> Iterator[Doc | BadRecord]:
    """One document a file; a file named .html or .htm (or any file of an html source) is
    read as a page, any other as text."""
    read, limit = 0, options.max_document_bytes
    as_page = source.kind == "html"
    for path, doc_id in _files(source, FORMATS[source.kind].in_folders()):
        name = "stdin" if path == "-" else path
        try:
            data, size = _read_at_most(path, limit)
        except OSError as exc:
            yield BadRecord(name, 1, f"cannot read ({exc.strerror or exc})", doc_id, UNREADABLE)
            continue
        read += size
        if len(data) > limit:
            yield BadRecord(name, 1, too_large(limit), doc_id, TOO_LARGE)
            continue
        if as_page or path.lower().endswith(HTML_SUFFIXES):
            yield page_document(data, doc_id, name, offset=read)
        else:
            yield decode_document(data, doc_id, name, read, options.html_check)


def _count_files(source: Source, options: ReadOptions) -> int:
    return sum(1 for _ in _files(source, FORMATS[source.kind].in_folders()))


# --- WARC files (a crawler's archive: Common Crawl, wget --warc-file) ---------------------------

def _warc_items(source: Source, options: ReadOptions,
                parse: bool = True) -> Iterator[Doc | BadRecord | Skipped]:
    """One item a WARC record: a :class:`Doc` for every ``response`` whose HTTP payload is
    HTML, keyed by its ``WARC-Target-URI`` (``URI#RECORD-ID`` where the URI came before in
    the file), a :class:`Skipped` for every other record; a truncated or corrupt record ends
    the file with a :class:`BadRecord` naming the byte it starts at.  ``line`` is the record's
    number in the file.  Without ``parse`` no page is converted (to count the items cheaply).

    A record is handed on only once it is known to be whole (:func:`_check_end`), and bytes
    left after the last whole record are a record cut short: warcio ends its iteration quietly
    when the file ends inside a record's WARC headers or gzip header, as if the file were whole.
    """
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
    except ImportError:
        raise InvalidInput("reading WARC files needs warcio; pip install warcio") from None
    name, limit, seen = _name(source), options.max_document_bytes, set()

    def cut_short(number: int, start: int | None, detail: str = "") -> BadRecord:
        where = "" if start is None else f" at byte {start}"
        return BadRecord(name, number, f"truncated or corrupt WARC record{where}{detail}; the rest of "
                                       f"the file is skipped", code=UNREADABLE)

    with _open_raw(source.path) as handle:
        tell = _bytes_read(handle)
        raw = _CountingReader(handle)
        records = ArchiveIterator(raw)
        start: int | None = records.offset  # where the next record starts, when known
        for number in itertools.count(1):
            try:
                record = next(records, None)
                if record is None:
                    break
                item = _warc_record(record, name, number, limit, seen)
                start = records.offset if _check_end(records, record, raw) else None
            # a cut-off record: warcio meets it as any of these (a header cut short: AttributeError)
            except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError, AttributeError) as exc:
                detail = " ".join(str(exc).split())[:200]
                yield cut_short(number, start, "" if isinstance(exc, AttributeError) or not detail
                                else f" ({detail})")
                return
            if isinstance(item, tuple):  # an HTML page: (payload, id, charset)
                payload, doc_id, charset = item
                item = (page_document(payload, doc_id, name, number, _uri_site(doc_id), tell(), charset)
                        if parse else Doc(doc_id, "", name, number))
            yield item
        while raw.read(_DRAIN_BYTES):  # what warcio left unread, if anything
            pass
        if start is not None and raw.count > start:
            yield cut_short(number, start, f" ({raw.count - start} bytes at the end of the file are "
                                           f"not a whole record)")


class _CountingReader:
    """A binary file as warcio reads it, counting the bytes read and keeping the last few (the
    end of an uncompressed WARC's last record)."""

    TAIL = 64

    def __init__(self, handle) -> None:
        self.handle, self.count, self.tail = handle, 0, b""

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.count += len(data)
        self.tail = (self.tail + data[-self.TAIL:])[-self.TAIL:]
        return data

    def tell(self) -> int:  # warcio's record offsets count from here (a pipe cannot tell)
        return self.count


def _warc_record(record, name: str, number: int, limit: int,
                 seen: set[str]) -> Skipped | BadRecord | tuple[bytes, str, str | None]:
    """What one WARC record holds: skipped, too large, or an HTML page's payload, id and
    the charset its HTTP headers declare."""
    if record.rec_type != "response" or record.http_headers is None:
        _check_whole(record)
        return Skipped(name, number, f"{record.rec_type} record")
    mime, _, params = (record.http_headers.get_header("Content-Type") or "").partition(";")
    mime = mime.strip().lower()
    if mime not in HTML_TYPES:
        _check_whole(record)
        return Skipped(name, number, f"response {mime or 'without a Content-Type'}")
    uri = record.rec_headers.get_header("WARC-Target-URI") or f"{name}:{number}"
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or str(number)).strip("<>")
    doc_id = uri if uri not in seen else f"{uri}#{record_id}"
    seen.add(uri)
    payload = record.content_stream().read(limit + 1)
    _check_whole(record)
    if len(payload) > limit:
        return BadRecord(name, number, too_large(limit), doc_id, TOO_LARGE)
    charset = params.partition("charset=")[2].split(";")[0].strip() or None
    return payload, doc_id, charset


def _uri_site(doc_id: str) -> str | None:
    """A WARC page's site: its target URI's host (None for a record without a URI)."""
    return site_of_url(doc_id) if "://" in doc_id else None


def _check_whole(record) -> None:
    """Raise EOFError when the file ends inside ``record`` (warcio hands on a cut-off last
    record as if whole: its stream just ends before the record's Content-Length)."""
    stream = record.raw_stream
    while stream.read(_DRAIN_BYTES):
        pass
    if getattr(stream, "limit", 0) > 0:
        raise EOFError("the file ends inside it")


def _check_end(records, record, raw: _CountingReader) -> bool:
    """Raise EOFError unless ``record`` (read to its Content-Length) ended where a whole record
    ends, reading on to where the next starts; whether ``records.offset`` is now that byte (not
    in a gzip of many records, which warcio refuses at the next record).  warcio parses what it
    finds: a record whose WARC headers were cut before their Content-Length has no length (its
    stream runs to the end of the file, however little is left), and it hands on a record whose
    gzip member or closing blank lines were cut off as if whole."""
    length = record.rec_headers.get_header("Content-Length") or ""
    if record.format == "warc" and not length.strip().isdigit():
        raise EOFError("no Content-Length in its WARC headers")
    records.read_to_end()  # the blank lines after the record; for gzip, the rest of its member
    member = records.reader.decompressor
    if member is not None:
        if records.next_line is not None:  # its gzip member goes on: one gzip for many records
            return False
        if not member.eof:
            raise EOFError("the file ends inside its gzip member")
    elif record.format == "warc" and records.next_line is None:  # uncompressed, the last record
        start, size = records.member_info  # the blank lines after it are not counted in its size
        closing = raw.tail[-(records.offset - start - size):] if records.offset > start + size else b""
        if closing.count(b"\n") < 2:
            raise EOFError("the file ends before its closing blank lines")
    return True


def _open_raw(path: str):
    """A file as stored (a WARC reader finds its gzip members itself)."""
    if path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror or exc})") from None


def _count_warc(source: Source, options: ReadOptions) -> int:
    return sum(1 for _ in _warc_items(source, options, parse=False))


FORMATS: dict[str, InputFormat] = {f.name: f for f in (
    InputFormat("jsonl", JSONL_SUFFIXES, _jsonl, _count_jsonl),
    InputFormat("csv", CSV_SUFFIXES, _csv, _count_csv),
    InputFormat("txt", TXT_SUFFIXES, _whole_files, _count_files, whole_files=True,
                folder_suffixes=TXT_SUFFIXES + HTML_SUFFIXES),
    InputFormat("html", HTML_SUFFIXES, _whole_files, _count_files, whole_files=True),
    InputFormat("warc", WARC_SUFFIXES, _warc_items, _count_warc),
)}


# --- inputs named on the command line ----------------------------------------------------------

def _format_of(path: str) -> str | None:
    lower = path.lower()
    for fmt in FORMATS.values():
        if lower.endswith(fmt.suffixes):
            return fmt.name
    return None


def _glob_root(pattern: str) -> str:
    """The folder a glob's ids are relative to: its parts before the first wildcard."""
    parts = Path(pattern).parts
    first = next(i for i, p in enumerate(parts) if any(c in p for c in _GLOB_CHARS))
    return str(Path(*parts[:first])) if first else "."


def _known(kind: str) -> str:
    if kind not in FORMATS:
        raise InvalidInput(f"unknown input format {kind!r}; use one of {', '.join(FORMATS)}")
    return kind


def resolve_inputs(args: Iterable[str], options: ReadOptions) -> list[Source]:
    """Check every INPUT argument exists and decide how to read it."""
    chosen = None if options.input_format == "auto" else _known(options.input_format)
    sources = []
    for arg in args:
        if arg == "-":
            sources.append(Source(chosen or STDIN_FORMAT, "-"))
            continue
        if any(c in arg for c in _GLOB_CHARS) and not os.path.exists(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                raise InvalidInput(f"{arg}: no files match this pattern")
            kind = chosen or _format_of(arg) or FOLDER_FORMAT
            if FORMATS[kind].whole_files:
                sources.append(Source(kind, arg, _glob_root(arg)))
            else:
                sources.extend(Source(kind, p) for p in matches)
            continue
        path = Path(arg)
        if path.is_dir():
            kind = chosen if chosen and FORMATS[chosen].whole_files else FOLDER_FORMAT
            sources.append(Source(kind, arg, arg))
            continue
        if not path.exists():
            raise InvalidInput(f"{arg}: no such file or folder")
        kind = chosen or _format_of(arg)
        if kind is None:
            raise InvalidInput(f"{arg}: unknown input type; name it .jsonl, .jsonl.gz, .csv, .txt or .html, "
                               f"or pass --input-format")
        sources.append(Source(kind, arg, str(path.parent) if FORMATS[kind].whole_files else ""))
    if not sources:
        raise InvalidInput("no inputs given; name files, folders, globs or - for stdin")
    return sources


def iter_records(source: Source, options: ReadOptions) -> Iterator[Doc | BadRecord | Skipped]:
    """Every record of one input, in order; blank JSONL lines are skipped, and records that
    hold no document by design (WARC requests, image responses) are :class:`Skipped`."""
    return FORMATS[_known(source.kind)].read(source, options)


def count_records(source: Source, options: ReadOptions) -> int:
    """How many items :func:`iter_records` will yield, cheaply (used to cut Dask partitions)."""
    return FORMATS[_known(source.kind)].count(source, options)


def source_size(source: Source) -> int | None:
    """Bytes :func:`iter_records` will read from ``source`` (compressed, for .gz), when it is
    known before reading: regular files only, never stdin or a pipe."""
    if source.path == "-":
        return None
    fmt = FORMATS[_known(source.kind)]
    paths = [p for p, _ in _files(source, fmt.in_folders())] if fmt.whole_files else [source.path]
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
