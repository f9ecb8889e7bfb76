"""Gunicorn's workers, answering what gunicorn refuses before the app sees it in our error shape.

A request line longer than gunicorn's ``limit_request_line`` (4,094 bytes: a long URL), too
many or too long header fields, or a request line or header gunicorn cannot parse never
reach Flask: gunicorn writes its own HTML page.  The workers here answer those with the
service's ``{"error": {"code", "message", "request_id"}}`` (with ``X-Request-Id`` and
``nosniff``, as every response), the same status, and a message that names the fix.  The
rest of gunicorn's own refusals (unsupported transfer codings, proxy protocol, TLS) keep
gunicorn's answer.

:func:`worker_class` wraps whichever worker ``newssift serve`` picked: the balanced gthread
worker (:mod:`newssift.service.balance`), plain gthread, or sync.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from gunicorn import util
from gunicorn.http.errors import (
    ChunkMissingTerminator,
    InvalidChunkExtension,
    InvalidChunkSize,
    InvalidHeader,
    InvalidHeaderName,
    InvalidHTTPVersion,
    InvalidRequestLine,
    InvalidRequestMethod,
    LimitRequestHeaders,
    LimitRequestLine,
    ObsoleteFolding,
)
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from newssift.service.balance import BalancedThreadWorker

__all__ = ["JsonErrors", "JsonSyncWorker", "JsonThreadWorker", "JsonBalancedWorker",
           "worker_class", "error_bytes"]

log = logging.getLogger("newssift.service")
_REASONS = {400: "Bad Request", 414: "URI Too Long", 431: "Request Header Fields Too Large"}
_MALFORMED = (InvalidRequestLine, InvalidRequestMethod, InvalidHTTPVersion, InvalidHeader,
              InvalidHeaderName, ObsoleteFolding, InvalidChunkSize, ChunkMissingTerminator,
              InvalidChunkExtension)


def _refusal(exc: BaseException, cfg: Any) -> tuple[int, str, str] | None:
    """(status, code, message) for what we answer ourselves, None for gunicorn's own answer."""
    if isinstance(exc, LimitRequestLine):
        return (414, "uri_too_long",
                f"the request line (method, URL, version) is longer than "
                f"{cfg.limit_request_line} bytes; send long input in a POST body, not in the URL")
    if isinstance(exc, LimitRequestHeaders):
        return (431, "headers_too_large",
                f"too many or too long header fields ({exc}); at most "
                f"{cfg.limit_request_fields} fields of {cfg.limit_request_field_size} bytes each")
    if isinstance(exc, _MALFORMED):
        return 400, "bad_request", f"malformed HTTP request: {type(exc).__name__}: {exc}"
    return None


def error_bytes(status: int, code: str, message: str, request_id: str) -> bytes:
    """A whole HTTP/1.1 response carrying the error shape; the connection closes after it, as
    after any request gunicorn could not read (what follows on it cannot be trusted)."""
    body = json.dumps({"error": {"code": code, "message": message, "request_id": request_id}},
                      ensure_ascii=True).encode("ascii")
    head = (f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
            "Connection: close\r\n"
            "Content-Type: application/json\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            f"X-Request-Id: {request_id}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


class JsonErrors:
    """Mixin for a gunicorn worker: its refusals of unreadable requests in the error shape."""

    def handle_error(self, req, client, addr, exc):  # gunicorn's Worker.handle_error signature
        refusal = _refusal(exc, self.cfg)
        if refusal is None:
            return super().handle_error(req, client, addr, exc)
        status, code, message = refusal
        request_id = uuid.uuid4().hex
        peer = addr[0] if addr else ""
        self.log.warning("Invalid request from ip=%s: %s (%s %s, request %s)", peer, exc, status,
                         code, request_id)
        try:
            util.write_nonblock(client, error_bytes(status, code, message, request_id))
        except Exception:  # the client went away: nothing to answer, as in gunicorn's own
            self.log.debug("Failed to send error message.")
        return None


class JsonSyncWorker(JsonErrors, SyncWorker):
    pass


class JsonThreadWorker(JsonErrors, ThreadWorker):
    pass


class JsonBalancedWorker(JsonErrors, BalancedThreadWorker):
    pass


_WRAPPED = {"sync": JsonSyncWorker, "gthread": JsonThreadWorker,
            f"{BalancedThreadWorker.__module__}.BalancedThreadWorker": JsonBalancedWorker}


def worker_class(chosen: str) -> str:
    """The worker class to give gunicorn for ``chosen`` (a name gunicorn takes): the same one
    answering in the error shape; ``chosen`` itself when it is not one of ours."""
    wrapped = _WRAPPED.get(chosen)
    return f"{__name__}.{wrapped.__name__}" if wrapped else chosen
