"""``newssift train`` and ``newssift evaluate``: the training part's commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from newssift.classifier.cli import _load, fail
from newssift.classifier.errors import InvalidInput

__all__ = ["train", "evaluate"]

DATA_HELP = "Shared training data [$NEWSSIFT_DATA, else the checkout's ../shared/data]."


@click.command()
@click.option("--config", "config_path", type=click.Path(), default="training/configs/default.toml",
              show_default=True, help="Training configuration (TOML).")
@click.option("--out", "out_dir", type=click.Path(), required=True, help="Model directory to write.")
@click.option("--labels", "labels_files", type=click.Path(), multiple=True,
              help="Extra labelled documents (JSONL, the format GET /v1/labels exports).")
@click.option("--evaluate/--no-evaluate", default=True, show_default=True,
              help="Score the new model on held-out data and store the figures in its manifest.")
@click.option("--data", type=click.Path(file_okay=False), default=None, help=DATA_HELP)
@click.option("--base", "base_dir", type=click.Path(file_okay=False), default=None,
              help="Adapt this trained model to --labels (seconds) instead of training from scratch.")
@click.option("--site-repeats", is_flag=True,
              help="Also fit the site-repeats head `clean` reads a corpus's repeated lines with, "
                   "on out-of-fold scores of the block sources' sites (a model trained without "
                   "each source with sites: about as long again as the training).")
def train(config_path: str, out_dir: str, labels_files: tuple[str, ...], evaluate: bool,
          data: str | None, base_dir: str | None, site_repeats: bool) -> None:
    """Train a model and write it, with its manifest and model card, to --out.

    With --base, adapt an existing model to the corrections in --labels instead: its fitted
    parts stay as they are, and an adapter learns the corrections on top, per site."""
    from newssift.classifier.persist import check_output_dir

    check_output_dir(Path(out_dir))  # before a long training run, not after it
    missing = [p for p in labels_files if not Path(p).is_file()]
    if missing:
        raise InvalidInput(f"{missing[0]}: no such labels file")
    if base_dir is not None and site_repeats:
        raise InvalidInput("--site-repeats fits the head for a model trained from data; an adapted "
                           "model keeps its --base model's head")
    if base_dir is not None:
        from newssift.training.adapt import write_adapted_model

        if not labels_files:
            raise InvalidInput("--base adapts a model to corrections: give them with --labels FILE")
        path = write_adapted_model(Path(base_dir), [Path(p) for p in labels_files], Path(out_dir))
        click.echo(f"adapted model written to {path}")
        return
    from newssift.classifier.resources import shared_data_dir
    from newssift.training.card import write_trained_model
    from newssift.training.config import load_config

    cfg = load_config(config_path)
    if data:
        cfg = cfg.replace(data_root=data)
        shared_data_dir(data)  # named, it must be there, whatever the config reads from it
    cfg.data  # noqa: B018 - missing data is one line now, not after the progress bar is drawn
    if site_repeats and not cfg.block_sources:
        raise InvalidInput(f"--site-repeats learns from the block sources' sites: {config_path} "
                           f"names none")
    path = write_trained_model(cfg, Path(out_dir), [Path(p) for p in labels_files],
                               evaluate=evaluate, config_path=config_path)
    if site_repeats:
        from newssift.classifier.errors import NewssiftError, TrainingError
        from newssift.training.add_repeats_head import add_repeats_head

        try:
            add_repeats_head(path, path, cfg, log=click.echo)
        except NewssiftError as exc:
            raise TrainingError(f"model written to {path} without a site-repeats head: {exc}") from exc
    click.echo(f"model written to {path}")


@click.command()
@click.option("--model", "model_path", type=click.Path(), default=None,
              help="Model directory (default: the shipped models/default).")
@click.option("--config", "config_path", type=click.Path(), default=None,
              help="Training config for the leave-one-dataset-out folds (default: the model's own).")
@click.option("--lodo/--no-lodo", default=True, show_default=True,
              help="Retrain per held-out block source (several minutes on the full data).")
@click.option("--json-out", type=click.Path(), default=None, help="Also write the figures as JSON.")
@click.option("--record", is_flag=True,
              help="Store the figures in the model's manifest, EVALUATION.txt and EVALUATION_LODO.txt.")
@click.option("--data", type=click.Path(file_okay=False), default=None, help=DATA_HELP)
@click.option("--input", "input_kind", type=click.Choice(["text", "html"]), default="text",
              show_default=True,
              help="html: leave-one-source-out on the raw pages (data/html), newssift reading the "
                   "HTML beside trafilatura, readability-lxml and jusText (pip install "
                   "newssift[compare]) and beside newssift reading the text (an hour on 2 cores).")
@click.option("--sandwich", is_flag=True,
              help="Only the boilerplate lines around held-out stories: navigation, bylines, share "
                   "bars, \"Advertisement\", sign-up prompts, cookie notices put where news pages "
                   "put them; the share called main in each place, beside jusText (a minute; "
                   "--record stores it in EVALUATION_SANDWICH.txt).")
@click.option("--site-repeats", is_flag=True,
              help="Only the site-repeats head: on pages of sites with 5+ pages, each site's lines "
                   "counted as `clean` counts a corpus, token F1 with the model alone, the bare "
                   "repeated-line rule and the head fitted without the source scored (several "
                   "minutes; --record stores it in EVALUATION_SITE_REPEATS.txt).")
def evaluate(model_path: str | None, config_path: str | None, lodo: bool, json_out: str | None,
             record: bool, data: str | None, input_kind: str, sandwich: bool,
             site_repeats: bool) -> None:
    """Print per-class precision/recall/F1 for role and topic, and leave-one-dataset-out figures
    (by source and by page language)."""
    from newssift.classifier.persist import default_model_dir
    from newssift.training.card import (
        evaluate_html,
        evaluate_model,
        evaluate_repeats,
        evaluate_sandwich,
        record_evaluation,
        record_html_evaluation,
        record_repeats_evaluation,
        record_sandwich_evaluation,
    )

    if sandwich and input_kind == "html":
        fail("--sandwich labels text blocks: drop --input html")
    if site_repeats and (sandwich or input_kind == "html"):
        fail("--site-repeats is an evaluation of its own: drop --sandwich and --input html")
    if record and not lodo and not sandwich and not site_repeats:
        fail("--record stores a full evaluation: it needs the leave-one-dataset-out run (drop --no-lodo)")
    model = _load(model_path)
    model_dir = Path(model_path) if model_path else default_model_dir()
    if site_repeats:
        report = evaluate_repeats(model, model_dir, config_path, log=click.echo, data=data)
        if record:
            record_repeats_evaluation(model_dir, report)
    elif sandwich:
        report = evaluate_sandwich(model, model_dir, config_path, log=click.echo, data=data)
        if record:
            record_sandwich_evaluation(model_dir, report)
    elif input_kind == "html":
        report = evaluate_html(model_dir, config_path, log=click.echo, data=data)
        if record:
            record_html_evaluation(model_dir, report)
    else:
        report = evaluate_model(model, model_path, config_path, lodo=lodo, log=click.echo, data=data)
        if record:
            record_evaluation(model_dir, report)
    if json_out:
        Path(json_out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
