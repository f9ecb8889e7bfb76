"""Request bodies read whole, and bounded however they are framed.

Werkzeug checks a declared ``Content-Length`` against ``MAX_CONTENT_LENGTH``, but a
chunked body (no length declared) was read up to the limit and cut there: the text
past 2 MiB silently dropped, and the rest labelled.  So before any view runs, the body
is read here from the server's input with one byte to spare: more than the limit is a
413 and the connection is closed; within it, the view reads exactly the bytes that
were sent.  Of an oversized chunked body up to ``DRAIN_FACTOR`` times the limit more is
read and dropped before answering, so that the client, still sending, sees the 413
rather than a reset connection; past that the connection is simply closed.
"""

from __future__ import annotations

import io

from flask import Flask, request

from newssift.service.errors import ApiError

__all__ = ["init_app", "READ_CHUNK", "DRAIN_FACTOR"]

READ_CHUNK = 1 << 16
DRAIN_FACTOR = 8


def init_app(app: Flask, max_bytes: int) -> None:
    @app.before_request
    def _bounded_body() -> None:
        env = request.environ
        declared = request.content_length
        chunked = "chunked" in env.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared is not None and declared > max_bytes:
            raise _too_large(max_bytes)
        if not chunked:
            return  # a declared length within the limit: werkzeug reads exactly that
        if "wsgi.input_terminated" not in env:
            raise ApiError(411, "length_required", "send a Content-Length or use a server "
                           "that terminates chunked bodies (newssift serve does)")
        stream, data = env["wsgi.input"], bytearray()
        while len(data) <= max_bytes:
            piece = stream.read(min(READ_CHUNK, max_bytes + 1 - len(data)))
            if not piece:
                break
            data += piece
        if len(data) > max_bytes:
            drained = 0
            while drained < DRAIN_FACTOR * max_bytes and stream.read(READ_CHUNK):
                drained += READ_CHUNK
            raise _too_large(max_bytes)
        env["wsgi.input"] = io.BytesIO(bytes(data))
        env["CONTENT_LENGTH"] = str(len(data))
        env.pop("HTTP_TRANSFER_ENCODING", None)


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(413, "body_too_large", f"request body larger than {max_bytes} bytes; "
                    "send less (the limit is NEWSSIFT_MAX_BYTES)", headers={"Connection": "close"})
