"""The one cleaning function every engine runs on a chunk of documents.

``clean_docs`` is pure: documents in, encoded output lines and counts out.  The
local engine runs it in pool workers, the Dask engine in partition tasks; both get
their model from :func:`cached_model`, so each worker process loads it once.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from newssift.clean.records import NOT_LABELLED, BadRecord, Doc
from newssift.clean.summary import Stats

__all__ = ["ChunkResult", "clean_docs", "label_docs", "output_record", "encode_line", "cached_model",
           "limit_threads"]

_MODELS: dict[str, object] = {}     # model path -> loaded model
_MEMORIES: dict[str, object] = {}   # corrections path -> its CorrectionMemory
_LOCK = threading.Lock()
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
encode_line = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class ChunkResult:
    """What one chunk gives back: its output lines (UTF-8, newline-terminated), in input order."""

    lines: bytes
    stats: Stats
    bad: list[BadRecord] = field(default_factory=list)
    texts: list[tuple[object, str]] | None = None  # (id, cleaned text), for --format txt-dir


def limit_threads() -> None:
    """One native (OpenMP/BLAS) thread for this process, as ``newssift serve`` has per worker:
    the boosting head's OpenMP team costs more than it gives on batches of a few dozen
    documents (``classify --input-format jsonl`` ran at half speed with a team per core), and
    is ~10x slower when the workers of a run oversubscribe the cores.  The variables reach
    libraries loaded later (a pool's workers, a model not yet loaded); threadpoolctl those
    already loaded."""
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def cached_model(model_path: str | None, main_threshold: float | None = None,
                 keep_comments: bool = False, corrections: str | None = None):
    """The labeller of a run: the model at ``model_path``, loaded once per process (None:
    the shipped default), the decision the run's options make of its own
    (``NewssiftModel.decision_for``), and the correction memory read from
    ``corrections`` (also once per process), or None."""
    key = model_path or ""
    with _LOCK:
        if key not in _MODELS:
            from newssift.classifier.persist import load_model

            _MODELS[key] = load_model(model_path).warm()
        model = _MODELS[key]
        memory = None
        if corrections:
            if corrections not in _MEMORIES:
                from newssift.classifier.textio import read_corrections

                _MEMORIES[corrections] = read_corrections(corrections)
            memory = _MEMORIES[corrections]
        return model, model.decision_for(main_threshold, keep_comments), memory


def output_record(doc_id: object, result: dict, segments: bool) -> dict:
    """One output line: id, cleaned text, article topic, block counts (and every block).

    ``result`` is one of ``NewssiftModel.segment_many_dicts``'s results.
    """
    art = result["article"]
    rec = {"id": doc_id, "text": art["text"], "topic": art["topic"],
           "topic_score": art["topic_score"], "n_blocks": art["n_blocks"],
           "n_main": art["n_main"], "n_teaser": art["n_teaser"],
           "n_boilerplate": art["n_boilerplate"]}
    if segments:
        rec["segments"] = result["segments"]
    return rec


def label_docs(labeller, docs: Sequence[Doc], segments: bool = True) -> list[dict | BadRecord]:
    """Results (``segment_many_dicts``'s) in one batch; if the batch fails, one by one so one
    bad document costs only itself: its result is then an error record."""
    model, decision, memory = labeller
    if not docs:
        return []
    try:
        return model.segment_many_dicts([d.text for d in docs], segments=segments, decision=decision,
                                        memory=memory, sites=[d.site for d in docs])
    except Exception:  # noqa: BLE001 - isolate the document, report it, keep going
        out = []
        for d in docs:
            try:
                out.append(model.segment_many_dicts([d.text], segments=segments, decision=decision,
                                                    memory=memory, sites=[d.site])[0])
            except Exception as exc:  # noqa: BLE001
                out.append(BadRecord(d.source, d.line, f"could not be labelled ({exc}); please report "
                                     "this document", d.id, NOT_LABELLED))
        return out


def clean_docs(labeller, docs: Sequence[Doc], *, segments: bool = False,
               want_texts: bool = False) -> ChunkResult:
    """Clean a chunk of documents with ``labeller`` (a model and its decision, as
    :func:`cached_model` gives them); output lines keep the input order."""
    stats = Stats()
    lines, bad, texts = [], [], [] if want_texts else None
    for doc, result in zip(docs, label_docs(labeller, docs, segments)):
        if isinstance(result, BadRecord):
            bad.append(result)
            stats.errors += 1
            continue
        rec = output_record(doc.id, result, segments)
        if texts is not None:  # txt-dir: the text goes to its own file, the index line keeps the rest
            texts.append((doc.id, rec.pop("text")))
        lines.append(encode_line(rec))
        stats.add_record(rec)
        stats.text_bytes += len(doc.text.encode("utf-8"))
    blob = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return ChunkResult(blob, stats, bad, texts)
