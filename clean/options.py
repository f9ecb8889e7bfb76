"""The one options object of a cleaning run, and the numbers that tune it.

:class:`ReadOptions` is the part every reader of documents shares (``newssift clean``
and ``newssift classify --input-format jsonl``): which record fields hold the text, the
id and the site, and how large a document may be.  :class:`CleanOptions` adds what a
cleaning run needs besides.
"""

from __future__ import annotations

from dataclasses import dataclass

from newssift.classifier.defaults import MAX_DOCUMENT_BYTES

__all__ = ["ReadOptions", "CleanOptions", "CHUNK_DOCS_DEFAULT", "CHUNK_BYTES_DEFAULT",
           "IN_FLIGHT_PER_WORKER", "PARTITION_DOCS_DEFAULT", "GZIP_LEVEL"]

CHUNK_DOCS_DEFAULT = 64            # documents labelled together (the model is much faster in batches)
CHUNK_BYTES_DEFAULT = 4 << 20      # ... but never more text than this in one chunk: flat memory
IN_FLIGHT_PER_WORKER = 2           # chunks queued per worker: keeps workers busy, memory bounded
PARTITION_DOCS_DEFAULT = 2048      # documents per Dask partition (one output part each)
GZIP_LEVEL = 6                     # each chunk is one gzip member; 6 is zlib's own balance


@dataclass(frozen=True)
class ReadOptions:
    """How records become documents, for every input format."""

    text_field: str = "text"
    id_field: str = "id"
    site_field: str = "site"       # the record field naming a document's site, if any
    input_format: str = "auto"     # auto, or a name of clean.readers.FORMATS
    max_document_bytes: int = MAX_DOCUMENT_BYTES  # a larger text is an error record


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
