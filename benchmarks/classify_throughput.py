"""Throughput of `newssift classify --input-format jsonl` on one core, beside jusText and
scikit-learn's bare TfidfVectorizer.transform on the same blocks, one after the other.

    python benchmarks/classify_throughput.py [--docs 2000] [--model models/default]

The corpus: real pages from ../shared/data/blocks (one block per line, as a scraper
gives them) when present, else the project's own example articles repeated.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # one core, for every library, before numpy is imported

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

from corpus import build_corpus, timed  # noqa: E402

from newssift import load_model, segment  # noqa: E402
from newssift.classifier.stream import classify_jsonl  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--skip-justext", action="store_true")
    args = parser.parse_args()

    texts = build_corpus(args.docs)
    jsonl = "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                    for i, t in enumerate(texts)).encode("utf-8")
    text_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    blocks = [b.text for t in texts for b in segment(t)]
    model = load_model(args.model)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"corpus: {len(texts)} documents, {len(blocks)} blocks, {text_mb:.2f} MB of text; one core")

    rows = []

    def run_newssift():
        classify_jsonl(model, io.BytesIO(jsonl), io.StringIO(), batch_size=64)

    run_newssift()  # warm-up
    rows.append(("newssift classify (JSONL mode)", timed(run_newssift, 2)))

    from sklearn.feature_extraction.text import TfidfVectorizer

    featurizer = model.featurizer
    bare = TfidfVectorizer(vocabulary=featurizer.vocabulary_, ngram_range=featurizer.ngram_range,
                           sublinear_tf=True, dtype=np.float32).fit(blocks[:1000])
    rows.append(("bare TfidfVectorizer.transform", timed(lambda: bare.transform(blocks), 2)))

    if not args.skip_justext:
        from newssift.training.baselines import justext_keep

        docs = [[b.text for b in segment(t)] for t in texts]
        rows.append(("jusText (blocks as <p>)", timed(lambda: [justext_keep(d) for d in docs])))

    print(f"{'':34}{'seconds':>9}{'MB/s':>8}{'docs/s':>9}{'blocks/s':>10}")
    for name, secs in rows:
        print(f"{name:34}{secs:9.2f}{text_mb / secs:8.2f}{len(texts) / secs:9.0f}"
              f"{len(blocks) / secs:10.0f}")
    ours = rows[0][1]
    print(f"newssift vs bare transform: {rows[1][1] / ours:.2f}x its speed")
    if len(rows) > 2:
        print(f"newssift vs jusText: {rows[2][1] / ours:.2f}x its speed")


if __name__ == "__main__":
    main()
