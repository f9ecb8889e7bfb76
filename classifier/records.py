"""Documents and error records: what every input format yields, and the one record parser.

Shared by ``newssift classify --input-format jsonl`` and ``newssift clean`` (which reads
its inputs through :mod:`newssift.classifier.inputs`).

An input is read as a stream of :class:`Doc` (one per article) and :class:`BadRecord`
(one per line, row or file that cannot be labelled, with where it was).  The same
rules hold in ``newssift clean`` and ``newssift classify --input-format jsonl``: a
record is a JSON object whose text field is a string and whose id, if any, a string
or a number (else ``SOURCE:LINE``); a text over the size limit is refused; bad bytes
are named as such.  A bad record becomes the one error record (:meth:`BadRecord.to_dict`)::

    {"id": ..., "error": {"code": ..., "message": ..., "source": ..., "line": ...}}

``code`` is one of :data:`ERROR_CODES`; ``message`` says what is wrong and the fix,
without repeating ``source`` and ``line``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import orjson

from newssift.classifier.defaults import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_BYTES_ENV
from newssift.classifier.errors import InvalidInput
from newssift.classifier.html import looks_like_html
from newssift.classifier.sites import site_of_url
from newssift.classifier.textio import utf8_problem

__all__ = ["ReadOptions", "Doc", "BadRecord", "Skipped", "parse_jsonl_line", "decode_document", "check_size",
           "too_large", "one_line", "page_document", "html_given_as_text", "INVALID", "TOO_LARGE",
           "UNREADABLE", "NOT_LABELLED", "ERROR_CODES"]

INVALID = "invalid_input"        # not a usable record: bad JSON or bytes, wrong field types
TOO_LARGE = "document_too_large"  # a text over --max-document-bytes
UNREADABLE = "unreadable"        # a file that cannot be read, a corrupt gzip stream
NOT_LABELLED = "labelling_failed"  # the model failed on this document (a bug: please report it)
ERROR_CODES = (INVALID, TOO_LARGE, UNREADABLE, NOT_LABELLED)
_ID_TYPES = (str, int, float)
# Characters JSON may carry raw that Python's str.splitlines() (and so many JSONL readers)
# takes for line ends; escaped, a record written as JSON stays one line for every reader.
_LINE_ENDS = (("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def one_line(encoded_json: str) -> str:
    """A JSON document as one line of JSONL for any reader: U+0085, U+2028 and U+2029
    escaped (inside JSON strings, where alone they can occur, the escape means the same).
    Searched for first: ``str.translate`` took a third of ``classify``'s time."""
    for char, escape in _LINE_ENDS:
        if char in encoded_json:
            encoded_json = encoded_json.replace(char, escape)
    return encoded_json
_BOM = b"\xef\xbb\xbf"
_UTF8_MAX_BYTES_PER_CHAR = 4


@dataclass(frozen=True)
class ReadOptions:
    """How records become documents, for every input format and command."""

    text_field: str = "text"
    id_field: str = "id"
    site_field: str = "site"       # the record field naming a document's site, if any
    url_field: str = "url"         # ... else the field of its address, whose host is its site
    input_format: str = "auto"     # auto, or a name of classifier.inputs.FORMATS
    max_document_bytes: int = MAX_DOCUMENT_BYTES  # a larger text is an error record
    html_field: str | None = None  # the JSONL field holding a page's HTML (instead of text_field)
    html_check: bool = True        # refuse a whole HTML page given as text, saying how to read it


@dataclass(frozen=True, slots=True)
class Doc:
    """One article to label, and where it came from."""

    id: object
    text: str
    source: str
    line: int
    site: str | None = None  # --site-field, else the host of its url: scopes corrections, counts lines
    # Bytes of its input read once this record was (of the compressed file for .gz; 0 for
    # stdin): what the progress bar counts against the inputs' size.
    offset: int = field(default=0, compare=False, repr=False)
    # For a page read as HTML: the element path of each block of ``text`` (one block a line)
    # and the blocks' markup (a PageMarkup, what the model's HTML head reads).
    paths: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    markup: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record of an input that holds no document by design (a WARC request, an image
    response): not an error, counted by ``reason`` in the run's summary."""

    source: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A line, row or file that could not be labelled: an error record, and the run goes on."""

    source: str
    line: int
    message: str
    id: object = None
    code: str = INVALID

    def to_dict(self) -> dict:
        """The one error record of every command (see the module docstring)."""
        return {"id": self.id, "error": {"code": self.code, "message": self.message,
                                         "source": self.source, "line": self.line}}

    def describe(self) -> str:
        return f"{self.source}, line {self.line}: {self.message}"


def too_large(max_bytes: int) -> str:
    """The one message for a document over the size limit."""
    return (f"larger than {max_bytes} bytes, the limit of a document; split it, or raise "
            f"--max-document-bytes ({MAX_DOCUMENT_BYTES_ENV})")


def check_size(text: str, max_bytes: int) -> bool:
    """Whether ``text`` is within ``max_bytes`` bytes of UTF-8 (encoded only when it may not be)."""
    if len(text) * _UTF8_MAX_BYTES_PER_CHAR <= max_bytes:
        return True
    return len(text) <= max_bytes and len(text.encode("utf-8", "surrogatepass")) <= max_bytes


def _doc_id(value: object, default: str) -> tuple[object, str | None]:
    if value is None:
        return default, None
    if isinstance(value, bool) or not isinstance(value, _ID_TYPES):
        return None, "the id must be a string or a number"
    return value, None


def parse_jsonl_line(raw: bytes, line: int, name: str, options: ReadOptions,
                     offset: int = 0) -> Doc | BadRecord:
    """One JSONL line of the input ``name`` as a document, or the error record saying why not."""
    try:
        rec = orjson.loads(raw)  # strict: also refuses lone surrogates such as "\ud800"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = utf8_problem(raw)  # orjson calls bad bytes a JSON error; say what they are
        if problem is None:  # orjson's own words ("invalid literal, expected 'null'") say little
            problem = f"malformed JSON at column {exc.colno}; expected one JSON object a line"
        return BadRecord(name, line, problem)
    if not isinstance(rec, dict):
        return BadRecord(name, line, "expected a JSON object, one a line")
    doc_id, error = _doc_id(rec.get(options.id_field), f"{name}:{line}")
    if error:
        return BadRecord(name, line, f"field {options.id_field!r}: {error}; set --id-field")
    field_name = options.html_field or options.text_field
    text = rec.get(field_name)
    if not isinstance(text, str):
        what = "missing" if text is None else "is not a string"
        flag = "--html-field" if options.html_field else "--text-field"
        return BadRecord(name, line, f"field {field_name!r} {what}; set {flag}", doc_id)
    site = rec.get(options.site_field)
    if site is not None and not isinstance(site, str):
        return BadRecord(name, line, f"field {options.site_field!r} is not a string; set --site-field",
                         doc_id)
    if site is None and isinstance(rec.get(options.url_field), str):
        site = site_of_url(rec[options.url_field])  # a page's site is its address's host
    if not check_size(text, options.max_document_bytes):
        return BadRecord(name, line, too_large(options.max_document_bytes), doc_id, TOO_LARGE)
    if options.html_field:
        return page_document(text, doc_id, name, line, site, offset)
    if options.html_check and looks_like_html(text):
        message = html_given_as_text(f"field {field_name!r}", f"--html-field {field_name}")
        return BadRecord(name, line, message, doc_id)
    return Doc(doc_id, text, name, line, site, offset)


def html_given_as_text(what: str, how: str) -> str:
    """The one message for a whole HTML page where text was expected: how to read it as a
    page, and how to label its markup as text after all."""
    return f"{what} is a whole HTML page; read it with {how}, or pass --no-html-check to label it as text"


def page_document(page: bytes | str, doc_id: object, name: str, line: int = 1, site: str | None = None,
                  offset: int = 0, charset: str | None = None) -> Doc | BadRecord:
    """An HTML page as one document: its blocks' text, one a line, and their element paths
    (:mod:`newssift.classifier.html`); a page that cannot be read is an error record."""
    from newssift.classifier.html import read_page

    try:
        html = read_page(page, charset)
    except InvalidInput as exc:
        return BadRecord(name, line, str(exc), doc_id)
    return Doc(doc_id, html.text, name, line, site, offset, tuple(html.paths), html.markup)


def decode_document(data: bytes, doc_id: str, name: str, offset: int = 0,
                    html_check: bool = True) -> Doc | BadRecord:
    """A whole file's bytes as one document: strict UTF-8, a leading BOM dropped, NUL bytes
    refused as binary data (the line of the first bad byte named); a whole HTML page is
    refused too unless ``html_check`` is off (see :func:`html_given_as_text`)."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    nul = data.find(b"\x00")
    if nul >= 0:
        return BadRecord(name, data.count(b"\n", 0, nul) + 1, "binary data (NUL bytes); expected UTF-8 text",
                         doc_id)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return BadRecord(name, line, utf8_problem(data), doc_id)
    if html_check and looks_like_html(text):
        return BadRecord(name, 1, html_given_as_text("the file", "--input-format html"), doc_id)
    return Doc(doc_id, text, name, 1, offset=offset)
