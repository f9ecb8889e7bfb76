"""``GET /v1/models`` lists versions; ``POST /v1/models/<version>/activate`` switches (rollback)."""

from __future__ import annotations

from flask import Blueprint, current_app

from newssift.classifier.errors import InvalidInput, ModelError
from newssift.classifier.persist import load_model
from newssift.service.api import endpoint
from newssift.service.auth import authenticated, require_token
from newssift.service.db import get_db
from newssift.service.errors import ApiError
from newssift.service.schemas import ModelsResponse
from newssift.service.versions import (
    gate_problem,
    list_versions,
    read_pointer,
    version_labels,
    version_path,
    version_records,
    withdrawn_labels,
    write_pointer,
)

bp = Blueprint("models", __name__, url_prefix="/v1/models")
UNGATED = "ungated"  # a version folder with no record: no gate judged it


def _listing() -> dict:
    models_dir = current_app.extensions["newssift"]["model_dir"]
    active = read_pointer(models_dir)
    records = version_records(get_db())
    withdrawn = withdrawn_labels(get_db())
    serving = current_app.extensions["newssift_model"].get()
    known = authenticated()  # label ids, which say what the store holds, only with the token
    out = []
    for name in list_versions(models_dir):
        rec = records.get(name)
        trained_with = version_labels(rec)
        out.append({"version": name, "active": name == active,
                    "status": rec["status"] if rec else UNGATED,
                    "reason": rec["reason"] if rec else None,
                    "created": rec["created"] if rec else None,
                    "job": rec["job_id"] if rec else None,
                    "labels": len(trained_with) if rec and rec["job_id"] is not None else None,
                    "withdrawn_labels": sorted(withdrawn.intersection(trained_with)) if known else []})
    return {"active": active, "serving": serving[0] if serving else None, "models": out}


@bp.get("")
@endpoint(summary="Model versions, the active one and the one this worker serves",
          response=ModelsResponse)
def index():
    return _listing()


@bp.post("/<version>/activate")
@endpoint(summary="Make a version the active model (e.g. roll back)", response=ModelsResponse,
          auth=True, errors=(404, 409, 422))
@require_token
def activate(version: str):
    """The version is loaded and its manifest hashes checked before the pointer moves.  Only a
    version the promotion gate judged (`promoted`, or `rejected`: measured, and rolling back
    to it is a choice made knowing why) or the `seed` can be activated: an `ungated` one is
    409 `not_gated`."""
    models_dir = current_app.extensions["newssift"]["model_dir"]
    try:
        path = version_path(models_dir, version)
    except InvalidInput as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    if version not in list_versions(models_dir):
        raise ApiError(404, "not_found", f"no model version {version!r}; see GET /v1/models")
    problem = gate_problem(get_db(), version)
    if problem:
        raise ApiError(409, "not_gated", problem)
    try:
        load_model(path)
    except ModelError as exc:
        raise ApiError(422, "model_error", str(exc)) from None
    write_pointer(models_dir, version)
    current_app.extensions["newssift_model"].refresh()
    return _listing()
