"""Fuzz the framing of request bodies against the real server (gunicorn, 2 workers, over TCP).

Hypothesis builds raw HTTP/1.1 requests, sent over a socket: POST/GET/DELETE on the API
paths, bodies (JSON for the endpoint, text, bytes, bodies under and over
NEWSSIFT_MAX_BYTES) under assorted content types, framed by a correct, larger, smaller,
negative, non-numeric or duplicated Content-Length, or chunked with correct chunks,
extensions, bad sizes, no final 0-chunk, or with a Content-Length too.  The client sends
it all and half-closes; every answer must be a well-formed HTTP response below 500 (the
app's 4xx in the one error shape), or, for malformed framing only, a closed connection;
never a hang.  A body that stops short with the connection left open gets a 408 in
``READ_TIMEOUT_S`` (tested apart, in parallel, since each costs that long).  Afterwards
the server still answers, every label it stored is there and its log holds no traceback.
"""

from __future__ import annotations

import http.client
import io
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from service_fixtures import TOKEN, Server, running

from newssift.classifier.segment import segment
from newssift.classifier.textio import read_corrections
from newssift.service.bodies import READ_TIMEOUT_S

pytest_plugins = ["service_fixtures"]

MAX_BYTES = 20_000
TIMEOUT_S = 10.0  # a reply (or the server closing) must come within this
WELL_FORMED = {"none", "cl", "chunked", "chunked_ext"}
TRUNCATED = {"cl_larger", "chunked_truncated"}  # the body stops short, then the client half-closes
LINE = "Residents described a night of almost constant explosions near the crossing.\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_model_dir):
    # NEWSSIFT_MAX_BYTES small, so that oversized bodies are cheap.
    srv = Server(tmp_path_factory.mktemp("framing") / "data", seed_model_dir,
                 NEWSSIFT_MAX_BYTES=str(MAX_BYTES))
    with running(srv):
        yield srv


# What the fuzz stored, to check afterwards that nothing was lost or overwritten.
LEDGER: dict = {"labels": set(), "withdrawn": set(), "documents_added": 0}
_NONCE = itertools.count()


# ---------------------------------------------------------------------------- the wire


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


class _File(io.BytesIO):
    def close(self) -> None:  # http.client closes its file after each response; keep reading
        pass


class _Sock:
    def __init__(self, f: io.BytesIO) -> None:
        self.f = f

    def makefile(self, mode: str) -> io.BytesIO:
        return self.f


def parse_replies(data: bytes) -> tuple[list[Reply], bytes]:
    """The complete HTTP responses at the start of ``data``, and what is left after them."""
    f, out = _File(data), []
    while f.tell() < len(data):
        start = f.tell()
        r = http.client.HTTPResponse(_Sock(f))
        try:
            r.begin()
            body = r.read()
        except (http.client.HTTPException, ValueError):
            return out, data[start:]
        out.append(Reply(r.status, r.msg, body))
    return out, b""


def exchange(port: int, raw: bytes, half_close: bool = True, timeout: float = TIMEOUT_S,
             ) -> tuple[list[Reply], bytes, bool]:
    """Send ``raw``; read until the server closes, or (``half_close`` off) a whole reply came,
    or ``timeout``.  (replies, bytes left unparsed, whether the server closed)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    deadline = time.monotonic() + timeout
    received, closed = bytearray(), False
    try:
        try:
            sock.sendall(raw)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and stopped reading: its answer may still be there
        while time.monotonic() < deadline:
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                piece = sock.recv(1 << 16)
            except TimeoutError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not piece:
                closed = True
                break
            received += piece
            if not half_close and parse_replies(bytes(received))[0]:
                break
    finally:
        sock.close()
    replies, rest = parse_replies(bytes(received))
    return replies, rest, closed


def check_reply(reply: Reply, where) -> None:
    """Below 500; the app's answers (they carry X-Request-Id) in its one error shape."""
    assert reply.status < 500, (where, reply.status, reply.body[:300])
    ctype = reply.headers.get("Content-Type", "")
    if "X-Request-Id" in reply.headers and reply.status >= 400:
        assert ctype.startswith("application/json"), (where, reply.status, ctype)
        body = reply.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "request_id"}, (
            where, body)
        assert body["error"]["request_id"] == reply.headers["X-Request-Id"], (where, body)
        assert body["error"]["message"], (where, body)
    elif ctype.startswith("application/json"):
        reply.json()


# ---------------------------------------------------------------------------- requests

ENDPOINTS = [("POST", "/v1/segment"), ("POST", "/v1/segment/batch"), ("POST", "/v1/labels"),
             ("GET", "/v1/labels"), ("DELETE", "/v1/labels/{id}"), ("POST", "/v1/documents"),
             ("GET", "/v1/documents"), ("POST", "/v1/retrain"), ("GET", "/v1/models")]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "application/json; charset=latin-1",
                 "text/plain", "text/plain; charset=utf-8", "text/plain; charset=ISO-8859-1",
                 "text/plain; charset=utf-16", "text/plain; charset=windows-1252",
                 "text/plain; charset=klingon", "text/plain; charset=", 'text/plain; charset="utf-8"',
                 "application/x-ndjson", "multipart/form-data", "garbage", "x/y; ;;=", "*/*", ""]
NATURAL_TYPE = {"json": "application/json", "text": "text/plain; charset=utf-8", "binary": "text/plain"}
LINES = ["Divers recovered the bell of the old ferry from the bottom of the bay.",
         "The ferry sank in a storm in 1931 with no one aboard.", "Share this story", "Advertisement",
         "Ünïcödé naïve café — 東京の記事 — مرحبا بالعالم 🎉", "e\u0301\u0301 combining", "", "   ", "\t",
         "Tap here to follow the Harbour Gazette on every platform", "a\r", "\u2028", "x" * 500]
texts = st.lists(st.sampled_from(LINES) | st.text(max_size=30), max_size=10).map("\n".join)
json_values = st.none() | st.booleans() | st.integers() | st.text(max_size=10)


def big_text(size: int) -> str:
    return (LINE * (size // len(LINE) + 1))[:size]


@st.composite
def json_payload(draw, path: str):
    """A JSON body shaped for ``path`` (valid or nearly)."""
    text = draw(texts)
    if path == "/v1/segment":
        body = {"text": text}
        if draw(st.booleans()):
            body["id"] = draw(json_values)
        if draw(st.booleans()):
            body["main_threshold"] = draw(st.floats(-1, 2) | json_values)
        return body
    if path in ("/v1/segment/batch", "/v1/documents"):
        return {"documents": draw(st.lists(st.fixed_dictionaries({"text": texts}), max_size=4))}
    if path == "/v1/labels":
        return {"text": text or "Headline", "labels": draw(st.lists(st.fixed_dictionaries({
            "index": st.integers(-1, 4), "role": st.sampled_from(["main", "teaser", "boilerplate", "x"])}),
            min_size=1, max_size=3, unique_by=lambda lab: lab["index"]))}
    if path == "/v1/retrain":
        return draw(st.sampled_from([{}, {"mode": "adapt"}, {"mode": "full"}, {"note": "fuzz"}]))
    return draw(st.dictionaries(st.text(max_size=5), json_values, max_size=3))


@dataclass
class Payload:
    kind: str  # json | text | binary | empty
    value: object  # a dict for json, a str for text, bytes for binary

    def encode(self) -> bytes:
        if self.kind == "json":
            return json.dumps(self.value, ensure_ascii=False).encode()
        if self.kind == "text":
            return self.value.encode()
        return self.value


def _big_json(path: str, text: str) -> dict:
    batch = path in ("/v1/segment/batch", "/v1/documents")
    return {"documents": [{"text": text}]} if batch else {"text": text}


def payloads(path: str):
    size = st.one_of(st.integers(MAX_BYTES - 300, MAX_BYTES), st.integers(MAX_BYTES + 1, 3 * MAX_BYTES))
    return st.one_of(
        json_payload(path).map(lambda v: Payload("json", v)),
        texts.map(lambda t: Payload("text", t)),
        st.binary(max_size=300).map(lambda b: Payload("binary", b)),
        st.just(Payload("empty", b"")),
        size.map(lambda n: Payload("text", big_text(n))),  # under and over the limit
        size.map(lambda n: Payload("json", _big_json(path, big_text(n)))),
    )


@dataclass
class Framing:
    kind: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    wire: bytes = b""


def _chunks(draw, body: bytes, ext: bool = False) -> list[bytes]:
    """``body`` as chunks (none empty: an empty chunk ends the body), size lines in assorted
    spellings, with extensions when ``ext``."""
    cuts = sorted(draw(st.sets(st.integers(1, max(len(body) - 1, 1)), max_size=4))) if len(body) > 1 else []
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)]) if body[a:b]]
    out = []
    for piece in pieces:
        size = draw(st.sampled_from(["{:x}", "{:X}", "000{:x}"])).format(len(piece))
        if ext:
            size += draw(st.sampled_from([";foo", ";name=value", ';q="a b"', ";a=1;b=2"]))
        out.append(size.encode() + b"\r\n" + piece + b"\r\n")
    return out


FRAMINGS = ["none", "cl", "chunked", "chunked_ext", "cl_larger", "cl_smaller", "cl_negative", "cl_garbage",
            "cl_duplicate", "chunked_bad_size", "chunked_overlong_size", "chunked_truncated",
            "chunked_and_cl", "te_duplicate", "unframed"]


@st.composite
def framings(draw, body: bytes, kind: str):
    n = len(body)
    te = [("Transfer-Encoding", draw(st.sampled_from(["chunked", "Chunked", "CHUNKED"])))]
    if kind == "none":
        return Framing(kind)
    if kind == "unframed":  # bytes after the headers with no length: the next "request" to the server
        return Framing(kind, [], body or b"junk")
    if kind == "cl":
        return Framing(kind, [("Content-Length", str(n))], body)
    if kind == "cl_larger":
        return Framing(kind, [("Content-Length", str(n + draw(st.integers(1, 2000))))], body)
    if kind == "cl_smaller":
        if not n:
            body, n = b"x", 1
        return Framing(kind, [("Content-Length", str(n - draw(st.integers(1, n))))], body)
    if kind == "cl_negative":
        return Framing(kind, [("Content-Length", f"-{draw(st.integers(0, n + 5))}")], body)
    if kind == "cl_garbage":
        value = draw(st.sampled_from(["abc", "1e3", "0x10", "", " ", "12abc", "+12", "\uff11\uff12",
                                      "9" * 30, "1,2", "3.0", f"{n} {n}"]))
        return Framing(kind, [("Content-Length", value)], body)
    if kind == "cl_duplicate":
        other = draw(st.sampled_from([n, n + 1, max(n - 1, 0)]))
        return Framing(kind, [("Content-Length", str(n)), ("Content-Length", str(other))], body)
    chunks = _chunks(draw, body, ext=kind == "chunked_ext")
    end = b"0\r\n\r\n"
    if kind in ("chunked", "chunked_ext"):
        return Framing(kind, te, b"".join(chunks) + end)
    if kind == "chunked_and_cl":
        wire = b"".join(chunks) + end
        return Framing(kind, te + [("Content-Length", str(draw(st.sampled_from([n, len(wire), 3]))))], wire)
    if kind == "te_duplicate":
        return Framing(kind, te + te, b"".join(chunks) + end)
    if kind == "chunked_bad_size":
        bad = draw(st.sampled_from(["zz", "-1", "", " ", "0x10", "1 2", "f" * 24, "+5", "5\x00", "g"]))
        at = draw(st.integers(0, len(chunks)))  # a chunk's size line, or the last one's
        piece = chunks[at].split(b"\r\n", 1)[1] if at < len(chunks) else b"\r\n"
        chunks[at:at + 1] = [bad.encode() + b"\r\n" + piece]
        return Framing(kind, te, b"".join(chunks) + end)
    if kind == "chunked_overlong_size":  # a size larger than the chunk: it eats what follows
        if not chunks:
            chunks = [b"1\r\nx\r\n"]
        at = draw(st.integers(0, len(chunks) - 1))
        size, rest = chunks[at].split(b"\r\n", 1)
        grown = int(size.split(b";")[0], 16) + draw(st.integers(1, 10))
        chunks[at] = f"{grown:x}".encode() + b"\r\n" + rest
        return Framing(kind, te, b"".join(chunks) + end)
    # chunked_truncated: no final 0-chunk; or cut inside a chunk, its size line, or the last CRLF
    wire = b"".join(chunks or [b"5\r\nhello\r\n"])
    how = draw(st.sampled_from(["no_end", "mid_chunk", "mid_size", "no_last_crlf"]))
    if how == "mid_chunk":
        wire = wire[:-2 - draw(st.integers(0, 1))] if len(wire) > 8 else wire[:-3]
    elif how == "mid_size":
        wire += b"1"
    elif how == "no_last_crlf":
        wire += b"0\r\n"
    return Framing(kind, te, wire)


@dataclass
class Case:
    method: str
    path: str
    headers: list[tuple[str, str]]
    payload: Payload
    body: bytes
    framing: Framing

    @property
    def raw(self) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", "Host: 127.0.0.1",
                 *(f"{k}: {v}" for k, v in self.headers + self.framing.headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.framing.wire

    def __repr__(self) -> str:  # what a failure shows: the request, its body cut short
        return f"Case({self.framing.kind}, {self.raw[:600]!r}... ({len(self.raw)} bytes))"


@st.composite
def cases(draw, kind: str) -> Case:
    method, path = draw(st.sampled_from(ENDPOINTS))
    method = draw(st.sampled_from([method, method, method, "POST", "GET", "DELETE"]))
    if "{id}" in path:
        path = path.replace("{id}", draw(st.integers(1, 60).map(str) | st.sampled_from(
            ["0", "-1", "abc", "9" * 25, "1.5", "%00"])))
    headers = []
    if path == "/v1/retrain":  # never the token: no training starts
        auth = draw(st.sampled_from([None, "Bearer wrong", "Bearer", "Basic Zm9vOmJhcg==",
                                     f"Bearer {TOKEN}x", f"bearer {TOKEN[:-1]}"]))
    else:
        auth = draw(st.sampled_from([None, f"Bearer {TOKEN}", f"Bearer {TOKEN}", "Bearer wrong"]))
    if auth:
        headers.append(("Authorization", auth))
    payload = draw(payloads(path))
    if path == "/v1/labels" and payload.kind == "json" and "labels" in payload.value:
        payload.value["text"] += f"\nFuzz label {next(_NONCE)} of this run"  # no label supersedes another
    natural = NATURAL_TYPE.get(payload.kind, "text/plain")
    ctype = draw(st.just(natural) | st.sampled_from([None, *CONTENT_TYPES]))
    if ctype is not None:
        headers.append(("Content-Type", ctype))
    headers += draw(st.lists(st.sampled_from([("Connection", "close"), ("Connection", "keep-alive"),
                                              ("X-Request-Id", "fuzz-1"), ("X-Request-Id", "a b\tc"),
                                              ("Expect", "100-continue"), ("Accept", "*/*")]),
                                     max_size=2, unique=True))
    body = payload.encode()
    return Case(method, path, headers, payload, body, draw(framings(body, kind)))


def expected_text(case: Case) -> str | None:
    """The text a 200 of POST /v1/segment must have labelled whole, when the body says it plainly."""
    ctype = dict(case.headers).get("Content-Type")
    if case.payload.kind == "json" and ctype in ("application/json", "application/json; charset=utf-8"):
        text = case.payload.value.get("text")
        return text if isinstance(text, str) else None
    if case.payload.kind == "text" and ctype in ("text/plain", "text/plain; charset=utf-8"):
        return case.payload.value
    return None


def record(case: Case, reply: Reply) -> None:
    if dict(case.headers).get("Authorization") != f"Bearer {TOKEN}" or "X-Request-Id" not in reply.headers:
        return
    if (case.method, case.path, reply.status) == ("POST", "/v1/labels", 201):
        LEDGER["labels"].update(reply.json()["ids"])
    elif case.method == "DELETE" and case.path.startswith("/v1/labels/") and reply.status == 200:
        LEDGER["withdrawn"].add(reply.json()["withdrawn"])
    elif (case.method, case.path, reply.status) == ("POST", "/v1/documents", 201):
        LEDGER["documents_added"] += reply.json()["added"]


# ---------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("kind", FRAMINGS)
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_framing_gets_a_5xx_a_traceback_or_a_hang(server, kind, data):
    case = data.draw(cases(kind), label="case")
    replies, rest, closed = exchange(server.port, case.raw)
    event(f"{case.method} {case.path} {case.payload.kind} {'over' if len(case.body) > MAX_BYTES else 'under'}"
          f" -> {[r.status for r in replies] or 'closed'}")  # shown by --hypothesis-show-statistics
    assert closed, f"no close within {TIMEOUT_S} s after the client half-closed"
    assert rest == b"", f"not a well-formed HTTP response: {rest[:300]!r}"
    for reply in replies:
        check_reply(reply, case.framing.kind)
    kind, oversized = case.framing.kind, len(case.body) > MAX_BYTES
    if kind in WELL_FORMED:
        assert replies, "a well-framed request got no answer"
    if not replies:
        return  # a malformed request, the connection closed: acceptable
    first = replies[0]
    record(case, first)
    if kind in TRUNCATED:  # a body that stopped short is never labelled, stored or queued
        assert not 200 <= first.status < 300, (first.status, first.body[:300])
    if oversized and kind in ("chunked", "chunked_ext", "chunked_truncated", "chunked_overlong_size",
                              "chunked_bad_size", "cl", "cl_larger"):
        assert first.status != 200, first.body[:300]
    if oversized and kind in WELL_FORMED - {"none"} and "X-Request-Id" in first.headers:
        assert first.status == 413, (first.status, first.body[:300])
    if (kind in WELL_FORMED - {"none"} and (case.method, case.path) == ("POST", "/v1/segment")
            and first.status == 200 and (text := expected_text(case)) is not None):
        got = [s["text"] for s in first.json()["segments"]]  # the whole body was read: every block
        assert got == [b.text for b in segment(text)]


@st.composite
def storing_cases(draw, kind: str) -> Case:
    """A valid POST /v1/labels or /v1/documents with the token, framed as ``kind``."""
    path = draw(st.sampled_from(["/v1/labels", "/v1/documents"]))
    text = f"{draw(texts)}\nFuzz store {next(_NONCE)} of this run"  # a new text: nothing superseded
    if path == "/v1/labels":
        n_blocks = len(segment(text))
        labels = st.fixed_dictionaries({"index": st.integers(0, n_blocks - 1),
                                        "role": st.sampled_from(["main", "teaser", "boilerplate"])})
        value = {"text": text, "labels": draw(st.lists(labels, min_size=1, max_size=3,
                                                       unique_by=lambda lab: lab["index"]))}
    else:
        value = {"documents": [{"text": text}, *draw(st.lists(st.fixed_dictionaries({"text": texts.filter(
            lambda t: segment(t))}), max_size=2))]}
    payload = Payload("json", value)
    body = payload.encode()
    headers = [("Authorization", f"Bearer {TOKEN}"), ("Content-Type", "application/json")]
    return Case("POST", path, headers, payload, body, draw(framings(body, kind)))


@pytest.mark.parametrize("kind", ["cl", "chunked", "chunked_ext", "cl_larger", "chunked_truncated",
                                  "chunked_bad_size", "cl_smaller"])
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_what_is_stored_is_stored_whole_or_not_at_all(server, kind, data):
    """Valid labels and documents: stored (201) when framed well, refused when cut short;
    what was stored is checked against the export at the end."""
    case = data.draw(storing_cases(kind), label="case")
    replies, rest, closed = exchange(server.port, case.raw)
    assert closed and rest == b"" and replies, (replies, rest)
    for reply in replies:
        check_reply(reply, kind)
    first = replies[0]
    record(case, first)
    if kind in WELL_FORMED and len(case.body) <= MAX_BYTES:
        assert first.status == 201, first.body[:300]
    elif kind in TRUNCATED or kind == "cl_smaller":  # a cut JSON object is not valid JSON
        assert first.status == 400, first.body[:300]
    else:  # a garbage chunk size: nothing stored
        assert first.status >= 400, first.body[:300]


def _stalled(method: str, path: str, headers: str, sent: bytes) -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n").encode() + sent


STALLED = {  # the client sends this much, then waits with the connection open
    "content-length larger": _stalled("POST", "/v1/segment", "Content-Type: text/plain\r\n"
                                      "Content-Length: 5000\r\n", b"Headline\nThe first line"),
    "chunked, no 0-chunk": _stalled("POST", "/v1/segment", "Content-Type: text/plain\r\n"
                                    "Transfer-Encoding: chunked\r\n", b"8\r\nHeadline\r\n"),
    "chunked, cut in a chunk": _stalled("POST", "/v1/segment/batch", "Content-Type: application/json\r\n"
                                        "Transfer-Encoding: chunked\r\n", b"40\r\n{\"documents\": ["),
    "labels, content-length larger": _stalled(
        "POST", "/v1/labels", f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        "Content-Length: 900\r\n", b'{"text": "Headline", "labels": [{"index": 0, '),
    "a GET with a body": _stalled("GET", "/v1/models", "Content-Length: 50\r\n", b"abc"),
}


def test_a_body_that_stops_short_gets_a_408_in_time(server):
    """A client that stops sending, connection open, gets an answer in READ_TIMEOUT_S (the
    server's worker thread is freed), and meanwhile the server answers others."""
    results: dict[str, tuple] = {}

    def run(name: str, raw: bytes) -> None:
        started = time.monotonic()
        results[name] = (*exchange(server.port, raw, half_close=False, timeout=READ_TIMEOUT_S + 10),
                         time.monotonic() - started)

    threads = [threading.Thread(target=run, args=item) for item in STALLED.items()]
    for th in threads:
        th.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert server.request("GET", "/healthz")[0] == 200  # the stalled requests hold no one else up
    # Held up, it would wait for their read timeout; a loaded machine is slower, never that slow.
    assert time.monotonic() - started < READ_TIMEOUT_S - 2
    for th in threads:
        th.join()
    for name, (replies, rest, _closed, took) in results.items():
        assert replies, (name, rest, took)
        check_reply(replies[0], name)
        assert replies[0].status == 408 and replies[0].json()["error"]["code"] == "body_timeout", name
        assert took < READ_TIMEOUT_S + 5, (name, took)


def _chunked(path: str, ctype: str, body: bytes, end: bytes = b"0\r\n\r\n") -> bytes:
    pieces = [body[i:i + 4096] for i in range(0, len(body), 4096)]
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode() + b"".join(
        b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + end


@pytest.mark.parametrize("size", [MAX_BYTES + 1, 2 * MAX_BYTES, 12 * MAX_BYTES])
@pytest.mark.parametrize("ctype", ["text/plain", "application/json"])
@pytest.mark.parametrize("end", [b"0\r\n\r\n", b""], ids=["whole", "no-0-chunk"])
def test_an_oversized_chunked_body_is_never_a_200(server, size, ctype, end):
    text = big_text(size)
    body = text.encode() if ctype == "text/plain" else json.dumps({"text": text}).encode()
    replies, rest, closed = exchange(server.port, _chunked("/v1/segment", ctype, body, end))
    assert closed and rest == b""
    for reply in replies:
        check_reply(reply, size)
    if size <= 8 * MAX_BYTES:  # drained before the answer: the client sees it
        assert replies and replies[0].status == 413, replies and replies[0].body
    assert all(r.status != 200 for r in replies)


@pytest.mark.parametrize("cut", [0, 1, 3, 10])
@pytest.mark.parametrize("path,ctype,body", [
    ("/v1/segment", "text/plain", b"Headline\nThe first paragraph of the story.\nThe second one.\n"),
    ("/v1/segment", "application/json", b'{"text": "Headline\\nThe first paragraph.\\nThe second."}'),
    ("/v1/labels", "application/json",
     b'{"text": "Headline\\nBody", "labels": [{"index": 0, "role": "main"}]}'),
], ids=["segment-text", "segment-json", "labels"])
def test_a_truncated_chunked_body_is_never_labelled(server, path, ctype, body, cut):
    """No 0-chunk, or cut ``cut`` bytes short inside the last chunk, and the client half-closes:
    a 400, never a 2xx on the part that came."""
    raw = _chunked(path, ctype, body, end=b"")
    raw = raw[:len(raw) - cut - 2] if cut else raw
    auth = f"Authorization: Bearer {TOKEN}\r\n".encode()
    raw = raw.replace(b"Host: 127.0.0.1\r\n", b"Host: 127.0.0.1\r\n" + auth)
    replies, rest, closed = exchange(server.port, raw)
    assert closed and rest == b"" and replies
    check_reply(replies[0], cut)
    assert replies[0].status == 400 and replies[0].json()["error"]["code"] == "incomplete_body"


def test_afterwards_the_server_answers_lost_nothing_and_logged_no_traceback(server, tmp_path):
    status, body = server.request("GET", "/healthz")
    assert status == 200, body
    assert server.request("GET", "/v1/retrain/1", auth=True)[0] == 404  # the fuzz started no training
    status, stored = server.request("POST", "/v1/labels", {  # line breaks JSON leaves unescaped
        "text": "Head\u2028line\x85more\u2029\nBody", "labels": [{"index": 0, "role": "boilerplate"}]},
        auth=True)
    assert status == 201, stored
    LEDGER["labels"].update(stored["ids"])
    status, data = server.request("GET", "/v1/labels", auth=True)
    assert status == 200
    # NDJSON lines end at "\n" only: the texts hold U+2028 and the like unescaped
    exported = {lab["id"] for line in data.decode().split("\n") if line.strip()
                for lab in json.loads(line)["labels"]}
    assert exported == LEDGER["labels"] - LEDGER["withdrawn"]
    (tmp_path / "labels.jsonl").write_bytes(data)
    read_corrections(tmp_path / "labels.jsonl")  # what `newssift clean --corrections` reads
    status, queue = server.request("GET", "/v1/documents", auth=True)
    assert status == 200 and sum(queue.values()) == LEDGER["documents_added"], (queue, LEDGER)
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[max(log.find("Traceback") - 2000, 0):][:6000]


