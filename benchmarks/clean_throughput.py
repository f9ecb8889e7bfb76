"""Throughput and peak memory of `newssift clean` with 1 and 2 workers, beside jusText and
scikit-learn's bare TfidfVectorizer.transform on the same blocks, one after the other.

    python benchmarks/clean_throughput.py [--docs 2000] [--model DIR] [--memory 10000,100000]

The corpus: real pages from ../shared/data/blocks (one block per line, as a scraper gives
them) when present, else the project's example articles repeated; it is written to a
temporary folder, never into the repository.  Each `clean` run is a fresh
`python -m newssift.clean` process, run as a user types it, with no thread variables set
(the command limits its native threads itself); its figures come from the summary it
writes (cleaning time including the workers' start, peak resident memory of the parent
and of the largest worker).  A run on a tiny corpus measures that fixed start cost, which is also shown
taken out.  --memory runs the 2-worker command on N small documents (a few lines of the
example articles each) to check that memory stays flat as the corpus grows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from corpus import build_corpus, own_articles, timed  # noqa: E402

from newssift import load_model, segment  # noqa: E402

FIXED_COST_DOCS = 16
SMALL_DOC_LINES = 4
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def user_env() -> dict[str, str]:
    """The environment a user's shell gives: no thread variables (the command limits its own)."""
    return {k: v for k, v in os.environ.items() if k not in THREAD_VARS}


def write_small_corpus(path: Path, n_docs: int) -> None:
    """N documents of a few consecutive lines of the example articles, written line by line."""
    lines = [line for text in own_articles() for line in text.splitlines() if line.strip()]
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n_docs):
            start = (i * 3) % (len(lines) - SMALL_DOC_LINES)
            text = "\n".join(lines[start:start + SMALL_DOC_LINES]) + f"\nStory {i}."
            handle.write(json.dumps({"id": i, "text": text}) + "\n")


def write_jsonl(texts: list[str], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            handle.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")


def run_clean(corpus: Path, out: Path, workers: int, model: str | None) -> dict:
    cmd = [sys.executable, "-m", "newssift.clean", str(corpus), "-o", str(out), "--workers", str(workers),
           "--no-progress", "--overwrite"]
    if model:
        cmd += ["--model", model]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=user_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"clean failed: {proc.stderr.strip()}")
    summary = json.loads(out.with_name(out.name.removesuffix(".jsonl") + ".summary.json").read_text())
    return {"wall": wall, **summary["this_run"]}




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--model", default=None, help="model directory (default: models/default)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated")
    parser.add_argument("--skip-justext", action="store_true")
    parser.add_argument("--memory", default="", help="e.g. 10000,100000: peak memory on N small docs")
    args = parser.parse_args()

    texts = build_corpus(args.docs)
    text_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    blocks = [b.text for t in texts for b in segment(t)]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"corpus: {len(texts)} documents, {len(blocks)} blocks, {text_mb:.2f} MB of text")

    rows: list[tuple[str, float, str]] = []
    clean_secs: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="newssift-bench-") as tmp:
        tmp_dir = Path(tmp)
        corpus = tmp_dir / "corpus.jsonl"
        write_jsonl(texts, corpus)
        tiny = tmp_dir / "tiny.jsonl"
        write_jsonl(texts[:FIXED_COST_DOCS], tiny)
        for workers in (int(w) for w in args.workers.split(",")):
            fixed = run_clean(tiny, tmp_dir / "tiny-out.jsonl", workers, args.model)["seconds"]
            run = run_clean(corpus, tmp_dir / f"out-{workers}.jsonl", workers, args.model)
            mem = run["peak_memory_mb"]
            steady = max(run["seconds"] - fixed, 1e-9)
            clean_secs[workers] = steady
            peak = f"parent {mem['main']:.0f} MB, largest worker {mem['largest_worker']:.0f} MB"
            rows.append((f"newssift clean --workers {workers}", run["seconds"], peak))
            rows.append((f"  same, less {fixed:.1f} s start", steady, ""))

        model = load_model(args.model)
        batch = 64
        rows.append(("model.segment_many alone, 1 core",
                     timed(lambda: [model.segment_many(texts[i:i + batch])
                                    for i in range(0, len(texts), batch)]), ""))

        from sklearn.feature_extraction.text import TfidfVectorizer

        featurizer = model.featurizer
        bare = TfidfVectorizer(vocabulary=featurizer.vocabulary_, ngram_range=featurizer.ngram_range,
                               sublinear_tf=True, dtype=np.float32).fit(blocks[:1000])
        bare_secs = timed(lambda: bare.transform(blocks), 2)
        rows.append(("bare TfidfVectorizer.transform", bare_secs, ""))
        justext_secs = None
        if not args.skip_justext:
            from newssift.training.baselines import justext_keep

            docs = [[b.text for b in segment(t)] for t in texts]
            justext_secs = timed(lambda: [justext_keep(d) for d in docs])
            rows.append(("jusText (blocks as <p>)", justext_secs, ""))

        print(f"{'':38}{'seconds':>9}{'MB/s':>8}{'docs/s':>9}  peak memory")
        for name, secs, peak in rows:
            print(f"{name:38}{secs:9.2f}{text_mb / secs:8.2f}{len(texts) / secs:9.0f}  {peak}")
        one = clean_secs.get(1)
        if one:
            print(f"1 worker vs bare transform: {bare_secs / one:.2f}x its speed (target >= 0.70)")
            if justext_secs:
                print(f"1 worker vs jusText: {justext_secs / one:.2f}x its speed (target >= 3)")
            if 2 in clean_secs:
                print(f"2 workers vs 1: {one / clean_secs[2]:.2f}x (target >= 1.7)")

        sizes = [int(n) for n in args.memory.split(",") if n]
        peaks = []
        for n in sizes:
            small = tmp_dir / f"small-{n}.jsonl"
            write_small_corpus(small, n)
            run = run_clean(small, tmp_dir / f"small-{n}-out.jsonl", 2, args.model)
            mem = run["peak_memory_mb"]
            peaks.append(mem["main"] + 2 * mem["largest_worker"])
            print(f"{n:>8} small documents, 2 workers: {run['seconds']:.1f} s, {run['docs_per_second']:.0f} "
                  f"docs/s; peak parent {mem['main']:.0f} MB, largest worker {mem['largest_worker']:.0f} MB")
        if len(peaks) > 1:
            print(f"peak memory, largest vs smallest corpus (parent + 2 workers): "
                  f"{peaks[-1] / peaks[0]:.3f}x (target <= 1.10)")


if __name__ == "__main__":
    main()
