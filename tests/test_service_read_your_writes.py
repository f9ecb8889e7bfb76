"""Read-your-writes on every worker: a request that starts after a write returned (a label
stored or withdrawn, a version promoted or activated) is served with it, whichever of the
two gunicorn workers takes it, with no wait in between."""

from __future__ import annotations

import http.client
import time

import pytest
from service_fixtures import Server, running

pytest_plugins = ["service_fixtures"]

TEXT = ("Divers recovered the bell of the old ferry from the bottom of the bay.\n"
        "Tap here to follow the Harbour Gazette on every platform\n"
        "The ferry sank in a storm in 1931 with no one aboard.\n")
ROUNDS = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_model_dir):
    srv = Server(tmp_path_factory.mktemp("ryw") / "data", seed_model_dir, workers=2,
                 NEWSSIFT_RELOAD_INTERVAL=None)  # the default
    with running(srv):
        yield srv


def _connections_to_each_worker(server, timeout: float = 90.0) -> tuple[list, dict]:
    """New keep-alive connections until each of the two workers holds one (a connection stays
    with the worker that accepted it): (the connections kept, worker pid -> connection).
    A worker still starting (loading its model on a loaded machine) takes none: wait for it."""
    by_worker: dict[int, http.client.HTTPConnection] = {}
    tried = 0
    deadline = time.monotonic() + timeout
    while len(by_worker) < 2 and time.monotonic() < deadline:
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        worker = server.request("GET", "/readyz", conn=c)[1]["worker"]
        tried += 1
        if worker in by_worker:
            c.close()
            time.sleep(0.05)
        else:
            by_worker[worker] = c
    assert len(by_worker) == 2, f"{tried} connections in {timeout:.0f} s all went to one worker"
    return list(by_worker.values()), by_worker


@pytest.fixture
def per_worker(server):
    conns, by_worker = _connections_to_each_worker(server)
    yield list(by_worker.values())
    for c in conns:
        c.close()


def _segment(server, conn, text=TEXT) -> dict:
    status, body = server.request("POST", "/v1/segment", {"text": text}, conn=conn)
    assert status == 200, body
    return body


def test_a_stored_or_withdrawn_label_serves_the_next_request_on_every_worker(server, per_worker):
    missed = 0
    for n in range(ROUNDS):
        text = TEXT + f"Round {n}.\n"
        status, stored = server.request("POST", "/v1/labels", {
            "text": text, "labels": [{"index": 1, "role": "teaser"}]}, auth=True)
        assert status == 201
        missed += sum(_segment(server, c, text)["segments"][1]["correction"] is None for c in per_worker)
        status, _ = server.request("DELETE", f"/v1/labels/{stored['ids'][0]}", auth=True)
        assert status == 200
        missed += sum(_segment(server, c, text)["segments"][1]["correction"] is not None
                      for c in per_worker)
    assert missed == 0, f"{missed} of {4 * ROUNDS} requests after a write were served without it"


def _served_models(server) -> dict[int, set[str]]:
    """The model each worker serves a request with, on new connections to both."""
    conns, _ = _connections_to_each_worker(server)
    seen: dict[int, set[str]] = {}
    try:
        for c in conns:
            body = server.request("GET", "/readyz", conn=c)[1]
            seen.setdefault(body["worker"], set()).add(body["model"])
    finally:
        for c in conns:
            c.close()
    return seen


def test_a_promoted_or_activated_version_serves_the_next_request_on_every_worker(server):
    server.request("POST", "/v1/labels", {"text": TEXT, "labels": [{"index": 1, "role": "boilerplate"}]},
                   auth=True)
    before = server.request("POST", "/v1/segment", {"text": TEXT})[1]["model"]
    status, job = server.request("POST", "/v1/retrain", {"mode": "adapt"}, auth=True)
    assert status == 202
    job = server.wait_job(job["id"])
    assert job["status"] == "promoted", job
    served = _served_models(server)
    assert all(models == {job["version"]} for models in served.values()), served
    status, _ = server.request("POST", f"/v1/models/{before}/activate", auth=True)
    assert status == 200
    again = _served_models(server)
    assert all(models == {before} for models in again.values()), again
