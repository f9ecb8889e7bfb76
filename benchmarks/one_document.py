"""Labelling one document at a time against one batch, beside the bare TF-IDF transform of
the same texts, on one thread.

    python benchmarks/one_document.py [--docs 300] [--repeat 3] [--model DIR] [--old DIR]

What a service request or a one-article ``classify`` pays is one ``segment()`` call; a
corpus pays ``segment_many``.  Both are timed on the same held-out pages (Dragnet's, which
no model was trained on, from ../shared/data/blocks), and each is reported as a ratio to
scikit-learn's ``TfidfVectorizer.transform`` of the same texts taken the same way (one at
a time, or at once), timed in the same run: figures from a loaded or a faster machine
stay comparable.  Runs alternate and the best of ``--repeat`` counts, in wall time and
in this process's CPU time (one thread: on a machine shared with other work, CPU time
moves less than wall time).  Each newssift run
is timed with both tree walkers: the numpy one (what a command or a script that has not
imported scikit-learn gets) and scikit-learn's compiled one (what a service worker gets
after ``warm()``, and what the pickled models before the array format used).

``--old DIR``: also time the pickled model of the package before the array format (issue
21, item 15: one document at a time must not be slower than with it), from a checkout of
commit 164dd94, the last with it (``git archive 164dd94 | tar -x -C DIR``: its
``classifier`` package and ``models/default/model.joblib``), in the same runs, and report
newssift's times as ratios to its.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = ROOT.parent / "shared" / "data" / "blocks"
SOURCE = "dragnet"  # never trained on: held-out pages
PAGE_BLOCKS = 106  # the single page timed alone: the one with the number of blocks nearest this
PAGE_TIMES = 50  # ... labelled this many times a run


def held_out_pages(n: int) -> list[str] | None:
    path = BLOCKS / f"{SOURCE}.jsonl.gz"
    if not path.is_file():
        return None
    texts: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            texts.append("\n".join(b["text"] for b in json.loads(line)["blocks"]))
            if len(texts) >= n:
                break
    return texts


def alternate(runs: dict[str, Callable[[], object]], repeat: int,
              ) -> tuple[dict[str, float], dict[str, float]]:
    """Best wall time and best CPU time of each run, the runs taken in turn ``repeat`` times."""
    wall = dict.fromkeys(runs, float("inf"))
    cpu = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, fn in runs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[name] = min(wall[name], time.perf_counter() - start)
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default=None)
    parser.add_argument("--old", default=None, help="a checkout of commit 164dd94 (the pickled model)")
    args = parser.parse_args()

    texts = held_out_pages(args.docs)
    if texts is None:
        print(f"skipped: {BLOCKS / (SOURCE + '.jsonl.gz')} is not beside the project "
              "(the held-out pages this benchmark labels)")
        return 0

    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from threadpoolctl import threadpool_limits

    from newssift import load_model, segment

    model = load_model(args.model).warm()
    old = pickled_model(Path(args.old)) if args.old else None
    heads = [h for h in (model.main.second_, model.teaser.second_) if h is not None]
    compiled = [h._compiled for h in heads]

    def walker(kind: str, fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            for head, trees in zip(heads, compiled):
                head._compiled = trees if kind == "compiled" else []
            return fn()
        return run

    docs = [[b.text for b in segment(t)] for t in texts]
    page = min(range(len(docs)), key=lambda i: abs(len(docs[i]) - PAGE_BLOCKS))
    tfidf = TfidfVectorizer(ngram_range=tuple(model.featurizer.ngram_range), sublinear_tf=True,
                            vocabulary=model.featurizer.vocabulary_, dtype=np.float32)
    tfidf.fit([t for d in docs for t in d])

    def page_alone(fn: Callable[[], object], times: int = PAGE_TIMES) -> Callable[[], None]:
        def run() -> None:
            for _ in range(times):
                fn()
        return run

    kinds = {
        "one at a time": (lambda: [tfidf.transform(d) for d in docs],
                          lambda: [model.segment(t) for t in texts]),
        "batched": (lambda: tfidf.transform([t for d in docs for t in d]),
                    lambda: model.segment_many(texts)),
        "one page x50": (page_alone(lambda: tfidf.transform(docs[page])),
                         page_alone(lambda: model.segment(texts[page]))),
    }
    theirs = {"one at a time": lambda: [old.segment(t) for t in texts],
              "batched": lambda: old.segment_many(texts),
              "one page x50": page_alone(lambda: old.segment(texts[page]))}
    runs: dict[str, Callable[[], object]] = {}
    for kind, (base, ours) in kinds.items():
        runs[f"tfidf {kind}"] = base
        if old is not None:
            runs[f"pickled model {kind}"] = theirs[kind]
        for walk in ("numpy", "compiled"):
            runs[f"newssift {kind}, {walk} walker"] = walker(walk, ours)
    with threadpool_limits(1):
        for fn in runs.values():  # warm-up: first calls build caches
            fn()
        wall, cpu = alternate(runs, args.repeat)

    n_blocks = sum(len(d) for d in docs)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; one thread")
    print(f"pages: {len(texts)} held-out {SOURCE} pages, {n_blocks} blocks; the page alone: "
          f"{len(docs[page])} blocks; best of {args.repeat} alternating runs")
    print(f"{'':42} {'wall s':>8} {'x tfidf':>8} {'CPU s':>8} {'x tfidf':>8}")
    for kind in kinds:
        for name in (f"newssift {kind}, numpy walker", f"newssift {kind}, compiled walker",
                     f"tfidf {kind}"):
            print(f"{name:42} {wall[name]:8.3f} {wall[name] / wall[f'tfidf {kind}']:8.2f} "
                  f"{cpu[name]:8.3f} {cpu[name] / cpu[f'tfidf {kind}']:8.2f}")
    for walk in ("numpy", "compiled"):
        one, batched = (f"newssift {k}, {walk} walker" for k in ("one at a time", "batched"))
        print(f"one at a time / batched, {walk} walker: wall {wall[one] / wall[batched]:.2f}, "
              f"CPU {cpu[one] / cpu[batched]:.2f}")
    if old is not None:
        print(f"{'x the pickled model (CPU)':42} {'numpy':>8} {'compiled':>8} {'its CPU s':>10}")
        for kind in kinds:
            theirs_cpu = cpu[f"pickled model {kind}"]
            print(f"{kind:42} " + " ".join(
                f"{cpu[f'newssift {kind}, {walk} walker'] / theirs_cpu:8.2f}"
                for walk in ("numpy", "compiled")) + f" {theirs_cpu:10.3f}")
    return 0


def pickled_model(checkout: Path) -> object:
    """The pickled default model of the package before the array format, with that
    package's code (its top-level ``classifier``), from a checkout of commit 164dd94."""
    if not (checkout / "models" / "default" / "model.joblib").is_file():
        sys.exit(f"one_document: {checkout} holds no models/default/model.joblib; make it with "
                 f"git archive 164dd94 | tar -x -C {checkout}")
    sys.path.insert(0, str(checkout))
    from classifier.persist import load_model as load_pickled  # the old package's

    return load_pickled(checkout / "models" / "default")


if __name__ == "__main__":
    sys.exit(main())
