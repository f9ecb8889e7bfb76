"""Where the HTML path starts: today's text model on raw pages, against the same model on the
block files and against trafilatura on the same HTML.

    python benchmarks/html_extractors.py [--sources cleaneval,dragnet] [--limit N]
        [--model models/default] [--json-out FILE]

For every page of ``../shared/data/html`` (issue 23, item 1) and its record in
``../shared/data/blocks`` (same ids, same order), three outputs are scored against the page's
gold text by bag-of-words token F1 (``newssift.training.metrics``: letters and digits
lower-cased, each CJK character a token; the data README's scoring):

- **html**: the page through ``newssift.classifier.html.read_page`` (the one reader of
  ``classify --input-format html``, ``clean`` and the service), labelled by the model with the
  page's markup (its HTML head, when it has one); the article text.
- **blocks**: the block file's texts, one a line, labelled by the same model; the article text.
- **trafilatura**: ``trafilatura.extract`` on the same HTML, default settings.

Pages with an empty gold (14, annotators marked no content) are left out, as the data README
advises.  Per source the mean page F1; overall the mean of the sources' means (their gold
definitions differ, so pages are not pooled) and, for reference, the mean over all pages.
The table also gives how many pages' converted blocks equal the block file's exactly, and
the CPU seconds of the converter and of trafilatura (one process; a shared machine moves
wall time more than CPU time).

The shipped model was trained on the block files of every source but dragnet: its scores
on the other eight are in-sample (their leave-one-source-out figures are in
models/default/EVALUATION_LODO.txt); dragnet is the held-out source here.

trafilatura is not a dependency of newssift: ``pip install trafilatura`` to run this.
Without it, or without the data, the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SOURCES = ("cleaneval", "cleanportaleval", "dragnet", "readability", "canola", "utomo-big9",
           "utomo-chaos", "modern2026", "htmltotext-multi")
BATCH_PAGES = 32  # pages labelled together (the model is much faster in batches)
SYSTEMS = ("html", "blocks", "trafilatura")


@dataclass
class SourceScores:
    source: str
    f1: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SYSTEMS})
    same_blocks: int = 0
    refused: int = 0  # pages the converter refused (counted as empty output)
    empty_gold: int = 0
    html_mb: float = 0.0
    convert_cpu: float = 0.0
    trafilatura_cpu: float = 0.0

    def mean(self, system: str) -> float:
        values = self.f1[system]
        return sum(values) / len(values) if values else float("nan")


def trafilatura_missing() -> bool:
    """True, saying so, when trafilatura (not a dependency of newssift) is not installed."""
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        print("skipped: trafilatura is not installed (pip install trafilatura; it is not a "
              "dependency of newssift)")
        return True
    return False


def pages(source: str, limit: int | None) -> Iterator[tuple[dict, dict]]:
    """(html record, block record) of a source's pages, in order, joined by id."""
    with gzip.open(DATA / "html" / f"{source}.jsonl.gz", "rt", encoding="utf-8") as html_file, \
            gzip.open(DATA / "blocks" / f"{source}.jsonl.gz", "rt", encoding="utf-8") as block_file:
        for html_line, block_line in islice(zip(html_file, block_file), limit):
            page, blocks = json.loads(html_line), json.loads(block_line)
            if page["id"] != blocks["id"]:
                raise SystemExit(f"{source}: ids out of step ({page['id']} / {blocks['id']}); "
                                 f"the html and blocks files must be of the same build")
            yield page, blocks


def score_source(model, source: str, limit: int | None) -> SourceScores:
    import trafilatura

    from newssift.classifier.errors import InvalidInput
    from newssift.classifier.html import read_page
    from newssift.training.metrics import counter_f1, tokens

    scores = SourceScores(source)

    def run(batch: list[tuple[dict, dict]]) -> None:
        html_texts, markups, block_texts, traf_texts = [], [], [], []
        for page, blocks in batch:
            start = time.process_time()
            try:
                converted = read_page(page["html"])
            except InvalidInput:
                converted = None
                scores.refused += 1
            scores.convert_cpu += time.process_time() - start
            texts = [b["text"] for b in blocks["blocks"]]
            scores.same_blocks += converted is not None and converted.text == "\n".join(texts)
            html_texts.append("" if converted is None else converted.text)
            markups.append(None if converted is None else converted.markup)
            block_texts.append("\n".join(texts))
            start = time.process_time()
            traf_texts.append(trafilatura.extract(page["html"]) or "")
            scores.trafilatura_cpu += time.process_time() - start
            scores.html_mb += len(page["html"].encode("utf-8")) / 1e6
        labelled = {"html": model.segment_many_dicts(html_texts, segments=False, markup=markups),
                    "blocks": model.segment_many_dicts(block_texts, segments=False)}
        for i, (page, _) in enumerate(batch):
            gold = Counter(tokens(page["gold"]))
            outputs = {"html": labelled["html"][i]["article"]["text"],
                       "blocks": labelled["blocks"][i]["article"]["text"], "trafilatura": traf_texts[i]}
            for system, text in outputs.items():
                scores.f1[system].append(counter_f1(Counter(tokens(text)), gold))

    batch = []
    for page, blocks in pages(source, limit):
        if not page["gold"].strip():
            scores.empty_gold += 1
            continue
        batch.append((page, blocks))
        if len(batch) == BATCH_PAGES:
            run(batch)
            batch = []
    if batch:
        run(batch)
    return scores


def table(results: list[SourceScores]) -> list[str]:
    lines = [f"  {'source':<18}{'pages':>6}{'html':>8}{'blocks':>8}{'trafil.':>9}"
             f"{'same blocks':>13}{'HTML MB':>9}{'convert s':>11}{'trafil. s':>11}"]
    for r in results:
        n = len(r.f1["html"])
        lines.append(f"  {r.source:<18}{n:>6}{r.mean('html'):>8.3f}{r.mean('blocks'):>8.3f}"
                     f"{r.mean('trafilatura'):>9.3f}{r.same_blocks:>8}/{n:<4}{r.html_mb:>9.1f}"
                     f"{r.convert_cpu:>11.1f}{r.trafilatura_cpu:>11.1f}")
    macro = {s: sum(r.mean(s) for r in results) / len(results) for s in SYSTEMS}
    pooled = {s: [v for r in results for v in r.f1[s]] for s in SYSTEMS}
    n = len(pooled["html"])
    lines.append(f"  {'mean of sources':<18}{n:>6}" + "".join(f"{macro[s]:>{w}.3f}"
                                                            for s, w in zip(SYSTEMS, (8, 8, 9))))
    lines.append(f"  {'all pages':<18}{n:>6}" + "".join(f"{sum(pooled[s]) / n:>{w}.3f}"
                                                      for s, w in zip(SYSTEMS, (8, 8, 9))))
    mb = sum(r.html_mb for r in results)
    conv, traf = sum(r.convert_cpu for r in results), sum(r.trafilatura_cpu for r in results)
    lines.append(f"  throughput (CPU): converter {mb / conv:.1f} MB/s, trafilatura {mb / traf:.1f} MB/s "
                 f"of HTML ({mb:.0f} MB)")
    refused = sum(r.refused for r in results)
    lines.append(f"  pages left out for an empty gold: {sum(r.empty_gold for r in results)}; "
                 f"pages the converter refused: {refused}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", default=",".join(SOURCES))
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each source")
    parser.add_argument("--model", default=None, help="model directory (default: the shipped one)")
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args(argv)
    if trafilatura_missing():
        return 0
    if not (DATA / "html").is_dir() or not (DATA / "blocks").is_dir():
        print(f"skipped: {DATA}/html and {DATA}/blocks are not beside the project (check out "
              f"the shared data as ../shared)")
        return 0
    from newssift.classifier.bulk import limit_threads
    from newssift.classifier.persist import load_model

    limit_threads()
    model = load_model(args.model)
    results = []
    for source in args.sources.split(","):
        done = score_source(model, source, args.limit)
        results.append(done)
        print(f"  {source}: " + ", ".join(f"{s} {done.mean(s):.3f}" for s in SYSTEMS), file=sys.stderr,
              flush=True)
    print(f"Token F1 against the gold (mean over pages; limit {args.limit or 'none'} per source); "
          f"model {args.model or 'models/default'}")
    for line in table(results):
        print(line)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(
            [{"source": r.source, "pages": len(r.f1["html"]), **{s: r.mean(s) for s in SYSTEMS},
              "same_blocks": r.same_blocks, "refused": r.refused, "html_mb": r.html_mb,
              "convert_cpu_s": r.convert_cpu, "trafilatura_cpu_s": r.trafilatura_cpu}
             for r in results], indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
