"""The local engine: chunks cleaned on N worker processes, results handed back in input order.

The model is loaded once per worker process by the pool initializer (with the
``fork`` start method the workers inherit the copy the parent checked on start).
At most ``workers * IN_FLIGHT_PER_WORKER`` chunks are out at once, so memory stays
bounded however long the input; ``Pool.imap`` would read the whole input ahead.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator

from newssift.clean.options import IN_FLIGHT_PER_WORKER
from newssift.clean.readers import Doc
from newssift.clean.work import ChunkResult, cached_model, clean_docs, limit_threads

__all__ = ["map_chunks"]

_worker_model = None


def _init_worker(model_path: str | None, main_threshold: float | None, keep_comments: bool,
                 corrections: str | None) -> None:
    global _worker_model
    limit_threads()
    _worker_model = cached_model(model_path, main_threshold, keep_comments, corrections)


def _clean_in_worker(docs: list[Doc], segments: bool, want_texts: bool) -> ChunkResult:
    return clean_docs(_worker_model, docs, segments=segments, want_texts=want_texts)


def map_chunks(chunks: Iterable[list[Doc]], *, workers: int, model_path: str | None,
               segments: bool = False, want_texts: bool = False,
               main_threshold: float | None = None, keep_comments: bool = False,
               corrections: str | None = None) -> Iterator[ChunkResult]:
    """Clean every chunk; yields one result per chunk, in the order the chunks came."""
    limit_threads()
    # Fails here, once and clearly, if the model (or threshold) is unusable.
    model = cached_model(model_path, main_threshold, keep_comments, corrections)
    if workers <= 1:
        for docs in chunks:
            yield clean_docs(model, docs, segments=segments, want_texts=want_texts)
        return
    pool = multiprocessing.get_context().Pool(workers, initializer=_init_worker,
                                             initargs=(model_path, main_threshold, keep_comments,
                                                       corrections))
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
