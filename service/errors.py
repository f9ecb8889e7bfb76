"""Every 4xx/5xx answer has one shape: ``{"error": {"code": ..., "message": ...}}``.

Our own exceptions (:mod:`newssift.classifier.errors`) map to 4xx; werkzeug's HTTP
errors (404, 405, 413, ...) keep their status but get our shape; a fault of the SQLite
label store (locked, read-only, broken) is a 503 with ``Retry-After`` and a code that
names it; anything else is logged with its traceback and answered with a bare 500.
"""

from __future__ import annotations

import sqlite3

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from newssift.classifier.errors import InvalidInput, ModelError, NewssiftError
from newssift.service.db import store_problem

__all__ = ["ApiError", "error_response", "init_app"]

_STATUS = {InvalidInput: 422, ModelError: 503}


class ApiError(Exception):
    """An error response raised from a view: status, machine-readable code, message."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict | None = None):
    from newssift.service.requestlog import request_id

    response = jsonify({"error": {"code": code, "message": message, "request_id": request_id()}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _http_code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(NewssiftError)
    def newssift_error(exc: NewssiftError):
        status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
        return error_response(status, exc.code, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        headers = {}
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        message = exc.description or exc.name
        if exc.code == 413:
            message = f"request body larger than {app.config['MAX_CONTENT_LENGTH']} bytes"
        return error_response(exc.code or 500, _http_code(exc), message, headers)

    @app.errorhandler(sqlite3.Error)
    def store_error(exc: sqlite3.Error):
        problem = store_problem(exc)
        app.logger.error("label store: %s (%s)", exc, problem.code)
        return error_response(503, problem.code, problem.message,
                              {"Retry-After": str(problem.retry_after)})

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "internal_error", "internal error; see the server log")
