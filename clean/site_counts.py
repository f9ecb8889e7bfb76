"""The first pass of a cleaning run: each site's repeated lines, counted over the corpus.

A site's template is what recurs on its pages; the model's site-repeats head
(:mod:`newssift.classifier.repeats`) reads how often each line recurs, so the run reads
its inputs once to count (:class:`~newssift.classifier.site_lines.LineCounter`: a page's
site is its record's site field, else the host of its ``url`` or WARC target URI), then
once to label.  The counts are saved beside the output (``NAME.site-lines.npz``, or
``_site_lines.npz`` in a folder output) before the labelling starts, so a resumed run
labels its remaining documents with the counts the first run used, and so the Dask
engine's workers read them from the shared filesystem.  On Dask the counting is a
map-reduce: a task counts each partition, the client merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newssift.classifier.errors import InvalidInput
from newssift.classifier.inputs import Source, iter_records
from newssift.classifier.records import Doc
from newssift.classifier.site_lines import LineCounter, SiteLines
from newssift.clean.options import CleanOptions
from newssift.clean.writers import side_path

__all__ = ["SiteRepeats", "count_sources", "site_lines_path", "load_or_count",
           "OFF_FLAG", "NO_HEAD", "NO_SITES"]

OFF_FLAG = "off (--no-site-repeats)"
NO_HEAD = "off: the model has no site-repeats head"
NO_SITES = "no record named its site (--site-field, or a url)"


@dataclass
class SiteRepeats:
    """What a run learned from its corpus, for the summary (and the counts' file, if any)."""

    path: str | None = None
    sites: int = 0
    pages: int = 0
    lines: int = 0
    status: str = "on"

    def to_dict(self) -> dict:
        return {"status": self.status, "sites": self.sites, "pages": self.pages,
                "repeated_lines": self.lines, "file": self.path}


def site_lines_path(output: Path, fmt: str, engine: str) -> Path:
    """Where a run's counts go: beside the output file, or inside its folder."""
    return side_path(output, fmt, engine, "site-lines", ".npz")


def count_sources(sources: list[Source], options: CleanOptions, progress=None) -> LineCounter:
    """Count every input's documents, in chunks on ``options.workers`` processes (bad and
    skipped records are not counted: the labelling pass reports them); ``progress`` (a
    tqdm-like bar) is told of each chunk's documents."""
    from newssift.clean.local import count_chunks
    from newssift.clean.pipeline import chunked

    def docs():
        for source in sources:
            for item in iter_records(source, options):
                if isinstance(item, Doc):
                    yield item

    chunks = chunked(docs(), options.chunk_docs, options.chunk_bytes)
    return count_chunks(chunks, workers=options.workers,
                        on_chunk=progress.update if progress is not None else None)


def load_or_count(path: Path, count, resume: bool) -> tuple[SiteLines, bool]:
    """The run's counts: those ``path`` holds when resuming a run that saved them, else
    ``count()``'s (a LineCounter), frozen and saved to ``path`` first.  Returns them and
    whether they were counted now."""
    if resume and path.exists():
        try:
            return SiteLines.load(path), False
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInput(f"{path}: unreadable site line counts ({exc}); start over with "
                               f"--overwrite") from None
    lines = count().freeze()
    try:
        lines.save(path)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot write the site line counts ({exc.strerror or exc})") from None
    return lines, True
