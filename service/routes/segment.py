"""``POST /v1/segment`` and ``POST /v1/segment/batch``: label the blocks of texts."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from newssift.service.api import decode_body, endpoint, parse_json
from newssift.service.auth import authenticated
from newssift.service.errors import ApiError
from newssift.service.schemas import BatchRequest, BatchResponse, SegmentRequest, SegmentResponse
from newssift.service.serving import (
    check_blocks,
    correction_memory,
    hide_correction_ids,
    label_texts,
    serving_model,
)

bp = Blueprint("segment", __name__, url_prefix="/v1/segment")


def _labelled(model, texts, decision, memory, sites) -> list[dict]:
    """The results, with correction ids only for a caller holding the token."""
    results = label_texts(model, texts, decision, memory, sites)
    return results if memory is None or authenticated() else hide_correction_ids(results)


def _result(out: dict, version: str, doc_id) -> dict:
    out["model"] = version
    out["id"] = doc_id
    return out


@bp.post("")
@endpoint(summary="Label every block of one text", body=SegmentRequest, text_body=True,
          response=SegmentResponse, errors=(503,))
def segment_one():
    """Send JSON `{"text", "id"}` or the raw text as `text/plain` (UTF-8).

    JSON may also say `main_threshold` and `keep_comments`, as the CLI's options do, a
    `site` for site-scoped corrections, and `use_corrections: false` for the model's own
    labels (stored corrections apply by default).  A block a stored correction labelled
    says so in `correction` (`match`: how it matched); its `id`, the label store's row
    (`DELETE /v1/labels/<id>`), only with the API token, else null."""
    if request.mimetype == "text/plain":
        doc = SegmentRequest(text=decode_body(request.get_data(cache=True),
                                              request.mimetype_params.get("charset")))
    else:
        doc = parse_json(SegmentRequest)
    check_blocks([doc.text])
    version, model = serving_model()
    decision = model.decision_for(doc.main_threshold, doc.keep_comments)
    memory = correction_memory() if doc.use_corrections else None
    return _result(_labelled(model, [doc.text], decision, memory, [doc.site])[0], version, doc.id)


@bp.post("/batch")
@endpoint(summary="Label the blocks of several texts in one request", body=BatchRequest,
          response=BatchResponse, errors=(503,))
def segment_batch():
    """At most NEWSSIFT_MAX_BATCH documents; results come back in the order sent."""
    batch = parse_json(BatchRequest)
    limit = current_app.extensions["newssift"]["max_batch"]
    if len(batch.documents) > limit:
        raise ApiError(422, "batch_too_large",
                       f"{len(batch.documents)} documents; send at most {limit} per request")
    check_blocks([d.text for d in batch.documents])
    version, model = serving_model()
    decision = model.decision_for(batch.main_threshold, batch.keep_comments)
    memory = correction_memory() if batch.use_corrections else None
    results = _labelled(model, [d.text for d in batch.documents], decision, memory,
                        [d.site for d in batch.documents])
    return {"model": version,
            "results": [_result(r, version, d.id) for r, d in zip(results, batch.documents)]}
