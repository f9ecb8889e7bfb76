"""The command-line options ``classify`` and ``clean`` share, each defined once.

A command takes them as decorators (``@model_option``, ``@labelling_options``,
``@record_options``), so a name, a default or a help text cannot drift between the two.
Values are checked as they are parsed, before a command does anything: a bad one is
one ``newssift: ...`` line and exit status 2.  Nothing heavy is imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from newssift.classifier.defaults import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_BYTES_ENV

__all__ = ["model_option", "labelling_options", "record_options", "MAX_BATCH_DOCS"]

F = TypeVar("F", bound=Callable)
MAX_BATCH_DOCS = 100_000  # --batch-size / --chunk-size: beyond this a batch only costs memory


def _compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """One decorator applying ``decorators`` in the order written (as if stacked so)."""
    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func
    return apply


def _checked_threshold(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is None:
        return None
    from newssift.classifier.decision import check_main_threshold

    return check_main_threshold(value)  # InvalidInput: one line, exit 2, before any work


model_option = click.option(
    "--model", "model_path", type=click.Path(), default=None,
    help="Model directory (default: $NEWSSIFT_MODEL, else the shipped models/default).")

labelling_options = _compose(
    click.option("--main-threshold", type=float, default=None, callback=_checked_threshold,
                 help="P(main) from which a block is main story, 0.05 to 0.95 (default 0.5; "
                      "lower keeps more)."),
    click.option("--keep-comments", is_flag=True,
                 help="Keep user-comment threads, and an HTML page's comment section, that "
                      "P(main) calls main (default: they are boilerplate)."),
    click.option("--corrections", "corrections_path", type=click.Path(dir_okay=False), default=None,
                 help="Apply stored corrections (JSONL, the GET /v1/labels export)."),
)

record_options = _compose(
    click.option("--text-field", default="text", show_default=True,
                 help="JSONL field or CSV column of the text."),
    click.option("--id-field", default="id", show_default=True,
                 help="JSONL field or CSV column of the id (default when absent: FILE:LINE)."),
    click.option("--site-field", default="site", show_default=True,
                 help="JSONL field naming a document's site (else the host of its \"url\"), for "
                      "site-scoped corrections and clean's site repeats."),
    click.option("--html-field", default=None,
                 help="JSONL field holding a page's HTML, read as HTML (blocks with their element "
                      "paths) instead of --text-field."),
    click.option("--html-check/--no-html-check", default=True, show_default=True,
                 help="Refuse a whole HTML page where text is expected, saying how to read it; "
                      "--no-html-check labels its markup as text."),
    click.option("--max-document-bytes", type=click.IntRange(min=1), default=MAX_DOCUMENT_BYTES,
                 show_default=True, envvar=MAX_DOCUMENT_BYTES_ENV, show_envvar=True,
                 help="The largest document (bytes of UTF-8 text), read no further: a larger one "
                      "is refused, as an error record in JSONL and in clean."),
)
