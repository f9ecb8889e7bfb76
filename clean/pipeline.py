"""One local cleaning run: recover what is done, read, skip, chunk, clean in order, write.

Reading happens here, in the parent; cleaning in :mod:`newssift.clean.local`'s workers.
Each id already complete in the output is skipped as many times as it was
written, so a resumed run writes exactly what the interrupted one did not.
The progress bar learns how far into the inputs each finished chunk reached.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator

from newssift.classifier.errors import InvalidInput
from newssift.classifier.inputs import Source, iter_records
from newssift.classifier.records import BadRecord, Doc, Skipped
from newssift.clean import local
from newssift.clean.options import CleanOptions
from newssift.clean.progress import Progress
from newssift.clean.summary import Stats
from newssift.clean.writers import ErrorReport

__all__ = ["clean_corpus", "chunked", "RunCounts"]


class RunCounts:
    """Totals over the whole output, this run's own counts, and how many were already done."""

    def __init__(self) -> None:
        self.total = Stats()
        self.this_run = Stats()
        self.resumed = 0
        self.site_lines: str | None = None  # the site line counts the run labelled with


class _Reach:
    """Bytes of all the inputs read so far, as far as the documents handed on go."""

    def __init__(self) -> None:
        self.bytes = 0


def _docs(sources: Iterable[Source], options: CleanOptions, done: Counter, errors: ErrorReport,
          counts: RunCounts, reach: _Reach, source_bytes: list[int] | None) -> Iterator[Doc]:
    before = 0  # the bytes of the inputs before this one
    for i, source in enumerate(sources):
        for item in iter_records(source, options):
            if isinstance(item, Skipped):  # no document by design (a WARC request record)
                counts.this_run.skipped[item.reason] += 1
                continue
            if isinstance(item, BadRecord):
                if options.strict:
                    raise InvalidInput(f"{item.describe()} (--strict stops at the first bad record)")
                counts.this_run.errors += 1
                errors.add([item])
                continue
            reach.bytes = before + item.offset
            if done[item.id] > 0:
                done[item.id] -= 1
            else:
                yield item
        if source_bytes is not None:
            before += source_bytes[i]
            reach.bytes = before


def chunked(docs: Iterable[Doc], max_docs: int, max_chars: int) -> Iterator[list[Doc]]:
    """Chunks of at most ``max_docs`` documents and about ``max_chars`` characters."""
    chunk: list[Doc] = []
    size = 0
    for doc in docs:
        chunk.append(doc)
        size += len(doc.text)
        if len(chunk) >= max_docs or size >= max_chars:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def clean_corpus(sources: list[Source], output, errors: ErrorReport, options: CleanOptions, *,
                 resume: bool, progress: Progress, source_bytes: list[int] | None = None) -> RunCounts:
    """Clean every source into ``output`` (a writer from :mod:`newssift.clean.writers`).

    ``source_bytes``, each source's size (:func:`newssift.classifier.inputs.source_size`), lets the
    progress bar count bytes read against their total."""
    counts = RunCounts()
    done: Counter = Counter()

    def already_done(record: dict) -> None:
        done[record["id"]] += 1
        counts.total.add_record(record)

    if resume:
        counts.resumed = output.recover(already_done)
    output.open(append=resume)
    wrote = False
    reach, reached = _Reach(), deque()

    def noting_reach(chunks: Iterator[list[Doc]]) -> Iterator[list[Doc]]:
        for chunk in chunks:  # a chunk is cut as soon as its last document is read
            reached.append(reach.bytes)
            yield chunk

    try:
        docs = _docs(sources, options, done, errors, counts, reach, source_bytes)
        chunks = noting_reach(chunked(docs, options.chunk_docs, options.chunk_bytes))
        for result in local.map_chunks(chunks, workers=options.workers, model_path=options.model_path,
                                       segments=options.segments, want_texts=output.wants_texts,
                                       main_threshold=options.main_threshold,
                                       keep_comments=options.keep_comments,
                                       corrections=options.corrections,
                                       site_lines=options.site_lines):
            output.write(result)
            errors.add(result.bad)
            counts.this_run.merge(result.stats)
            progress.update(result.stats.documents, result.stats.text_bytes, reached.popleft())
            wrote = wrote or result.stats.documents > 0
        progress.finish()
    finally:
        errors.close()
        output.close(discard_if_empty=not wrote and not resume)
    counts.total.merge(counts.this_run)
    if counts.total.documents == 0:
        bad = counts.this_run.errors
        raise InvalidInput("no documents to clean in the inputs"
                           + (f"; {bad} bad record(s), see {errors.path}" if bad else ""))
    return counts

