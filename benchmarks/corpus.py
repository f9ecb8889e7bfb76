"""What the throughput benchmarks share: the corpus they label and a timer.

The corpus: real pages from ../shared/data/blocks (one block per line, as a
scraper gives them) when present, else the project's own example articles.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK_SOURCES = ("utomo-chaos", "modern2026", "readability", "cleanportaleval")


def own_articles() -> list[str]:
    paths = [ROOT / "examples" / "article.txt", *sorted((ROOT / "tests" / "fixtures").glob("*.txt"))]
    return [p.read_text(encoding="utf-8") for p in paths]


def build_corpus(n_docs: int) -> list[str]:
    blocks_dir = ROOT.parent / "shared" / "data" / "blocks"
    texts: list[str] = []
    if blocks_dir.is_dir():
        for name in BLOCK_SOURCES:
            with gzip.open(blocks_dir / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
                for line in handle:
                    texts.append("\n".join(b["text"] for b in json.loads(line)["blocks"]))
                    if len(texts) >= n_docs:
                        return texts
    own = own_articles()
    while len(texts) < n_docs:
        texts.append(own[len(texts) % len(own)])
    return texts


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
