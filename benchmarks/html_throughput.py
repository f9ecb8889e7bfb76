"""HTML throughput of newssift's page path against trafilatura's on the same pages, in one run
(issue 23, item 6: newssift's should be at least trafilatura's).

    python benchmarks/html_throughput.py [--sources cleaneval,dragnet] [--limit 100] [--rounds 3]
        [--model models/default] [--skip-readability] [--skip-justext] [--profile N]

The pages: the first ``--limit`` of each source of ``../shared/data/html`` (issue 23, item 1),
all of them, an empty gold or not (no score is taken here).  They are decoded from the JSONL
and held in memory before any timing, so no system pays for the gzip and JSON; each system
gets a page as it takes one from a file: newssift and jusText the UTF-8 bytes, trafilatura and
readability-lxml the text.  The systems:

- **newssift**: what a user gets from ``clean --segments`` on pages: bytes → ``read_page``
  (decode, parse, blocks, markup) → ``segment_many_dicts`` with segments and each page's
  markup, ``BATCH_PAGES`` pages at a time (as ``clean`` batches), the element paths added;
- **read_page** and **labelling**: the same path in its two parts, to show which one to make
  faster (labelling gets pages read beforehand);
- **trafilatura**: ``trafilatura.extract(html)``, default settings (the baseline);
- **readability-lxml** (``Document(html).summary()``) and **jusText** (``justext.justext``
  with the English stoplist), when installed: other extractors users compare with.

Each round runs every system once over all the pages, in the same order (A B A B...), so
that all meet the machine's load of the moment; the table gives each system's median over
the rounds (``--rounds``), as MB of HTML per second of wall time and of this process's CPU
time, and pages per second, each also as a ratio to trafilatura's.  The ratio of CPU times
is the steadier figure on a shared machine: another job's load moves wall time far more.
One process, one native thread (``limit_threads``), as one ``newssift serve`` worker has.
A page newssift refuses (too deep, undecodable) counts as read; how many is printed.

``--profile N``: instead, cProfile of ``read_page`` on the first N pages of the first source,
split into the walk (``raw_blocks``) and the markup features (``page_markup``), with the
functions that take the most time; what to look at before making the front end faster.

trafilatura is not a dependency of newssift: ``pip install trafilatura`` to run this.
Without it, or without the data, the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "html"
SOURCES = ("cleaneval", "cleanportaleval", "dragnet", "readability", "canola", "utomo-big9",
           "utomo-chaos", "modern2026", "htmltotext-multi")
BATCH_PAGES = 32  # pages labelled together, as html_extractors.py and clean batch them
BASELINE = "trafilatura"


@dataclass
class Page:
    source: str
    html: str
    data: bytes  # the page as a file gives it


@dataclass
class Timings:
    """One system's wall and CPU seconds per round."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def median(self, kind: str) -> float:
        return statistics.median(getattr(self, kind))


def load_pages(sources: list[str], limit: int | None) -> list[Page]:
    found = []
    for source in sources:
        with gzip.open(DATA / f"{source}.jsonl.gz", "rt", encoding="utf-8") as handle:
            for line in islice(handle, limit):
                html = json.loads(line)["html"]
                found.append(Page(source, html, html.encode("utf-8")))
    return found


def newssift_systems(model, pages: list[Page]) -> tuple[dict[str, Callable[[], object]], int]:
    """The whole path and its two parts, as callables over ``pages``, and how many pages
    ``read_page`` refuses (an empty page to the model, as ``clean`` gives an error record)."""
    from newssift.classifier.errors import InvalidInput
    from newssift.classifier.html import HtmlPage, read_page, with_paths

    empty = HtmlPage("", [], None)

    def read(data: bytes) -> HtmlPage:
        try:
            return read_page(data)
        except InvalidInput:
            return empty

    def label(batch: list[HtmlPage]) -> list[dict]:
        markup = [p.markup for p in batch]
        results = model.segment_many_dicts([p.text for p in batch], segments=True,
                                           markup=markup if any(m is not None for m in markup) else None)
        return [with_paths(r, p.paths) for r, p in zip(results, batch)]

    def whole() -> None:
        for start in range(0, len(pages), BATCH_PAGES):
            label([read(p.data) for p in pages[start:start + BATCH_PAGES]])

    def read_only() -> None:
        for p in pages:
            read(p.data)

    read_pages = [read(p.data) for p in pages]  # what the labelling part gets

    def label_only() -> None:
        for start in range(0, len(read_pages), BATCH_PAGES):
            label(read_pages[start:start + BATCH_PAGES])

    refused = sum(p is empty for p in read_pages)
    return {"newssift": whole, "  read_page": read_only, "  labelling": label_only}, refused


def other_systems(pages: list[Page], readability: bool, justext: bool) -> dict[str, Callable[[], object]]:
    import trafilatura

    systems: dict[str, Callable[[], object]] = {
        BASELINE: lambda: [trafilatura.extract(p.html) for p in pages]}
    if readability:
        try:
            from readability import Document
        except ImportError:
            print("readability-lxml is not installed: left out", file=sys.stderr)
        else:
            systems["readability-lxml"] = lambda: [Document(p.html).summary() for p in pages]
    if justext:
        try:
            import justext as jt
        except ImportError:
            print("jusText is not installed: left out", file=sys.stderr)
        else:
            stoplist = jt.get_stoplist("English")
            systems["jusText"] = lambda: [jt.justext(p.data, stoplist) for p in pages]
    return systems


def measure(systems: dict[str, Callable[[], object]], rounds: int) -> dict[str, Timings]:
    timings = {name: Timings() for name in systems}
    for r in range(rounds):
        for name, run in systems.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            timings[name].wall.append(time.perf_counter() - wall)
            timings[name].cpu.append(time.process_time() - cpu)
            print(f"  round {r + 1}: {name.strip()} {timings[name].wall[-1]:.2f} s wall, "
                  f"{timings[name].cpu[-1]:.2f} s CPU", file=sys.stderr, flush=True)
    return timings


def table(timings: dict[str, Timings], mb: float, n_pages: int) -> list[str]:
    base = timings[BASELINE]
    lines = [f"  {'system':<20}{'wall MB/s':>10}{'CPU MB/s':>10}{'pages/s':>9}"
             f"{'x traf. wall':>14}{'x traf. CPU':>13}"]
    for name, t in timings.items():
        wall, cpu = t.median("wall"), t.median("cpu")
        lines.append(f"  {name:<20}{mb / wall:>10.2f}{mb / cpu:>10.2f}{n_pages / wall:>9.1f}"
                     f"{base.median('wall') / wall:>14.2f}{base.median('cpu') / cpu:>13.2f}")
    return lines


def profile_read_page(pages: list[Page], top: int = 15) -> None:
    """cProfile of ``read_page`` over ``pages``: the shares of the walk and of the markup
    features, then the functions with the most time of their own."""
    import cProfile
    import pstats

    from newssift.classifier.errors import InvalidInput
    from newssift.classifier.html import read_page

    profiler = cProfile.Profile()
    profiler.enable()
    for p in pages:
        try:
            read_page(p.data)
        except InvalidInput:
            pass
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values())

    def cumulative(module_end: str, name: str) -> float:
        return sum(ct for (file, _, func), (_, _, _, ct, _) in entries.items()
                   if func == name and file.replace(os.sep, "/").endswith(module_end))

    mb = sum(len(p.data) for p in pages) / 1e6
    print(f"read_page on {len(pages)} pages of {pages[0].source} ({mb:.1f} MB): "
          f"{total:.2f} s under the profiler")
    for module_end, name in (("classifier/html.py", "read_page"), ("classifier/html.py", "raw_blocks"),
                             ("classifier/html.py", "_parse"), ("classifier/html.py", "_walk"),
                             ("classifier/markup.py", "page_markup")):
        secs = cumulative(module_end, name)
        print(f"  {name:<14}{secs:>8.2f} s  {100 * secs / total:5.1f} %  (with what it calls)")
    print(f"functions by own time (top {top}):")
    print(f"  {'own s':>7}{'share':>7}{'calls':>10}  function")
    ranked = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for (file, line, func), (_, calls, tt, _, _) in ranked:
        where = f"{Path(file).name}:{line}" if line else file
        print(f"  {tt:>7.2f}{100 * tt / total:>6.1f}%{calls:>10}  {func} ({where})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", default=",".join(SOURCES))
    parser.add_argument("--limit", type=int, default=100, help="first N pages of each source")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all systems; median kept")
    parser.add_argument("--model", default=None, help="model directory (default: the shipped one)")
    parser.add_argument("--skip-readability", action="store_true")
    parser.add_argument("--skip-justext", action="store_true")
    parser.add_argument("--profile", type=int, default=None, metavar="N",
                        help="profile read_page on the first N pages of the first source instead")
    args = parser.parse_args(argv)
    from html_extractors import trafilatura_missing  # this folder's, beside this script

    if trafilatura_missing():
        return 0
    if not DATA.is_dir():
        print(f"skipped: {DATA} is not beside the project (check out the shared data as ../shared)")
        return 0
    import trafilatura

    from newssift.classifier.bulk import limit_threads
    from newssift.classifier.persist import load_model

    limit_threads()
    sources = args.sources.split(",")
    if args.profile:
        profile_read_page(load_pages(sources[:1], args.profile))
        return 0
    pages = load_pages(sources, args.limit)
    if not pages:
        print("skipped: no pages in the sources asked for")
        return 0
    mb = sum(len(p.data) for p in pages) / 1e6
    model = load_model(args.model)
    ours, refused = newssift_systems(model, pages)
    systems = {**ours, **other_systems(pages, not args.skip_readability, not args.skip_justext)}
    warm = pages[:2]  # imports and first-call set-up, outside the timing
    for run in (*newssift_systems(model, warm)[0].values(),
                *other_systems(warm, "readability-lxml" in systems, "jusText" in systems).values()):
        run()
    timings = measure(systems, args.rounds)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; model {args.model or 'models/default'}; "
          f"trafilatura {trafilatura.__version__}")
    print(f"pages: {len(pages)} ({args.limit or 'all'} per source of {len(sources)}), {mb:.1f} MB of HTML; "
          f"{args.rounds} round(s), median; one thread; newssift refused {refused} page(s)")
    for line in table(timings, mb, len(pages)):
        print(line)
    nw, nc = timings["newssift"].median("wall"), timings["newssift"].median("cpu")
    tw, tc = timings[BASELINE].median("wall"), timings[BASELINE].median("cpu")
    print(f"newssift / trafilatura throughput: {tw / nw:.2f}x (wall), {tc / nc:.2f}x (CPU); "
          f"target >= 1.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
