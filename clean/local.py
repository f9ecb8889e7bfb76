"""The local engine: chunks cleaned on N worker processes, results handed back in input order.

The model is loaded once per worker process by the pool initializer (with the
``fork`` start method the workers inherit the copy the parent checked on start).
At most ``workers * IN_FLIGHT_PER_WORKER`` chunks are out at once, so memory stays
bounded however long the input; ``Pool.imap`` would read the whole input ahead.
A worker whose main process is gone (``kill -9``) meets a broken pipe when it hands
its chunk back: it stops, and the first to stop says so in one line.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.pool
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from newssift.classifier.bulk import limit_threads
from newssift.classifier.records import Doc
from newssift.clean.options import IN_FLIGHT_PER_WORKER
from newssift.clean.work import ChunkResult, cached_model, clean_docs, count_docs

__all__ = ["map_chunks"]

_worker_model = None
ORPHANED_MESSAGE = ("newssift: clean stopped: its main process is gone; run the same command "
                    "with --resume to finish\n")
# A killed process's pipes close before its children are handed to a new parent: how long
# a worker whose pipe broke waits to see that happen before it calls the fault its own.
REPARENT_WAIT_SECONDS = 2.0


def _init_worker(model_path: str | None, main_threshold: float | None, keep_comments: bool,
                 corrections: str | None, site_lines: str | None) -> None:
    global _worker_model
    limit_threads()
    _worker_model = cached_model(model_path, main_threshold, keep_comments, corrections, site_lines)


def _clean_in_worker(docs: list[Doc], segments: bool, want_texts: bool) -> ChunkResult:
    return clean_docs(_worker_model, docs, segments=segments, want_texts=want_texts)


def _run_worker(target: Callable, told, *args) -> None:
    """A pool worker's loop; if the pipe to the main process breaks because that process
    died, exit with one line (from the first worker only) instead of two tracebacks."""
    parent = os.getppid()
    try:
        target(*args)
    except (OSError, EOFError):
        if not _gone(parent):  # the main process lives: a real fault, show it
            raise
        with told.get_lock():
            first, told.value = not told.value, 1
        if first:
            try:
                sys.stderr.write(ORPHANED_MESSAGE)
                sys.stderr.flush()
            except OSError:
                pass
        sys.exit(1)


def _gone(parent: int) -> bool:
    deadline = time.monotonic() + REPARENT_WAIT_SECONDS
    while os.getppid() == parent:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class _Pool(multiprocessing.pool.Pool):
    """A Pool whose workers stop quietly when orphaned (see :func:`_run_worker`)."""

    def __init__(self, *args, **kwargs) -> None:
        ctx = kwargs.get("context") or multiprocessing.get_context()
        self._told = ctx.Value("b", 0)  # shared by the workers: has one said the main process is gone?
        super().__init__(*args, **kwargs)

    def Process(self, ctx, *args, **kwds):  # multiprocessing calls it so
        kwds["target"] = functools.partial(_run_worker, kwds["target"], self._told)
        return ctx.Process(*args, **kwds)


def map_chunks(chunks: Iterable[list[Doc]], *, workers: int, model_path: str | None,
               segments: bool = False, want_texts: bool = False,
               main_threshold: float | None = None, keep_comments: bool = False,
               corrections: str | None = None, site_lines: str | None = None,
               ) -> Iterator[ChunkResult]:
    """Clean every chunk; yields one result per chunk, in the order the chunks came."""
    limit_threads()
    # Fails here, once and clearly, if the model (or threshold) is unusable.
    model = cached_model(model_path, main_threshold, keep_comments, corrections, site_lines)
    if workers <= 1:
        for docs in chunks:
            yield clean_docs(model, docs, segments=segments, want_texts=want_texts)
        return
    pool = _Pool(workers, initializer=_init_worker, context=multiprocessing.get_context(),
                 initargs=(model_path, main_threshold, keep_comments, corrections, site_lines))
    try:
        pending: deque = deque()
        for docs in chunks:
            pending.append(pool.apply_async(_clean_in_worker, (docs, segments, want_texts)))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()  # reaps the workers, so their peak memory shows in RUSAGE_CHILDREN


def _count_in_worker(docs: list[Doc]):
    return count_docs(docs)


def count_chunks(chunks: Iterable[list[Doc]], *, workers: int,
                 on_chunk: Callable[[int], None] | None = None):
    """Count every chunk's site lines (the run's first pass) on ``workers`` processes; the
    counts merged into one LineCounter.  ``on_chunk`` is told each chunk's size as it is done."""
    from newssift.classifier.site_lines import LineCounter

    total = LineCounter()
    if workers <= 1:
        for docs in chunks:
            count_docs(docs, total)
            if on_chunk:
                on_chunk(len(docs))
        return total
    pool = _Pool(workers, context=multiprocessing.get_context())
    try:
        pending: deque = deque()

        def take() -> None:
            size, result = pending.popleft()
            total.merge(result.get())
            if on_chunk:
                on_chunk(size)

        for docs in chunks:
            pending.append((len(docs), pool.apply_async(_count_in_worker, (docs,))))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                take()
        while pending:
            take()
        pool.close()
    finally:
        pool.terminate()
        pool.join()
    return total
