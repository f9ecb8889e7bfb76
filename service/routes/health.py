"""``/healthz`` (alive), ``/readyz`` (a model is loaded) and ``/openapi.json``."""

from __future__ import annotations

import os

from flask import Blueprint, current_app

from newssift.service.api import endpoint, openapi_document
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
    current = current_app.extensions["newssift_model"].get()
    if current is None:
        raise ApiError(503, "no_model", "no model loaded yet")
    return {"status": "ready", "model": current[0], "worker": os.getpid()}


@bp.get("/openapi.json")
def openapi():
    return openapi_document(current_app)
