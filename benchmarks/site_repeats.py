"""What counting a corpus's site lines costs `newssift clean`: the same corpus cleaned with
site repeats and with --no-site-repeats, in alternating runs, as a ratio.

    python benchmarks/site_repeats.py [--docs 1000] [--rounds 3] [--workers 1]

The corpus: pages of ../shared/data/blocks that carry a `url` (CleanEval, CleanPortalEval,
Canola, Modern2026), their blocks as a scraper gives them, written to a temporary folder;
skipped with a message when the data is not there.  Each run is a fresh `python -m newssift
clean` process; its time is the run's own (the summary's seconds: reading, counting, labelling
and writing).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("modern2026", "cleaneval", "cleanportaleval", "canola")


def corpus(data: Path, n_docs: int) -> list[dict]:
    out = []
    for source in SOURCES:
        with gzip.open(data / "blocks" / f"{source}.jsonl.gz", "rt", encoding="utf-8") as handle:
            for line in handle:
                rec = json.loads(line)
                if rec.get("url"):
                    out.append({"id": rec["id"], "url": rec["url"],
                                "text": "\n".join(b["text"] for b in rec["blocks"])})
                if len(out) >= n_docs:
                    return out
    return out


def run(src: Path, out: Path, workers: int, on: bool) -> dict:
    args = [sys.executable, "-m", "newssift", "clean", str(src), "-o", str(out), "--overwrite",
            "--workers", str(workers), *([] if on else ["--no-site-repeats"])]
    subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
    summary = json.loads(out.with_name(out.name.replace(".jsonl", ".summary.json")).read_text())
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    data = Path(os.environ.get("NEWSSIFT_DATA", ROOT.parent / "shared" / "data"))
    if not (data / "blocks").is_dir():
        print(f"skipped: no block data in {data} (set NEWSSIFT_DATA)")
        return 0
    docs = corpus(data, args.docs)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.jsonl"
        src.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        times: dict[bool, list[float]] = {True: [], False: []}
        summary = {}
        for _ in range(args.rounds):
            for on in (False, True):
                summary = run(src, Path(tmp) / "out.jsonl", args.workers, on) if on else \
                    run(src, Path(tmp) / "off.jsonl", args.workers, on)
                times[on].append(summary["this_run"]["seconds"])
        on, off = statistics.median(times[True]), statistics.median(times[False])
        repeats = summary.get("site_repeats", {})
        mb = src.stat().st_size / 1e6
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; {len(docs)} pages "
          f"({mb:.1f} MB), {repeats.get('sites')} sites, {repeats.get('repeated_lines')} repeated lines; "
          f"--workers {args.workers}, median of {args.rounds} alternating rounds")
    print(f"clean without site repeats: {off:.2f} s; with: {on:.2f} s; ratio {on / off:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
