"""The real server: gunicorn with 2 workers on a free 127.0.0.1 port, killed at the end."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path

import pytest
from service_fixtures import Server, running

pytest_plugins = ["service_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT.parent / "shared" / "seed" / "seed-article.txt"
HANG_GUARD_S = 30
THREADS, LABELS = 8, 1000


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_model_dir):
    srv = Server(tmp_path_factory.mktemp("server") / "data", seed_model_dir)
    with running(srv):
        yield srv


def test_segments_the_seed_article(server):
    if not SEED_ARTICLE.is_file():
        pytest.skip(f"{SEED_ARTICLE} is not beside the project")
    status, body = server.request("POST", "/v1/segment", {"text": SEED_ARTICLE.read_text("utf-8")})
    assert status == 200 and body["model"] == "tiny1" and body["segments"]


def test_labels_from_eight_threads_are_all_stored(server):
    errors: list = []

    def worker(t: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            for n in range(LABELS // THREADS):
                text = f"Thread {t} story {n} headline\nBody of story {n} from thread {t}.\n"
                status, body = server.request("POST", "/v1/labels", {
                    "text": text, "labels": [{"index": 1, "role": "main"}]}, auth=True, conn=conn)
                if status != 201:
                    errors.append((status, body))
        except Exception as exc:  # surfaced below; a thread must not die silently
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    status, data = server.request("GET", "/v1/labels", auth=True)
    lines = [json.loads(x) for x in data.decode().splitlines()]
    assert status == 200 and len(lines) == LABELS
    assert {x["text"].split("\n")[0] for x in lines} == {
        f"Thread {t} story {n} headline" for t in range(THREADS) for n in range(LABELS // THREADS)}


def test_retrain_is_served_by_both_workers(server):
    status, job = server.request("POST", "/v1/retrain", {}, auth=True)
    assert status == 202
    job = server.wait_job(job["id"])
    assert job["status"] == "promoted", job
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (len(seen) < 2 or set(seen.values()) != {job["version"]}):
        ready = server.request("GET", "/readyz")[1]  # a new connection: either worker may answer
        seen[ready["worker"]] = ready["model"]
    assert len(seen) == 2 and set(seen.values()) == {job["version"]}, seen


def test_sigkill_during_retrain_keeps_model_and_labels(server, tmp_path):
    active = server.request("GET", "/v1/models")[1]["active"]
    labels_before = server.request("GET", "/v1/labels", auth=True)[1]
    status, job = server.request("POST", "/v1/retrain", {"mode": "full"}, auth=True)
    assert status == 202
    time.sleep(0.3)
    assert server.request("GET", f"/v1/retrain/{job['id']}", auth=True)[1]["status"] == "running"
    server.kill()
    server.start()
    assert server.request("GET", "/v1/models")[1]["active"] == active
    assert server.request("GET", "/readyz")[1]["model"] == active
    failed = server.request("GET", f"/v1/retrain/{job['id']}", auth=True)[1]
    assert failed["status"] == "failed" and "interrupted" in failed["reason"]
    assert server.request("GET", "/v1/labels", auth=True)[1] == labels_before
    status, again = server.request("POST", "/v1/retrain", {}, auth=True)  # not blocked by the dead job
    assert status == 202
    assert server.wait_job(again["id"])["status"] == "promoted"


def _settled(server, rounds: int = 3) -> None:
    """Both workers serving the active model, each having answered ``rounds`` times, and a
    moment for the connections just closed to be counted down: an earlier test's retrain
    leaves a worker loading the promoted model, and while it loads the other takes the
    connections (its count is stale, not its share)."""
    active = server.request("GET", "/v1/models")[1]["active"]
    answers: dict[int, int] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (len(answers) < 2 or min(answers.values()) < rounds):
        ready = server.request("GET", "/readyz")[1]
        if ready["model"] == active:
            answers[ready["worker"]] = answers.get(ready["worker"], 0) + 1
    assert len(answers) == 2, answers
    time.sleep(0.5)


def test_keep_alive_connections_are_shared_evenly_between_the_workers(server):
    # Left to gunicorn's accept race, 16 connections split 8/8 only a fifth of the time.
    _settled(server)
    conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(16)]
    try:
        workers = [server.request("GET", "/readyz", conn=c)[1]["worker"] for c in conns]
        assert sorted({w: workers.count(w) for w in workers}.values()) == [8, 8], workers
    finally:
        for c in conns:
            c.close()


def test_a_correction_takes_effect_on_both_workers(server):
    """Stored through one worker, applied by both to the corrected text and to the same line
    in another text, without a retrain; withdrawn, gone from both."""
    text = ("Divers recovered the bell of the old ferry from the bottom of the bay.\n"
            "Tap here to follow the Harbour Gazette on every platform\n"
            "The ferry sank in a storm in 1931 with no one aboard.\n")
    other = ("A different story about the lighthouse.\n"
             "Tap here to follow the Harbour Gazette on every platform\n")
    conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(16)]
    try:
        by_worker = {}
        for c in conns:  # keep-alive connections stay with their worker (split 8/8 above)
            by_worker.setdefault(server.request("GET", "/readyz", conn=c)[1]["worker"], c)
        assert len(by_worker) == 2
        own = server.request("POST", "/v1/segment", {"text": text}, conn=conns[0])[1]["segments"][1]["role"]
        target = "boilerplate" if own != "boilerplate" else "teaser"
        status, stored = server.request("POST", "/v1/labels", {
            "text": text, "labels": [{"index": 1, "role": target}]}, auth=True)
        assert status == 201
        stored_at = time.monotonic()

        def line_role(conn, doc, **options):
            return server.request("POST", "/v1/segment", {"text": doc, **options}, conn=conn)[1][
                "segments"][1]["role"]

        pending = set(by_worker)
        # The workers re-read the store every 0.2 s; the deadline only guards a hang (a
        # loaded machine must not fail the test), the time taken is printed.
        while pending and time.monotonic() - stored_at < HANG_GUARD_S:
            pending = {w for w in pending if not (line_role(by_worker[w], text) == target
                                                  and line_role(by_worker[w], other) == target)}
        took = time.monotonic() - stored_at
        print(f"a correction reached both workers in {took:.2f} s")
        assert not pending, (pending, took)
        for conn in by_worker.values():
            assert line_role(conn, text, use_corrections=False) == own
        status, _ = server.request("DELETE", f"/v1/labels/{stored['ids'][0]}", auth=True)
        assert status == 200
        time.sleep(0.5)  # the test server re-reads the store every 0.2 s
        assert [line_role(c, text) for c in by_worker.values()] == [own, own]
    finally:
        for c in conns:
            c.close()


def _chunked(server, body: bytes, content_type: str = "text/plain"):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
        try:
            conn.request("POST", "/v1/segment", pieces, {"Content-Type": content_type,
                                                         "Transfer-Encoding": "chunked"},
                         encode_chunked=True)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and stopped reading: its answer is still there to read
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


@pytest.mark.parametrize("content_type", ["text/plain", "application/json"])
def test_a_chunked_body_over_the_limit_is_refused_whole(server, content_type):
    """However the body is framed, over the limit is 413: never a 200 on its first 2 MiB."""
    line = ("Residents described a night of almost constant explosions near the crossing. " * 8 + "\n")
    text = line * (3 * 1024 * 1024 // len(line))
    body = text.encode() if content_type == "text/plain" else json.dumps({"text": text}).encode()
    status, answer = _chunked(server, body, content_type)
    assert status == 413 and answer["error"]["code"] == "body_too_large", (status, answer)


def test_a_chunked_body_within_the_limit_is_read_whole(server):
    line = "Divers recovered the bell of the old ferry from the bottom of the bay.\n"
    text = line * (1024 * 1024 // len(line))  # about 1 MiB, sent in 64 KiB chunks
    status, body = _chunked(server, text.encode())
    assert status == 200, body
    assert body["article"]["n_blocks"] == text.count("\n")
    assert body["segments"][-1]["end"] == len(text) - 1
