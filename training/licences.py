"""Where a model's training data comes from and under what terms: the licence table the
manifest and the model card print, one line per source the config reads."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from newssift.training.config import TrainConfig

__all__ = ["SOURCES", "sources_used"]

SOURCES = {
    "blocks/cleaneval": "CleanEval 2007 (Baroni et al.); no licence stated, research use",
    "blocks/cleanportaleval": "CleanPortalEval (Endrédy & Novák 2013); no licence stated, research use",
    "blocks/readability": "mozilla/readability test pages; Apache-2.0",
    "blocks/canola": "KrdWrd CANOLA corpus; CC BY-SA 4.0",
    "blocks/utomo-big9": "Utomo & Leu extraction data; research use only",
    "blocks/utomo-chaos": "Utomo & Leu extraction data; research use only",
    "blocks/modern2026": "tiptopjaw/web-content-extraction-benchmark; Apache-2.0",
    "blocks/htmltotext-multi": "leogao2/htmltotext-benchmark; no licence stated",
    "topics/huffpost": "HuffPost News Category Dataset v3 (R. Misra); CC BY 4.0",
    "topics/huffpost-headlines": "HuffPost News Category (Misra; Bao et al. 2020 sample); CC BY 4.0",
    "topics/bbc": "BBC News (Greene & Cunningham 2006); research use, content (c) BBC",
    "topics/agnews": "AG's News (Zhang et al. 2015); research / non-commercial use",
    "topics/nyt-frontpage": "NYT front page 1996-2006 (Boydstun), Policy Agendas coding; research use",
    "topics/inshorts": "Inshorts News Data (Kaggle); no licence stated, research use",
    "topics/20news": "20 Newsgroups (Lang 1995); research use",
    "topics/insightcrime": "InSight Crime articles via ConfliBERT (Hu et al. 2022); research use",
    "topics/satp": "South Asia Terrorism Portal reports via ConfliBERT; research use",
    "articles/reuters21578": "Reuters-21578, Distribution 1.0; research use only",
    "articles/bbc2025": "BBC News articles 2024-25 (course project scrape); research use only",
    "training/data/handwritten.jsonl": "written by the newssift developers; MIT",
    "training/data/short_texts.jsonl": "written by the newssift developers; MIT",
}


def sources_used(cfg: TrainConfig, labels_files: Sequence[Path]) -> dict[str, str]:
    """The licence line of every source a run with ``cfg`` (and ``labels_files``) reads."""
    used = {f"blocks/{s}" for s in cfg.block_sources} | {f"topics/{s}" for s in cfg.topic_files}
    used |= {f"articles/{s}" for s in cfg.article_files}
    out = {k: v for k, v in SOURCES.items() if k in used}
    for own in (cfg.handwritten, cfg.short_texts):
        if own:
            out[own] = SOURCES.get(own, "project data")
    for p in labels_files:
        out[str(p)] = "user corrections"
    return out
