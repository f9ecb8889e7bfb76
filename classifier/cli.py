"""``newssift classify``, and the error handling every newssift command shares.

Every user-fixable failure becomes one line, ``newssift: <message>``, on stderr
and a non-zero exit; tracebacks are for bugs only.  The ``newssift`` group itself
is composed in :mod:`newssift.cli` from each part's commands; this module imports
nothing heavy, so that ``newssift --help`` stays fast.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata

import click

from newssift.classifier.cli_options import (
    MAX_BATCH_DOCS,
    labelling_options,
    model_option,
    record_options,
)
from newssift.classifier.defaults import MAX_DOCUMENT_BYTES
from newssift.classifier.errors import InvalidInput, NewssiftError
from newssift.classifier.textio import decode_utf8, read_input

__all__ = ["NewssiftGroup", "classify", "fail", "read_text", "use_colour", "listing_width",
           "EXIT_USER_ERROR", "EXIT_SOME_FAILED"]

EXIT_SOME_FAILED = 1   # some records failed (error records, or skipped); the rest were labelled
EXIT_USER_ERROR = 2    # a usage or input error: nothing was labelled
ROLE_COLOURS = {"main": "green", "teaser": "yellow", "boilerplate": "bright_black"}
LISTING_TEXT_CHARS = 100     # off a terminal (and without $COLUMNS) a block's text is cut here
LISTING_MIN_TEXT_CELLS = 20  # on a terminal the text gets the columns left, never fewer than this
INDEX_COLUMN_CELLS = 4       # on a narrow terminal: the digits the last index needs
TOPIC_COLUMN_CELLS = 19      # "science-tech 0.81" padded; on a narrow terminal: the longest + 1
ROLE_SCORE_CELLS = 1 + 11 + 1 + 4 + 2  # " boilerplate 0.99  "
EOF_KEY = "Ctrl-Z, Enter" if os.name == "nt" else "Ctrl-D"


def fail(message: str) -> None:
    click.echo(f"newssift: {message}", err=True)
    sys.exit(EXIT_USER_ERROR)


def read_bytes(path: str, max_bytes: int = MAX_DOCUMENT_BYTES, what: str = "a text file") -> bytes:
    """Read one document's bytes (``-`` for stdin), no further than ``max_bytes + 1`` bytes:
    enough to refuse a larger one without holding it."""
    data = read_input(path, what, max_bytes)
    if len(data) > max_bytes:
        from newssift.classifier.records import too_large

        raise InvalidInput(f"{'stdin' if path == '-' else path}: {too_large(max_bytes)}")
    return data


def read_text(path: str, max_bytes: int = MAX_DOCUMENT_BYTES, html_check: bool = False) -> str:
    """Read one document (``-`` for stdin) as strict UTF-8 (see :func:`read_bytes`); with
    ``html_check``, a whole HTML page is refused, naming ``--input-format html``."""
    name = "stdin" if path == "-" else path
    text = decode_utf8(read_bytes(path, max_bytes), name)
    if html_check:
        from newssift.classifier.html import looks_like_html
        from newssift.classifier.records import html_given_as_text

        if looks_like_html(text):
            raise InvalidInput(f"{name}: {html_given_as_text('it', '--input-format html')}")
    return text


def _usage_line(exc: click.UsageError) -> str:
    """click's usage error as our one line: what was wrong, and where the help is."""
    message = exc.format_message().rstrip(".")
    message = message[:1].lower() + message[1:]
    where = f" (see {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
    return f"{message}{where}"


class NewssiftGroup(click.Group):
    """Turns our exceptions into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:  # a bad option or argument: before the command ran
            fail(_usage_line(exc))
        except NewssiftError as exc:
            fail(str(exc))
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(1)
        except KeyboardInterrupt:
            fail("interrupted")
        except MemoryError:
            fail("out of memory; feed large corpora with --input-format jsonl")


def _load(model_path: str | None):
    from newssift.classifier.persist import load_model

    return load_model(model_path)


def use_colour(flag: bool | None) -> bool | None:
    """--color/--no-color when given; else no colour when $NO_COLOR is set to anything
    (https://no-color.org); else None: click colours a terminal and strips it from a pipe."""
    if flag is not None:
        return flag
    return False if os.environ.get("NO_COLOR") else None


def listing_width() -> int | None:
    """The columns the listing may fill: the terminal's (or $COLUMNS); None off a terminal."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS", "").strip().isdigit():
        return shutil.get_terminal_size().columns
    return None


def _cells(ch: str) -> int:
    """Terminal cells one character takes: two for wide (CJK) ones, none for combining marks."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _fit(text: str, cells: int) -> str:
    """``text`` cut to at most ``cells`` terminal cells, ending in "…" when cut."""
    if sum(map(_cells, text)) <= cells:
        return text
    used = 0
    for end, ch in enumerate(text):
        if used + _cells(ch) > cells - 1:
            return text[:end] + "…"
        used += _cells(ch)
    return text


def _echo_listing(result, colour: bool | None, width: int | None) -> None:
    """The article line, then one line per block; with a ``width``, no line is wider."""
    art = result.article
    topic = f"{art.topic} ({art.topic_score:.2f})" if art.topic else "none"
    if art.topic and art.topic_trained_for_lang is False:  # an English model's guess
        topic = f"{art.topic} ({art.topic_score:.2f}, not trained for {art.lang or 'this language'})"
    lang = f"{art.lang} ({art.lang_score:.2f})" if art.lang else "unknown"
    head = [f"article: topic {topic};", f"language {lang};",
            f"{art.n_main} main, {art.n_teaser} teaser, {art.n_boilerplate} boilerplate blocks"]
    if width is None or len(" ".join(head)) <= width:
        head = [" ".join(head)]
    for line in head:  # two lines rather than one the terminal wraps
        click.secho(line, bold=True, color=colour)
    topics = [f"{s.topic} {s.topic_score:.2f}" if s.topic else "-" for s in result.segments]
    index_cells, topic_cells, text_cells = INDEX_COLUMN_CELLS, TOPIC_COLUMN_CELLS, LISTING_TEXT_CHARS
    if width is not None:
        text_cells = width - index_cells - ROLE_SCORE_CELLS - topic_cells
        if text_cells < LISTING_MIN_TEXT_CELLS:  # a narrow terminal: the columns lose their padding
            index_cells = len(str(max(len(result.segments) - 1, 0)))
            topic_cells = max(map(len, topics), default=1) + 1
            text_cells = max(LISTING_MIN_TEXT_CELLS, width - index_cells - ROLE_SCORE_CELLS - topic_cells)
    for s, topic in zip(result.segments, topics):
        text = s.text.replace("\t", " ")
        if width is None:  # a pipe or a file: the fixed column the README's sample shows
            text = text if len(text) <= text_cells else text[:text_cells - 1] + "…"
        else:
            text = _fit(text, text_cells)
        click.echo(click.style(f"{s.index:>{index_cells}} {s.role:<11} {s.role_score:.2f}  "
                               f"{topic:<{topic_cells}}", fg=ROLE_COLOURS[s.role]) + text, color=colour)


@click.command()
@click.argument("source", default="-")
@model_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None,
              help="Output format; default: a coloured listing on a terminal, JSON in a pipe.")
@click.option("--input-format", type=click.Choice(["text", "jsonl", "html"]), default="text",
              help="text: SOURCE is one article. jsonl: one {\"id\", \"text\"} object per line. "
                   "html: SOURCE is one saved web page.")
@click.option("--batch-size", type=click.IntRange(1, MAX_BATCH_DOCS), default=64, show_default=True,
              help="Documents labelled together in jsonl mode.")
@labelling_options
@click.option("--site", default=None,
              help="The site the text comes from, for site-scoped corrections (jsonl: --site-field).")
@record_options
@click.option("--color/--no-color", "colour", default=None,
              help="Colour the listing (default: on a terminal, unless NO_COLOR is set).")
def classify(source: str, model_path: str | None, fmt: str | None, input_format: str,
             batch_size: int, main_threshold: float | None, keep_comments: bool,
             corrections_path: str | None, site: str | None, text_field: str, id_field: str,
             site_field: str, html_field: str | None, html_check: bool, max_document_bytes: int,
             colour: bool | None) -> None:
    """Label the blocks of SOURCE (a file, or - for stdin).

    With --input-format jsonl every line is one {"id", "text"} object and every output
    line one JSON record, in input order; a line without "id" gets "SOURCE:LINE"
    (stdin:3, corpus.jsonl:7); a line that cannot be labelled gets an error record,
    {"id", "error": {"code", "message", "source", "line"}}, as in clean's error report.

    With --input-format html SOURCE is a saved page: its blocks are what a reader sees
    (scripts, styles and the head dropped), and in JSON each segment carries "path", the
    XPath of its element; start and end refer to the page's text, one block a line.  A
    whole HTML page given as text is refused (--no-html-check labels it as text).

    Exit status: 0 every line labelled; 1 some lines got error records (the rest were
    labelled); 2 a usage or input error, nothing labelled (also when no line could be).
    """
    if input_format == "jsonl" and fmt == "text":
        raise InvalidInput("--format text lists one article; --input-format jsonl writes JSON lines "
                           "(drop --format text)")
    from newssift.classifier.bulk import limit_threads

    limit_threads()  # before the model's libraries load: one native thread, as serve's workers
    memory = None
    if corrections_path is not None:
        from newssift.classifier.textio import read_corrections

        memory = read_corrections(corrections_path)
    if input_format == "jsonl":
        from newssift.classifier.records import ReadOptions
        from newssift.classifier.stream import classify_jsonl

        read_options = ReadOptions(text_field=text_field, id_field=id_field, site_field=site_field,
                                   max_document_bytes=max_document_bytes, html_field=html_field,
                                   html_check=html_check)
        model = _load(model_path)
        decision = model.decision_for(main_threshold, keep_comments)
        if source == "-":
            _hint_on_a_terminal("JSON lines")
            counts = classify_jsonl(model, sys.stdin.buffer, sys.stdout, batch_size, "stdin",
                                    decision, memory, read_options)
        else:
            try:
                handle = open(source, "rb")
            except OSError as exc:
                raise InvalidInput(f"{source}: {exc.strerror.lower()}") from None
            with handle:
                counts = classify_jsonl(model, handle, sys.stdout, batch_size, source, decision,
                                        memory, read_options)
        if counts.errors and not counts.labelled:
            fail(f"none of the {counts.errors} line(s) could be labelled; see their error records")
        if counts.errors:
            click.echo(f"newssift: {counts.errors} line(s) could not be labelled ({counts.labelled} "
                       f"were); see their error records", err=True)
            sys.exit(EXIT_SOME_FAILED)
        return
    if source == "-":
        _hint_on_a_terminal("an article")
    page = None
    if input_format == "html":
        from newssift.classifier.html import read_page

        name = "stdin" if source == "-" else source
        data = read_bytes(source, max_document_bytes, "an HTML page")
        try:
            page = read_page(data)
        except InvalidInput as exc:
            raise InvalidInput(f"{name}: {exc}") from None
        text = page.text
    else:
        text = read_text(source, max_document_bytes, html_check)
    if not (data if page is not None else text).strip():  # an empty file, a wrong pipe
        raise InvalidInput(f"{'stdin' if source == '-' else source}: empty input: no text to label")
    model = _load(model_path)
    result = model.segment(text, model.decision_for(main_threshold, keep_comments), memory, site,
                           None if page is None else page.markup)
    if fmt is None:
        fmt = "text" if sys.stdout.isatty() else "json"
    if fmt == "json" and page is not None:
        import json

        from newssift.classifier.html import with_paths

        click.echo(json.dumps(with_paths(result.to_dict(), page.paths), ensure_ascii=False))
    elif fmt == "json":
        click.echo(result.to_json())
    else:
        _echo_listing(result, use_colour(colour), listing_width())


def _hint_on_a_terminal(what: str) -> None:
    """Someone typing at a terminal should know the command waits for them, and how to end."""
    if sys.stdin.isatty():
        click.echo(f"reading {what} from stdin; end with {EOF_KEY} (or give a FILE)", err=True)
