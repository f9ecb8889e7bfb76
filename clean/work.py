"""The one cleaning function every engine runs on a chunk of documents.

``clean_docs`` is pure: documents in, encoded output lines and counts out.  The
local engine runs it in pool workers, the Dask engine in partition tasks; both get
their model from :func:`cached_model`, so each worker process loads it once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from newssift.classifier.bulk import Labeller, label_docs
from newssift.classifier.records import BadRecord, Doc, one_line
from newssift.clean.summary import Stats

__all__ = ["ChunkResult", "clean_docs", "count_docs", "output_record", "encode_line", "cached_model"]

_MODELS: dict[str, object] = {}     # model path -> loaded model
_MEMORIES: dict[str, object] = {}   # corrections path -> its CorrectionMemory
_SITE_LINES: dict[str, object] = {}  # site lines path -> its SiteLines
_LOCK = threading.Lock()
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def encode_line(record: dict) -> str:
    """One output line (without its newline): JSON that stays one line for every reader."""
    return one_line(_ENCODE(record))


@dataclass
class ChunkResult:
    """What one chunk gives back: its output lines (UTF-8, newline-terminated), in input order."""

    lines: bytes
    stats: Stats
    bad: list[BadRecord] = field(default_factory=list)
    texts: list[tuple[object, str]] | None = None  # (id, cleaned text), for --format txt-dir


def cached_model(model_path: str | None, main_threshold: float | None = None,
                 keep_comments: bool = False, corrections: str | None = None,
                 site_lines: str | None = None) -> Labeller:
    """The labeller of a run: the model at ``model_path``, loaded once per process (None:
    the shipped default), the decision the run's options make of its own
    (``NewssiftModel.decision_for``), the correction memory read from ``corrections``
    and the corpus's repeated lines per site read from ``site_lines`` (an ``.npz`` file;
    each also once per process), or None."""
    key = model_path or ""
    with _LOCK:
        lines = None
        if site_lines:
            if site_lines not in _SITE_LINES:
                from newssift.classifier.site_lines import SiteLines

                _SITE_LINES[site_lines] = SiteLines.load(site_lines)
            lines = _SITE_LINES[site_lines]
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
        return Labeller(model, model.decision_for(main_threshold, keep_comments), memory, lines)


def output_record(doc_id: object, result: dict, segments: bool) -> dict:
    """One output line: id, cleaned text, article topic, block counts, language, headline
    (and every block).

    ``result`` is one of ``NewssiftModel.segment_many_dicts``'s results.
    """
    art = result["article"]
    rec = {"id": doc_id, "text": art["text"], "topic": art["topic"],
           "topic_score": art["topic_score"], "n_blocks": art["n_blocks"],
           "n_main": art["n_main"], "n_teaser": art["n_teaser"],
           "n_boilerplate": art["n_boilerplate"], "lang": art["lang"], "lang_score": art["lang_score"],
           "topic_trained_for_lang": art["topic_trained_for_lang"], "headline": art["headline"]}
    if segments:
        rec["segments"] = result["segments"]
    return rec


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


def count_docs(docs: Iterable[Doc], counter=None):
    """Count the blocks of every document that names its site (as the model splits them)."""
    from newssift.classifier.segment import segment
    from newssift.classifier.site_lines import LineCounter

    counter = counter if counter is not None else LineCounter()
    for doc in docs:
        if doc.site:
            counter.add(doc.site, [b.text for b in segment(doc.text)])
    return counter
