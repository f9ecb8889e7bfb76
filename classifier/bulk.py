"""Labelling many documents, as ``newssift classify --input-format jsonl`` and ``newssift
clean`` both do: in one batch, a failing document isolated, on one native thread.

Batches are what makes the model fast; a batch the model fails on (a bug, not the
input's fault: unusable records are refused before, see :mod:`newssift.classifier.records`)
is labelled again one document at a time, so one document costs only its own record.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

from newssift.classifier.html import with_paths
from newssift.classifier.records import NOT_LABELLED, BadRecord, Doc

__all__ = ["Labeller", "label_docs", "limit_threads", "THREAD_VARS"]

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads() -> None:
    """One native (OpenMP/BLAS) thread for this process, as ``newssift serve`` has per worker:
    the boosting head's OpenMP team costs more than it gives on batches of a few dozen
    documents (``classify --input-format jsonl`` ran at half speed with a team per core), and
    is ~10x slower when the workers of a run oversubscribe the cores.  The variables reach
    libraries loaded later (a pool's workers, a model not yet loaded); threadpoolctl those
    already loaded."""
    for var in THREAD_VARS:
        os.environ[var] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


class Labeller(NamedTuple):
    """What labels a run's documents: a model, its decision, and what a run may add: stored
    corrections (a CorrectionMemory) and the corpus's repeated lines per site (SiteLines)."""

    model: Any
    decision: Any
    memory: Any = None
    site_lines: Any = None


def label_docs(labeller: Labeller | tuple, docs: Sequence[Doc], segments: bool = True,
               ) -> list[dict | BadRecord]:
    """``segment_many_dicts``'s results for ``docs``, in order, from ``labeller`` (a
    :class:`Labeller`, or a tuple of its first fields); a document the model failed on gets
    an error record instead."""
    labeller = Labeller(*labeller)
    if not docs:
        return []
    results = _label_docs(labeller, docs, segments)
    if segments:
        for doc, result in zip(docs, results):
            if doc.paths is not None and not isinstance(result, BadRecord):
                with_paths(result, doc.paths)
    return results


def _markup(docs: Sequence[Doc]) -> list | None:
    """The markup of each page read as HTML (None for a text), or None when no doc has any."""
    return [d.markup for d in docs] if any(d.markup is not None for d in docs) else None


def _label_docs(labeller: Labeller, docs: Sequence[Doc], segments: bool) -> list[dict | BadRecord]:
    model, decision, memory, site_lines = labeller
    try:
        return model.segment_many_dicts([d.text for d in docs], segments=segments, decision=decision,
                                        memory=memory, sites=[d.site for d in docs],
                                        markup=_markup(docs), site_lines=site_lines)
    except Exception:  # noqa: BLE001 - isolate the document, report it, keep going
        out = []
        for d in docs:
            try:
                out.append(model.segment_many_dicts([d.text], segments=segments, decision=decision,
                                                    memory=memory, sites=[d.site],
                                                    markup=_markup([d]), site_lines=site_lines)[0])
            except Exception as exc:  # noqa: BLE001
                out.append(BadRecord(d.source, d.line, f"could not be labelled ({exc}); please report "
                                     "this document", d.id, NOT_LABELLED))
        return out
