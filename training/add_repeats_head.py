"""Give a trained model its site-repeats head, without retraining the rest of it.

    python -m newssift.training.add_repeats_head --model models/default --out models/with-repeats

The head (:mod:`newssift.classifier.repeats`) is fitted on out-of-fold role scores of the
model's own training config (:func:`newssift.training.repeats.repeats_eval`: one fold a
block source with sites, several minutes on 2 cores) and evaluated on held-out sites in
the same run; the figures go to the manifest, EVALUATION_SITE_REPEATS.txt and the card.
Every other part is copied unchanged, so a text labelled alone keeps its labels: the head
moves a block only when a corpus's counts are given (``newssift clean``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from newssift.classifier.errors import NewssiftError, TrainingError
from newssift.classifier.persist import FORMAT_VERSION, read_manifest, save_model
from newssift.training.config import TrainConfig, config_from_manifest
from newssift.training.model_card import model_card
from newssift.training.repeats import NoRepeatRows, format_repeats, repeats_eval

__all__ = ["add_repeats_head", "EVALUATION_FILE"]

EVALUATION_FILE = "EVALUATION_SITE_REPEATS.txt"


def add_repeats_head(model_dir: Path, out_dir: Path, cfg: TrainConfig | None = None,
                     log=print, pages: dict | None = None) -> Path:
    """``model_dir``'s model with a site-repeats head fitted for it, saved to ``out_dir``
    (``pages``: :func:`~newssift.training.repeats.repeat_pages` already computed for it)."""
    from newssift.classifier.persist import load_model

    model = load_model(model_dir)
    cfg = cfg or config_from_manifest(model_dir)
    try:
        report, head = repeats_eval(cfg, model, log=log, pages=pages)
    except NoRepeatRows as exc:
        raise TrainingError(f"{exc} (the config's block sources: "
                            f"{', '.join(cfg.block_sources) or 'none'})") from exc
    log(format_repeats(report))
    model.repeats = head
    manifest = read_manifest(model_dir)
    for stale in ("files", "format_version"):
        manifest.pop(stale, None)
    manifest.setdefault("evaluation", {})["site_repeats"] = report
    manifest.setdefault("refitted", {})["repeats"] = (
        f"added {dt.date.today().isoformat()}: the site-repeats head, fitted on out-of-fold role "
        f"scores of the block sources' sites; the other parts unchanged")
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(model_dir).glob("EVALUATION*.txt"))}
    files[EVALUATION_FILE] = format_repeats(report) + "\n"
    files["MODEL_CARD.md"] = model_card({**manifest, "format_version": FORMAT_VERSION})
    return save_model(model, out_dir, manifest, extra_files=files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, type=Path, help="the trained model directory")
    parser.add_argument("--out", required=True, type=Path, help="where to write the model with the head")
    parser.add_argument("--data", default=None, help="the shared data folder (default: the config's)")
    args = parser.parse_args(argv)
    try:
        cfg = config_from_manifest(args.model)
        if args.data:
            cfg = cfg.replace(data_root=args.data)
        path = add_repeats_head(args.model, args.out, cfg)
    except NewssiftError as exc:
        print(f"newssift: {exc}", file=sys.stderr)
        return 2
    print(f"model written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
