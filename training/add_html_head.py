"""Give a trained model an HTML head without retraining the rest of it.

    python -m newssift.training.add_html_head --model models/default --out models/with-html

A full train builds the HTML head with everything else (:func:`newssift.training.train.train`);
a model trained before there was one, or without raw pages, gets it here: the block pages,
composed pages and labelled documents of its own training config are featurized with *its*
featurizer, and the head is fitted as a full train fits it
(:func:`newssift.training.html_corpus.build_html_head`).  Every other part (featurizer, role
and topic heads, decision) is copied unchanged, so every text keeps its labels; the manifest
records what was added and when.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from newssift.classifier.errors import TrainingError
from newssift.classifier.persist import FORMAT_VERSION, read_manifest, save_model
from newssift.training.base_corpus import featurize_docs, gather_inputs
from newssift.training.config import TrainConfig, config_from_manifest
from newssift.training.html_corpus import build_html_head, html_available
from newssift.training.model_card import model_card

__all__ = ["add_html_head"]


def add_html_head(model_dir: Path, out_dir: Path, cfg: TrainConfig | None = None,
                  progress=print) -> Path:
    """``model_dir``'s model with an HTML head fitted on its own featurizer, saved to ``out_dir``."""
    from newssift.classifier.persist import load_model

    model = load_model(model_dir)
    cfg = cfg or config_from_manifest(model_dir)
    if not html_available(cfg, cfg.block_sources):
        raise TrainingError(f"no raw pages: {cfg.data / 'html'} must hold <source>.jsonl.gz for "
                            f"every block source of the model's config")
    inputs = gather_inputs(cfg, step=progress)
    progress("featurizing with the model's featurizer")
    roles = featurize_docs(model.featurizer, inputs.block + inputs.composed + inputs.labelled)
    block_pages = {s: sum(1 for d in inputs.block if d.source == s) for s in cfg.block_sources}
    head, summary = build_html_head(cfg, roles, block_pages, progress)
    model.html_main = head
    manifest = read_manifest(model_dir)
    for stale in ("files", "format_version"):
        manifest.pop(stale, None)
    manifest.setdefault("training_data", {})["html_head"] = {"trained": True, **summary}
    manifest.setdefault("refitted", {})["html_main"] = (
        f"added {dt.date.today().isoformat()}: the HTML head, fitted on the shipped featurizer "
        f"and out-of-source scores of the block sources' raw pages; the other parts unchanged")
    extra = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(model_dir).glob("EVALUATION*.txt"))}
    extra["MODEL_CARD.md"] = model_card({**manifest, "format_version": FORMAT_VERSION})
    return save_model(model, out_dir, manifest, extra_files=extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--data", default=None, help="the shared data folder (default: the config's)")
    args = parser.parse_args(argv)
    cfg = config_from_manifest(args.model)
    if args.data:
        cfg = cfg.replace(data_root=args.data)
    out = add_html_head(args.model, args.out, cfg, progress=lambda s: print(s, file=sys.stderr, flush=True))
    print(f"model written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
