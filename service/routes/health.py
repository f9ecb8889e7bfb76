"""``/healthz`` (alive), ``/readyz`` (a model is loaded; the label store's state) and ``/openapi.json``."""

from __future__ import annotations

import os

from flask import Blueprint, current_app

from newssift.service.api import endpoint, openapi_document
from newssift.service.db import store_state
from newssift.service.errors import ApiError
from newssift.service.schemas import HealthResponse

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@endpoint(summary="The process answers", response=HealthResponse)
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
@endpoint(summary="A model is loaded and requests can be served", response=HealthResponse,
          errors=(503,))
def readyz():
    """`ready` when a model is loaded and the label store can be written; `degraded` when the
    model is loaded but the store cannot be (segmenting works; what stores answers 503): the
    `store` field says why."""
    current = current_app.extensions["newssift_model"].get()
    if current is None:
        raise ApiError(503, "no_model", "no model loaded yet")
    problem = store_state(current_app.extensions["newssift"]["db"])
    return {"status": "ready" if problem is None else "degraded", "model": current[0],
            "worker": os.getpid(), "store": "ok" if problem is None else problem.code}


@bp.get("/openapi.json")
def openapi():
    return openapi_document(current_app)
