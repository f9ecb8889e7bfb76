"""The ``newssift`` command: classify, train, evaluate (and serve, from the service package).

Every user-fixable failure becomes one line, ``newssift: <message>``, on stderr
and a non-zero exit; tracebacks are for bugs only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from classifier.errors import InvalidInput, NewssiftError
from classifier.textio import decode_utf8

__all__ = ["main", "cli"]

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


@click.group(cls=NewssiftGroup)
@click.version_option(package_name="newssift")
def cli() -> None:
    """Label every block of scraped news text: main story, teaser or boilerplate, and its topic."""


def _load(model_path: str | None):
    from classifier.persist import load_model

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


@cli.command()
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
def classify(source: str, model_path: str | None, fmt: str | None, input_format: str,
             batch_size: int, main_threshold: float | None, keep_comments: bool) -> None:
    """Label the blocks of SOURCE (a file, or - for stdin)."""
    if main_threshold is not None:
        from classifier.model import check_main_threshold

        check_main_threshold(main_threshold)  # before loading the model, not after
    if input_format == "jsonl":
        from classifier.stream import classify_jsonl

        model = _load(model_path).with_decision(main_threshold, keep_comments)
        if source == "-":
            errors = classify_jsonl(model, sys.stdin.buffer, sys.stdout, batch_size, "stdin")
        else:
            try:
                handle = open(source, "rb")
            except OSError as exc:
                raise InvalidInput(f"{source}: {exc.strerror.lower()}") from None
            with handle:
                errors = classify_jsonl(model, handle, sys.stdout, batch_size, source)
        if errors:
            click.echo(f"newssift: {errors} line(s) could not be labelled; see their error records",
                       err=True)
        return
    text = read_text(source)
    model = _load(model_path).with_decision(main_threshold, keep_comments)
    result = model.segment(text)
    if fmt is None:
        fmt = "text" if sys.stdout.isatty() else "json"
    if fmt == "json":
        out = result.to_dict()
        out["model"] = model.version
        click.echo(json.dumps(out, ensure_ascii=False))
    else:
        _echo_listing(result)


@cli.command()
@click.option("--config", "config_path", type=click.Path(), default="training/configs/default.toml",
              show_default=True, help="Training configuration (TOML).")
@click.option("--out", "out_dir", type=click.Path(), required=True, help="Model directory to write.")
@click.option("--labels", "labels_files", type=click.Path(), multiple=True,
              help="Extra labelled documents (JSONL, the format GET /v1/labels exports).")
@click.option("--evaluate/--no-evaluate", default=True, show_default=True,
              help="Score the new model on held-out data and store the figures in its manifest.")
def train(config_path: str, out_dir: str, labels_files: tuple[str, ...], evaluate: bool) -> None:
    """Train a model and write it, with its manifest and model card, to --out."""
    from classifier.persist import check_output_dir
    from training.card import write_trained_model
    from training.config import load_config

    check_output_dir(Path(out_dir))  # before a long training run, not after it
    cfg = load_config(config_path)
    missing = [p for p in labels_files if not Path(p).is_file()]
    if missing:
        raise InvalidInput(f"{missing[0]}: no such labels file")
    path = write_trained_model(cfg, Path(out_dir), [Path(p) for p in labels_files],
                               evaluate=evaluate, config_path=config_path)
    click.echo(f"model written to {path}")


@cli.command()
@click.option("--model", "model_path", type=click.Path(), default=None,
              help="Model directory (default: the shipped models/default).")
@click.option("--config", "config_path", type=click.Path(), default=None,
              help="Training config for the leave-one-dataset-out folds (default: the model's own).")
@click.option("--lodo/--no-lodo", default=True, show_default=True,
              help="Retrain per held-out block source (several minutes on the full data).")
@click.option("--json-out", type=click.Path(), default=None, help="Also write the figures as JSON.")
@click.option("--record", is_flag=True,
              help="Store the figures in the model's manifest, EVALUATION.txt and EVALUATION_LODO.txt.")
def evaluate(model_path: str | None, config_path: str | None, lodo: bool, json_out: str | None,
             record: bool) -> None:
    """Print per-class precision/recall/F1 for role and topic, and leave-one-dataset-out figures."""
    from classifier.persist import default_model_dir
    from training.card import evaluate_model, record_evaluation

    if record and not lodo:
        fail("--record stores a full evaluation: it needs the leave-one-dataset-out run (drop --no-lodo)")
    model = _load(model_path)
    report = evaluate_model(model, model_path, config_path, lodo=lodo, log=click.echo)
    if record:
        record_evaluation(Path(model_path) if model_path else default_model_dir(), report)
    if json_out:
        Path(json_out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    # The service and the batch cleaner add their commands here, not at import of this module,
    # so that `classifier` does not depend on them.
    from clean.cli import clean
    from service.cli import serve

    for command in (serve, clean):
        if command.name not in cli.commands:
            cli.add_command(command)
    cli(prog_name="newssift")


if __name__ == "__main__":
    main()
