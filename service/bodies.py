"""Request bodies read whole, and bounded however they are framed.

Werkzeug checks a declared ``Content-Length`` against ``MAX_CONTENT_LENGTH``, but a
chunked body (no length declared) was read up to the limit and cut there: the text
past 2 MiB silently dropped, and the rest labelled.  So before any view runs, the body
is read here from the server's input with one byte to spare: more than the limit is a
413, and never labelled in part; within it, the view reads exactly the bytes that were
sent.  Of an oversized chunked body up to ``DRAIN_FACTOR`` times the limit more is read
and dropped before answering, so that the client, still sending, sees the 413 rather
than a reset connection; past that gunicorn drops the connection.  (The responses ask
for ``Connection: close``; gunicorn 27 keeps the connection open when it has read the
body whole, which is harmless.)

A body with a ``Content-Length`` is read here too, so that one shorter than declared
(the client closed early) is a 400, not a 200 on the part that came; a chunked body
the server's reader cannot read (no final 0-chunk, a bad chunk size) is a 400, not a
500; and a body that stalls ``READ_TIMEOUT_S`` between two reads is a 408, so that a
client that stops sending does not hold a worker thread for ever.
"""

from __future__ import annotations

import io

from flask import Flask, request

from newssift.service.errors import ApiError

__all__ = ["init_app", "READ_CHUNK", "DRAIN_FACTOR", "READ_TIMEOUT_S"]

READ_CHUNK = 1 << 16
DRAIN_FACTOR = 8
READ_TIMEOUT_S = 10.0


def init_app(app: Flask, max_bytes: int) -> None:
    @app.before_request
    def _bounded_body() -> None:
        env = request.environ
        declared = request.content_length
        chunked = "chunked" in env.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared is not None and declared > max_bytes:
            raise _too_large(max_bytes)
        if not chunked and not declared:
            return  # no body
        if chunked and "wsgi.input_terminated" not in env:
            raise ApiError(411, "length_required", "send a Content-Length or use a server "
                           "that terminates chunked bodies (newssift serve does)")
        want = max_bytes + 1 if chunked else declared
        stream, data = env["wsgi.input"], bytearray()
        sock = env.get("gunicorn.socket")
        old_timeout = sock.gettimeout() if sock is not None else None
        try:
            if sock is not None:
                sock.settimeout(READ_TIMEOUT_S)
            while len(data) < want:
                piece = stream.read(min(READ_CHUNK, want - len(data)))
                if not piece:
                    break
                data += piece
            if len(data) > max_bytes:
                _drain(stream, DRAIN_FACTOR * max_bytes)
                raise _too_large(max_bytes)
        except TimeoutError:
            raise ApiError(408, "body_timeout", f"the request body stalled for {READ_TIMEOUT_S:g} s; "
                           "send it whole", headers={"Connection": "close"}) from None
        except ApiError:
            raise
        except Exception as exc:  # the server's reader: gunicorn's NoMoreData, InvalidChunkSize, ...
            raise _incomplete(f"{type(exc).__name__}: {exc}") from None
        finally:
            if sock is not None:
                sock.settimeout(old_timeout)
        if not chunked and len(data) < declared:
            raise _incomplete(f"{len(data)} of the {declared} bytes of Content-Length came")
        env["wsgi.input"] = io.BytesIO(bytes(data))
        env["CONTENT_LENGTH"] = str(len(data))
        env.pop("HTTP_TRANSFER_ENCODING", None)


def _drain(stream, most: int) -> None:
    """Read and drop up to ``most`` more bytes; a body that stalls or breaks off ends it."""
    drained = 0
    try:
        while drained < most and stream.read(READ_CHUNK):
            drained += READ_CHUNK
    except Exception:  # the 413 is the answer however the rest of the body fares
        pass


def _incomplete(why: str) -> ApiError:
    return ApiError(400, "incomplete_body", f"the request body could not be read whole ({why})",
                    headers={"Connection": "close"})


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(413, "body_too_large", f"request body larger than {max_bytes} bytes; "
                    "send less (the limit is NEWSSIFT_MAX_BYTES)", headers={"Connection": "close"})
