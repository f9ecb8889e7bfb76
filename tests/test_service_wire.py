"""What gunicorn refuses before the app sees it (a URL past 4,094 bytes, too many header
fields, a request line it cannot parse) is answered in the service's error shape, over HTTP
against the real server, with the balanced gthread workers and with sync workers."""

from __future__ import annotations

import json
import socket

import pytest
from service_fixtures import Server, running

pytest_plugins = ["service_fixtures"]

GUNICORN_LINE_LIMIT = 4094  # gunicorn's default limit_request_line


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request sent as bytes on a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def error_of(status: int, headers: dict, body: bytes, expected: int, code: str) -> str:
    assert status == expected, body
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)["error"]
    assert error["code"] == code and error["request_id"] == headers["x-request-id"]
    return error["message"]


@pytest.fixture(scope="module", params=["8", "1"], ids=["gthread", "sync"])
def server(request, tmp_path_factory, seed_model_dir):
    srv = Server(tmp_path_factory.mktemp("wire") / "data", seed_model_dir, workers=1,
                 NEWSSIFT_WORKER_THREADS=request.param)
    with running(srv):
        yield srv


def test_a_url_past_the_limit_is_414_in_the_error_shape(server):
    path = "/v1/models?" + "q" * GUNICORN_LINE_LIMIT
    status, headers, body = raw(server.port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    message = error_of(status, headers, body, 414, "uri_too_long")
    assert "4094 bytes" in message and "POST body" in message
    # A request line of exactly the limit reaches the app, which answers as it always does:
    path = "/v1/models?" + "q" * (GUNICORN_LINE_LIMIT - len("GET /v1/models? HTTP/1.1"))
    assert len(f"GET {path} HTTP/1.1") == GUNICORN_LINE_LIMIT
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    status, headers, body = raw(server.port, request)
    assert status == 200 and json.loads(body)["active"], body


def test_too_many_header_fields_are_431_in_the_error_shape(server):
    fields = "".join(f"X-Field-{n}: {n}\r\n" for n in range(200))  # gunicorn allows 100
    status, headers, body = raw(server.port, f"GET /healthz HTTP/1.1\r\nHost: x\r\n{fields}\r\n".encode())
    error_of(status, headers, body, 431, "headers_too_large")


def test_a_request_line_gunicorn_cannot_parse_is_400_in_the_error_shape(server):
    status, headers, body = raw(server.port, b"GET /healthz HTTP/9\r\nHost: x\r\n\r\n")
    error_of(status, headers, body, 400, "bad_request")
