"""What a request needs from the app: the model it is served by, and the shared batcher.

Kept apart from the app factory so that the blueprints import this module, not
the factory that registers them (no import cycle).
"""

from __future__ import annotations

from flask import current_app

from newssift.classifier.segment import more_blocks_than
from newssift.service.errors import ApiError

__all__ = ["serving_model", "label_texts", "correction_memory", "check_blocks",
           "hide_correction_ids"]


def serving_model():
    """(version, model) for this request, or 503 when no model is loaded."""
    current = current_app.extensions["newssift_model"].get()
    if current is None:
        raise ApiError(503, "no_model", "no model is loaded; train one (`newssift train`) and set "
                       "NEWSSIFT_SEED_MODEL, or activate a version")
    return current


def correction_memory():
    """The stored corrections as this worker last read them (at most one reload interval old)."""
    return current_app.extensions["newssift_memory"].get()


def label_texts(model, texts: list[str], decision=None, memory=None, sites=None,
                markup=None) -> list[dict]:
    """JSON-ready results for ``texts``, labelled together with other requests' waiting texts
    (``markup``: one entry a text, a page's markup for the model's HTML head, else None)."""
    return current_app.extensions["newssift_batcher"].label(model, texts, decision, memory, sites,
                                                            markup)


def check_blocks(texts: list[str]) -> None:
    """413 ``too_many_blocks`` when ``texts`` hold more blocks than ``max_blocks``: the bound on
    the work one request may ask for, which its byte size alone does not give."""
    limit = current_app.extensions["newssift"]["max_blocks"]
    if more_blocks_than(texts, limit):
        raise ApiError(413, "too_many_blocks",
                       f"{'the texts hold' if len(texts) > 1 else 'the text holds'} more than {limit} blocks "
                       "(non-empty lines); send at most that many per request (NEWSSIFT_MAX_BLOCKS)")


def hide_correction_ids(results: list[dict]) -> list[dict]:
    """``results`` with each block's ``correction.id`` set to null, for callers without the
    token: an id names a row of the label store (``DELETE /v1/labels/<id>``), and ids seen
    across requests tell which lines share a correction.  The block's label and how the
    correction matched stay, since the label is the answer the caller asked for."""
    for result in results:
        for seg in result["segments"]:
            if seg.get("correction"):
                seg["correction"] = {**seg["correction"], "id": None}
    return results
