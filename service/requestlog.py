"""Request ids and the access log.

Every response carries ``X-Request-Id``: the client's own (when it sent a short, plain
one) or a new one, also given in every error body, so that a user's report names the
log line.  With ``access_log`` on (``NEWSSIFT_ACCESS_LOG``, the default) each request
is one JSON line on the ``newssift.access`` logger (stderr under ``newssift serve``):
time, request id, method, path, status, response bytes, milliseconds, worker pid.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, g, request

__all__ = ["init_app", "request_id", "HEADER"]

HEADER = "X-Request-Id"
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
log = logging.getLogger("newssift.access")


def request_id() -> str | None:
    """This request's id (None outside a request)."""
    return g.get("request_id") if g else None


class _Stderr(logging.Handler):
    """Writes each record to the ``sys.stderr`` of the moment (gunicorn's worker log, a
    test's captured stream), one line each."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed stream: losing a log line beats failing a request
            pass


def init_app(app: Flask, access_log: bool) -> None:
    if access_log and not log.handlers:
        log.addHandler(_Stderr())
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def _start() -> None:
        sent = request.headers.get(HEADER, "")
        g.request_id = sent if _CLIENT_ID.fullmatch(sent) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        rid = g.get("request_id") or uuid.uuid4().hex
        response.headers[HEADER] = rid
        if access_log:
            ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
            log.info(json.dumps({
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "request_id": rid,
                "method": request.method, "path": request.path, "status": response.status_code,
                "bytes": response.calculate_content_length(), "ms": round(ms, 1),
                "pid": os.getpid()}, ensure_ascii=False))
        return response
