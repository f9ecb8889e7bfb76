"""``POST /v1/labels`` stores corrections; ``GET /v1/labels`` exports them as training JSONL."""

from __future__ import annotations

from flask import Blueprint, Response, stream_with_context

from newssift.classifier.labels import DEFAULT_TOPICS
from newssift.classifier.segment import segment
from newssift.service.api import endpoint, parse_json
from newssift.service.serving import serving_model
from newssift.service.auth import require_token
from newssift.service.db import connect, get_db
from newssift.service.errors import ApiError
from newssift.service.schemas import LabelsRequest, LabelsResponse
from newssift.service.store import Correction, add_labels, export_jsonl

bp = Blueprint("labels", __name__, url_prefix="/v1/labels")
DEFAULT_WHO = "api"


def _topics() -> set[str]:
    """The active model's topics, or the default set when no model is loaded."""
    try:
        return set(serving_model()[1].topics)
    except ApiError:
        return set(DEFAULT_TOPICS)


def validate(req: LabelsRequest) -> tuple[int, list[Correction]]:
    """Check indexes against the text's blocks and labels against the label set."""
    n_blocks = len(segment(req.text))
    if n_blocks == 0:
        raise ApiError(422, "invalid_input", "text has no blocks (no non-empty line)")
    topics = _topics()
    seen: set[int] = set()
    out = []
    for n, lab in enumerate(req.labels):
        where = f"labels.{n}"
        if lab.index >= n_blocks:
            raise ApiError(422, "index_out_of_range",
                           f"{where}: block {lab.index} does not exist; the text has {n_blocks} "
                           f"blocks (0..{n_blocks - 1}), one per non-empty line")
        if lab.index in seen:
            raise ApiError(422, "duplicate_index", f"{where}: block {lab.index} is labelled twice")
        if lab.role is None and lab.topic is None:
            raise ApiError(422, "invalid_input", f"{where}: give a role, a topic or both")
        if lab.topic is not None and lab.topic not in topics:
            raise ApiError(422, "unknown_label", f"{where}: unknown topic {lab.topic!r}; "
                           f"one of {', '.join(sorted(topics))}")
        seen.add(lab.index)
        out.append(Correction(lab.index, lab.role, lab.topic))
    return n_blocks, out


@bp.post("")
@endpoint(summary="Store corrections of blocks of a text", body=LabelsRequest,
          response=LabelsResponse, status=201, auth=True)
@require_token
def post_labels():
    """A newer correction of the same block of the same text supersedes the older one."""
    req = parse_json(LabelsRequest)
    n_blocks, corrections = validate(req)
    result = add_labels(get_db(), req.text, n_blocks, corrections, req.who or DEFAULT_WHO)
    return {"document": result.sha256, "stored": result.stored, "superseded": result.superseded,
            "blocks": n_blocks}, 201


@bp.get("")
@endpoint(summary="Export current labels as JSONL (the `newssift train --labels` format)",
          response=None, auth=True, media_type="application/x-ndjson")
@require_token
def export_labels():
    """One `{"text", "labels": [{"index", "role", "topic"}]}` object per line, per text."""
    from flask import current_app

    settings = current_app.extensions["newssift"]

    def lines():
        conn = connect(settings["db"], settings["db_timeout"])  # outlives the request context
        try:
            yield from export_jsonl(conn)
        finally:
            conn.close()

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson")
