"""``POST /v1/labels`` stores corrections, ``DELETE /v1/labels/<id>`` withdraws one, and
``GET /v1/labels`` exports them as training JSONL.  Stored corrections take effect in every
worker's correction memory within the reload interval (:mod:`newssift.service.memory`)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, stream_with_context

from newssift.classifier.labels import DEFAULT_TOPICS
from newssift.classifier.segment import segment
from newssift.service.api import endpoint, parse_json, read_html
from newssift.service.auth import require_token
from newssift.service.db import connect, get_db
from newssift.service.errors import ApiError
from newssift.service.queue import mark_labelled
from newssift.service.schemas import LabelsRequest, LabelsResponse, WithdrawResponse
from newssift.service.serving import serving_model
from newssift.service.store import (
    Correction,
    add_labels,
    export_jsonl,
    merge_label,
    withdraw,
)
from newssift.service.versions import versions_with_labels

bp = Blueprint("labels", __name__, url_prefix="/v1/labels")
DEFAULT_WHO = "api"


def _topics() -> set[str]:
    """The active model's topics, or the default set when no model is loaded."""
    try:
        return set(serving_model()[1].topics)
    except ApiError:
        return set(DEFAULT_TOPICS)


def validate(req: LabelsRequest, text: str,
             stored: dict[int, tuple[str | None, str | None]] | None = None,
             ) -> tuple[int, list[Correction]]:
    """Check indexes against the blocks of ``text`` (the request's, or its page's), labels
    against the label set, and the labels against each other and the text's ``stored``
    ones: a boilerplate block has no topic, and the main blocks of a text share the
    article's topic."""
    n_blocks = len(segment(text))
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
        role, topic = merge_label((stored or {}).get(lab.index), lab.role, lab.topic)
        if role == "boilerplate" and topic is not None:
            said = "" if lab.role == "boilerplate" else " (its stored role)"
            raise ApiError(422, "contradictory_labels", f"{where}: a boilerplate block{said} has "
                           f"no topic; drop topic {topic!r} or give another role")
        seen.add(lab.index)
        out.append(Correction(lab.index, lab.role, lab.topic))
    _check_main_topics(out, stored or {})
    return n_blocks, out


def _check_main_topics(new: list[Correction], stored: dict[int, tuple[str | None, str | None]]) -> None:
    """Main blocks are the article: one topic for all of them, this request's and those stored."""
    merged = dict(stored)
    for c in new:
        merged[c.index] = merge_label(merged.get(c.index), c.role, c.topic)
    topics = {}
    for index, (role, topic) in sorted(merged.items()):
        if role == "main" and topic is not None:
            topics.setdefault(topic, index)
    if len(topics) > 1:
        (a, i), (b, j) = list(topics.items())[:2]
        where = "among the stored labels and these" if stored else "in these labels"
        raise ApiError(422, "contradictory_labels",
                       f"main blocks {i} and {j} have topics {a!r} and {b!r} {where}; the main "
                       f"blocks of a text share the article's topic")


@bp.post("")
@endpoint(summary="Store corrections of blocks of a text", body=LabelsRequest,
          response=LabelsResponse, status=201, auth=True)
@require_token
def post_labels():
    """A newer correction of the same block of the same text supersedes the older one.  A
    web page (`{"html", "labels"}`) is kept with its corrections: a retrain adapts to it
    as a page (its markup), and the export gives it back."""
    req = parse_json(LabelsRequest)
    # A page is stored as the text its blocks make (what corrections match) and as itself.
    text = req.text if req.html is None else read_html(req.html).text
    conn = get_db()
    n_blocks, corrections = validate(req, text)  # what needs no stored label, before the lock
    result = add_labels(conn, text, n_blocks, corrections, req.who or DEFAULT_WHO, req.site,
                        check=lambda stored: validate(req, text, stored), html=req.html)
    mark_labelled(conn, text)  # its queued document, if any, leaves the labelling queue
    return {"document": result.sha256, "stored": result.stored, "superseded": result.superseded,
            "blocks": n_blocks, "ids": list(result.ids)}, 201


@bp.delete("/<rowid:label_id>")
@endpoint(summary="Withdraw a stored correction", response=WithdrawResponse, auth=True,
          errors=(404,))
@require_token
def withdraw_label(label_id: int):
    """The block goes back to the active model's own label on the next request of every
    worker.  A version retrained with the label keeps what it learnt from it (its adapter's
    line table, its heads): ``still_in_versions`` names them, and a retrain drops it."""
    conn = get_db()
    if not withdraw(conn, label_id):
        raise ApiError(404, "not_found", f"no label {label_id} is in force (unknown, superseded "
                       "or already withdrawn)")
    models_dir = current_app.extensions["newssift"]["model_dir"]
    return {"withdrawn": label_id,
            "still_in_versions": list(versions_with_labels(conn, models_dir, {label_id}))}


@bp.get("")
@endpoint(summary="Export current labels as JSONL (the `newssift train --labels` format)",
          response=None, auth=True, media_type="application/x-ndjson")
@require_token
def export_labels():
    """One `{"text", "html"?, "site"?, "labels": [{"id", "index", "role", "topic"}]}` object per line,
    per text and site: what `newssift train --labels` and `--corrections` read."""
    settings = current_app.extensions["newssift"]

    def lines():
        conn = connect(settings["db"], settings["db_timeout"])  # outlives the request context
        try:
            yield from export_jsonl(conn)
        finally:
            conn.close()

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson")
