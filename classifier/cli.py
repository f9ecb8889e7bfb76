"""``newssift classify``, and the error handling every newssift command shares.

Every user-fixable failure becomes one line, ``newssift: <message>``, on stderr
and a non-zero exit; tracebacks are for bugs only.  The ``newssift`` group itself
is composed in :mod:`newssift.cli` from each part's commands; this module imports
nothing heavy, so that ``newssift --help`` stays fast.
"""

from __future__ import annotations

import sys

import click

from newssift.classifier.errors import InvalidInput, NewssiftError
from newssift.classifier.textio import decode_utf8

__all__ = ["NewssiftGroup", "classify", "fail", "read_text", "EXIT_USER_ERROR"]

EXIT_USER_ERROR = 2
ROLE_COLOURS = {"main": "green", "teaser": "yellow", "boilerplate": "bright_black"}
MAX_DOCUMENT_BYTES_DEFAULT = 16 * 1024 * 1024


def fail(message: str) -> None:
    click.echo(f"newssift: {message}", err=True)
    sys.exit(EXIT_USER_ERROR)


def read_text(path: str, max_bytes: int = MAX_DOCUMENT_BYTES_DEFAULT) -> str:
    """Read one document (``-`` for stdin) as strict UTF-8."""
    name = "stdin" if path == "-" else path
    try:
        if path == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InvalidInput(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{name}: is a directory, expected a text file") from None
    except PermissionError:
        raise InvalidInput(f"{name}: permission denied") from None
    if len(data) > max_bytes:
        raise InvalidInput(f"{name}: larger than {max_bytes} bytes; split it or use --input-format jsonl")
    return decode_utf8(data, name)


class NewssiftGroup(click.Group):
    """Turns our exceptions into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
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


def _echo_listing(result) -> None:
    art = result.article
    topic = f"{art.topic} ({art.topic_score:.2f})" if art.topic else "none"
    click.secho(f"article: topic {topic}; {art.n_main} main, {art.n_teaser} teaser, "
                f"{art.n_boilerplate} boilerplate blocks", bold=True)
    for s in result.segments:
        topic = f"{s.topic} {s.topic_score:.2f}" if s.topic else "-"
        text = s.text if len(s.text) <= 100 else s.text[:99] + "…"
        click.echo(click.style(f"{s.index:>4} {s.role:<11} {s.role_score:.2f}  {topic:<19}",
                               fg=ROLE_COLOURS[s.role]) + text)


@click.command()
@click.argument("source", default="-")
@click.option("--model", "model_path", type=click.Path(), default=None,
              help="Model directory (default: the shipped models/default).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None,
              help="Output format; default: a coloured listing on a terminal, JSON in a pipe.")
@click.option("--input-format", type=click.Choice(["text", "jsonl"]), default="text",
              help="text: SOURCE is one article. jsonl: one {\"id\", \"text\"} object per line.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=64, show_default=True,
              help="Documents labelled together in jsonl mode.")
@click.option("--main-threshold", type=float, default=None,
              help="P(main) from which a block is main story (default 0.5; lower keeps more).")
@click.option("--keep-comments", is_flag=True,
              help="Keep user-comment threads that P(main) calls main (default: they are boilerplate).")
@click.option("--corrections", "corrections_path", type=click.Path(dir_okay=False), default=None,
              help="Apply stored corrections (JSONL, the GET /v1/labels export).")
@click.option("--site", default=None,
              help="The site the text comes from, for site-scoped corrections (jsonl: a 'site' field).")
def classify(source: str, model_path: str | None, fmt: str | None, input_format: str,
             batch_size: int, main_threshold: float | None, keep_comments: bool,
             corrections_path: str | None, site: str | None) -> None:
    """Label the blocks of SOURCE (a file, or - for stdin)."""
    if main_threshold is not None:
        from newssift.classifier.decision import check_main_threshold

        check_main_threshold(main_threshold)  # before loading the model, not after
    memory = None
    if corrections_path is not None:
        from newssift.classifier.textio import read_corrections

        memory = read_corrections(corrections_path)
    if input_format == "jsonl":
        from newssift.classifier.stream import classify_jsonl

        model = _load(model_path)
        decision = model.decision_for(main_threshold, keep_comments)
        if source == "-":
            errors = classify_jsonl(model, sys.stdin.buffer, sys.stdout, batch_size, "stdin",
                                    decision, memory)
        else:
            try:
                handle = open(source, "rb")
            except OSError as exc:
                raise InvalidInput(f"{source}: {exc.strerror.lower()}") from None
            with handle:
                errors = classify_jsonl(model, handle, sys.stdout, batch_size, source, decision,
                                        memory)
        if errors:
            click.echo(f"newssift: {errors} line(s) could not be labelled; see their error records",
                       err=True)
        return
    text = read_text(source)
    model = _load(model_path)
    result = model.segment(text, model.decision_for(main_threshold, keep_comments), memory, site)
    if fmt is None:
        fmt = "text" if sys.stdout.isatty() else "json"
    if fmt == "json":
        click.echo(result.to_json())
    else:
        _echo_listing(result)
