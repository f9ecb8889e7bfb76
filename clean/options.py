"""The one options object of a cleaning run, and the numbers that tune it.

:class:`CleanOptions` is :class:`~newssift.classifier.records.ReadOptions` (how records
become documents, as ``newssift classify`` reads them too) and what a cleaning run
needs besides.
"""

from __future__ import annotations

from dataclasses import dataclass

from newssift.classifier.records import ReadOptions

__all__ = ["CleanOptions", "CHUNK_DOCS_DEFAULT", "CHUNK_BYTES_DEFAULT",
           "IN_FLIGHT_PER_WORKER", "PARTITION_DOCS_DEFAULT", "GZIP_LEVEL"]

CHUNK_DOCS_DEFAULT = 64            # documents labelled together (the model is much faster in batches)
CHUNK_BYTES_DEFAULT = 4 << 20      # ... but never more text than this in one chunk: flat memory
IN_FLIGHT_PER_WORKER = 2           # chunks queued per worker: keeps workers busy, memory bounded
PARTITION_DOCS_DEFAULT = 2048      # documents per Dask partition (one output part each)
GZIP_LEVEL = 6                     # each chunk is one gzip member; 6 is zlib's own balance


@dataclass(frozen=True)
class CleanOptions(ReadOptions):
    """Everything a run needs besides its inputs and output paths."""

    segments: bool = False         # also write every block's role, topic and scores
    strict: bool = False           # stop at the first bad record
    chunk_docs: int = CHUNK_DOCS_DEFAULT
    chunk_bytes: int = CHUNK_BYTES_DEFAULT
    workers: int = 1
    model_path: str | None = None
    main_threshold: float | None = None  # None: the model's own (0.5)
    keep_comments: bool = False          # keep user-comment threads as main when P(main) says so
    corrections: str | None = None       # a labels JSONL file: stored corrections to apply
    corrections_sha256: str | None = None  # its content, which a resumed run must share
    site_repeats: bool = True            # count each site's lines over the corpus first
    site_lines: str | None = None        # the counts' file the labelling reads (set by the run)
