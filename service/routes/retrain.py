"""``POST /v1/retrain`` starts a background job; ``GET /v1/retrain/<job>`` reports on it."""

from __future__ import annotations

from flask import Blueprint, current_app

from newssift.service.api import endpoint, parse_json
from newssift.service.auth import require_token
from newssift.service.db import get_db
from newssift.service.errors import ApiError
from newssift.service.jobs import clean_up, job_view
from newssift.service.schemas import JobResponse, RetrainRequest

bp = Blueprint("retrain", __name__, url_prefix="/v1/retrain")


@bp.post("")
@endpoint(summary="Retrain on the base data plus stored labels, in the background",
          body=RetrainRequest, response=JobResponse, status=202, auth=True, errors=(409, 503))
@require_token
def start():
    """The new version is promoted only if it is not worse than the active one (see its evaluation)."""
    from newssift.service.jobs import start_job

    req = parse_json(RetrainRequest, allow_empty=True)
    conn = get_db()
    job_id = start_job(conn, current_app.extensions["newssift"], req.note, req.mode)
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return job_view(row), 202, {"Location": f"/v1/retrain/{job_id}"}


@bp.get("/<rowid:job_id>")
@endpoint(summary="Status, progress, log tail and evaluation of a retrain job",
          response=JobResponse, auth=True, errors=(404,))
@require_token
def status(job_id: int):
    """Needs the token: the log and the evaluation tell of the label store (its sites, its
    size)."""
    conn = get_db()
    clean_up(conn, current_app.extensions["newssift"])
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise ApiError(404, "not_found", f"no retrain job {job_id}")
    return job_view(row)
