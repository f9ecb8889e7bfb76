"""A label store that is locked, read-only or broken: what needs it answers 503 with
``Retry-After`` and a code that names the fault, ``/readyz`` says so, and segmenting, which
needs no store, goes on, also when the server starts with the store already read-only.

Read-only is made for real with ``chattr +i`` (root ignores file modes); where the file
system or the user cannot do that, those tests skip and say why."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import contextmanager

import pytest
from service_fixtures import ARTICLE, AUTH, Server, assert_error, make_app, running

pytest_plugins = ["service_fixtures"]

LABEL = {"text": ARTICLE, "labels": [{"index": 0, "role": "main"}]}


@contextmanager
def immutable(path):
    """``path`` made immutable (no writes, even by root) for the block."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed: cannot make the store read-only for root")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot make a file immutable here ({made.stderr.strip()}): needs root on ext4/xfs")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def _checkpoint(db_path) -> None:
    """Fold the WAL into the file, so the immutable file holds every table."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_a_locked_store_is_503_store_busy_with_retry_after(tmp_path, seed_model_dir):
    app = make_app(tmp_path, seed_model_dir, db_timeout=0.2)
    client = app.test_client()
    holder = sqlite3.connect(app.extensions["newssift"]["db"], isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = client.post("/v1/labels", json=LABEL, headers=AUTH)
        assert_error(r, 503, "store_busy")
        assert int(r.headers["Retry-After"]) > 0
        assert client.get("/readyz").get_json()["store"] == "store_busy"
        assert client.post("/v1/segment", json={"text": ARTICLE}).status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/v1/labels", json=LABEL, headers=AUTH).status_code == 201
    assert client.get("/readyz").get_json() | {"worker": 0} == {
        "status": "ready", "model": "tiny1", "worker": 0, "store": "ok"}


def test_a_store_made_read_only_is_503_and_readiness_says_degraded(tmp_path, seed_model_dir):
    app = make_app(tmp_path, seed_model_dir)
    client = app.test_client()
    db_path = app.extensions["newssift"]["db"]
    _checkpoint(db_path)
    with immutable(db_path):
        r = client.post("/v1/labels", json=LABEL, headers=AUTH)
        assert "read-only" in assert_error(r, 503, "store_read_only")["message"]
        assert "Retry-After" in r.headers
        ready = client.get("/readyz").get_json()
        assert ready["status"] == "degraded" and ready["store"] == "store_read_only"
        assert client.post("/v1/segment", json={"text": ARTICLE}).status_code == 200


def test_a_server_started_on_a_read_only_store_still_segments(tmp_path, seed_model_dir):
    data = tmp_path / "data"
    make_app(tmp_path, seed_model_dir)  # creates the store and the first model version
    _checkpoint(data / "newssift.sqlite3")
    with immutable(data / "newssift.sqlite3"):
        server = Server(data, seed_model_dir, workers=1)
        with running(server):
            status, body = server.request("POST", "/v1/segment", {"text": ARTICLE})
            assert status == 200 and body["article"]["n_main"] > 0
            status, body = server.request("POST", "/v1/labels", LABEL, auth=True)
            assert status == 503 and body["error"]["code"] == "store_read_only"
            status, body = server.request("GET", "/readyz")
            assert status == 200 and body["status"] == "degraded"
        log = server.log_path.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log and "store_read_only" in log
