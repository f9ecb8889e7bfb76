"""``/v1/documents``: the labelling queue.  ``POST`` adds unlabelled texts, ``GET /next`` hands
out the one the active model is least sure about, ``POST /<id>/skip`` drops one, ``GET`` counts.
A queued text leaves the queue when labels are stored for it (``POST /v1/labels``)."""

from __future__ import annotations

import json

import orjson
from flask import Blueprint, request
from pydantic import ValidationError

from newssift.service.api import decode_body, endpoint, parse_json
from newssift.service.auth import require_token
from newssift.service.db import get_db
from newssift.service.errors import ApiError
from newssift.service.queue import (
    QueuedText,
    add_documents,
    counts,
    document_view,
    next_pending,
    skip,
    uncertainty,
)
from newssift.service.schemas import (
    DocumentIn,
    DocumentsAdded,
    DocumentsRequest,
    QueueCounts,
    QueuedDocument,
)
from newssift.service.serving import check_blocks, label_texts, serving_model

bp = Blueprint("documents", __name__, url_prefix="/v1/documents")
NDJSON = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")


def _errors(exc: ValidationError, limit: int = 3) -> str:
    parts = [f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
             for err in exc.errors(include_url=False)[:limit]]
    return "; ".join(parts)


def _ndjson_documents() -> list[tuple[str, DocumentIn]]:
    """(where, document) per non-blank line of an NDJSON body; a bad line is a 422 naming it."""
    out = []
    for n, line in enumerate(decode_body(request.get_data(cache=True)).split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {n}"
        try:
            raw = orjson.loads(line)
        except json.JSONDecodeError as exc:
            raise ApiError(422, "invalid_input", f"{where}: not valid JSON: {exc}") from None
        try:
            out.append((where, DocumentIn.model_validate(raw)))
        except ValidationError as exc:
            raise ApiError(422, "invalid_input", f"{where}: {_errors(exc)}") from None
    if not out:
        raise ApiError(422, "invalid_input", "no documents: send one JSON object per line")
    return out


@bp.post("")
@endpoint(summary="Queue unlabelled documents for labelling", body=DocumentsRequest,
          response=DocumentsAdded, status=201, auth=True, errors=(503,))
@require_token
def add():
    """JSON `{"documents": [{"text", "id"?, "site"?}, ...]}`, or `application/x-ndjson` with one
    `{"text", "id"?, "site"?}` object per line (a bad line is a 422 that names it).

    Each text is labelled by the active model when it is queued, and stored with its
    **uncertainty = 1 - the mean over its blocks of `role_score`** (the probability of the
    role the model chose for the block, without stored corrections): 0 when the model is
    sure of every block, higher the more of the text it hesitates over.  `GET
    /v1/documents/next` hands out the highest first.  The mean, not the least sure block,
    so that one odd line does not send a long, otherwise clear text to the front.  A text
    already queued is not added again; one that already has labels is queued as done."""
    if request.mimetype in NDJSON:
        docs = _ndjson_documents()
    elif request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        docs = [(f"documents.{n}", d) for n, d in enumerate(parse_json(DocumentsRequest).documents)]
    else:
        raise ApiError(415, "unsupported_media_type", "expected Content-Type application/json or "
                       f"application/x-ndjson, got {request.mimetype or 'none'!r}")
    check_blocks([d.text for _, d in docs])
    version, model = serving_model()
    results = label_texts(model, [d.text for _, d in docs], model.decision_for(None, False), None,
                          [d.site for _, d in docs])
    queued = []
    for (where, d), res in zip(docs, results):
        scores = [s["role_score"] for s in res["segments"]]
        if not scores:
            raise ApiError(422, "invalid_input", f"{where}: text has no blocks (no non-empty line)")
        queued.append(QueuedText(d.text, len(scores), uncertainty(scores), d.id, d.site))
    rows = add_documents(get_db(), queued, version)
    added = sum(new for _, new in rows)
    return {"added": added, "duplicates": len(rows) - added,
            "documents": [document_view(row, with_text=False) for row, _ in rows]}, 201


@bp.get("")
@endpoint(summary="How many queued documents are pending, done and skipped",
          response=QueueCounts, auth=True)
@require_token
def index():
    return counts(get_db())


@bp.get("/next")
@endpoint(summary="The pending document the model is least sure about", response=QueuedDocument,
          auth=True, errors=(404,))
@require_token
def next_document():
    """Highest uncertainty first, then the oldest; 404 `queue_empty` when nothing is pending.
    The document stays pending until labels are stored for its text or it is skipped."""
    row = next_pending(get_db())
    if row is None:
        raise ApiError(404, "queue_empty", "no pending documents; queue some with POST /v1/documents")
    return document_view(row)


@bp.post("/<rowid:doc_id>/skip")
@endpoint(summary="Take a pending document off the queue without labels",
          response=QueuedDocument, auth=True, errors=(404, 409))
@require_token
def skip_document(doc_id: int):
    """Skipping a skipped document is a no-op; a document whose labels are stored is done (409)."""
    row = skip(get_db(), doc_id)
    if row is None:
        raise ApiError(404, "not_found", f"no queued document {doc_id}")
    if row["status"] == "done":
        raise ApiError(409, "already_done", f"document {doc_id} is already labelled")
    return document_view(row, with_text=False)
