"""Requests that arrive together are labelled together.

Labelling one 5 KB article costs about 2.6 ms, most of it fixed per call
(input checks, a hundred tree walks, sparse-matrix bookkeeping); eight at once
cost 7.7 ms, not 21. Under load a gthread worker holds several
requests at a time, so each hands its text to the worker's :class:`Batcher` and
waits, while one thread labels everything that is waiting in a single
``segment_many_dicts`` call. Nothing waits for a batch to fill: an idle batcher
runs a lone request at once, so latency without load is unchanged.
"""

from __future__ import annotations

import os
import queue
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newssift.classifier.corrections import CorrectionMemory
from newssift.classifier.decision import Decision
from newssift.classifier.model import NewssiftModel

if TYPE_CHECKING:
    from newssift.classifier.markup import PageMarkup

__all__ = ["Batcher", "MAX_BATCH_DOCS_DEFAULT", "MAX_BATCH_CHARS_DEFAULT"]

MAX_BATCH_DOCS_DEFAULT = 32
# A batch stops growing past this much text, so that one huge body delays few others.
MAX_BATCH_CHARS_DEFAULT = 1_000_000


@dataclass
class _Job:
    model: NewssiftModel
    decision: Decision | None
    texts: list[str]
    memory: CorrectionMemory | None = None
    sites: list[str | None] | None = None
    markup: list[PageMarkup | None] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    results: list[dict] | None = None
    error: BaseException | None = None


class Batcher:
    """Labels texts for many threads of one process, batching those that wait together."""

    def __init__(self, max_docs: int = MAX_BATCH_DOCS_DEFAULT,
                 max_chars: int = MAX_BATCH_CHARS_DEFAULT, threads: int = 1) -> None:
        self.max_docs = max_docs
        self.max_chars = max_chars
        self.threads = threads
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()

    def label(self, model: NewssiftModel, texts: list[str], decision: Decision | None = None,
              memory: CorrectionMemory | None = None, sites: list[str | None] | None = None,
              markup: list[PageMarkup | None] | None = None) -> list[dict]:
        """``model.segment_many_dicts(texts, decision=..., memory=..., sites=..., markup=...)``,
        run together with other threads' texts that ask for the same model, decision and memory
        (``markup``: one entry a text, the markup of a page read as HTML, else None)."""
        if not texts:
            return []
        job = _Job(model, decision, texts, memory, sites, markup)
        self._start()
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.results is not None
        return job.results

    def _running(self) -> bool:
        return self._pid == os.getpid() and self._thread is not None and self._thread.is_alive()

    def _start(self) -> None:
        # Started lazily, again after a fork (threads do not survive one), and again if
        # it ever died: otherwise every later request of this worker would wait forever.
        if self._running():
            return
        with self._lock:
            if self._running():
                return
            if self._pid != os.getpid():
                self._queue = queue.SimpleQueue()  # a parent's queue holds no job of ours
            self._thread = threading.Thread(target=self._run, args=(self._queue,),
                                            name="newssift-batcher", daemon=True)
            self._thread.start()
            self._pid = os.getpid()

    def _run(self, jobs: queue.SimpleQueue[_Job]) -> None:
        # OpenMP's thread count is per thread: limit this one, or the boosting head
        # starts a team per core in every worker, and idle team threads spin on the
        # cores the other workers need (3x fewer requests/s on 2 cores).
        from threadpoolctl import threadpool_limits

        threadpool_limits(self.threads)
        while True:
            batch = [jobs.get()]
            docs, chars = len(batch[0].texts), sum(map(len, batch[0].texts))
            while docs < self.max_docs and chars < self.max_chars:
                try:
                    job = jobs.get_nowait()
                except queue.Empty:
                    break
                batch.append(job)
                docs += len(job.texts)
                chars += sum(map(len, job.texts))
            for group in _by_model(batch):
                _label_group(group)


def _by_model(batch: list[_Job]) -> list[list[_Job]]:
    """Jobs grouped by the model and decision they asked for (a hot reload can put two
    models in one batch; requests may each set their own threshold)."""
    groups: dict[tuple, list[_Job]] = {}
    for job in batch:
        groups.setdefault((id(job.model), job.decision, id(job.memory)), []).append(job)
    return list(groups.values())


def _markup(group: list[_Job]) -> dict:
    """``markup=``, one entry a text of the group, when one of its texts is a page read as
    HTML; else nothing, so that a batch of texts calls the model as it always did."""
    if all(m is None for job in group for m in job.markup or ()):
        return {}
    return {"markup": [m for job in group for m in (job.markup or [None] * len(job.texts))]}


def _label_group(group: list[_Job]) -> None:
    try:
        first = group[0]
        sites = [s for job in group for s in (job.sites or [None] * len(job.texts))]
        results = first.model.segment_many_dicts([t for job in group for t in job.texts],
                                                 decision=first.decision, memory=first.memory,
                                                 sites=sites, **_markup(group))
    except BaseException as exc:
        if len(group) > 1 and isinstance(exc, Exception):
            for job in group:  # one request's text must not fail the others batched with it
                _label_group([job])
            return
        for job in group:  # handed to the waiting request threads, which raise it
            job.error = exc
            job.done.set()
        return
    at = 0
    for job in group:
        job.results = results[at:at + len(job.texts)]
        at += len(job.texts)
        job.done.set()
