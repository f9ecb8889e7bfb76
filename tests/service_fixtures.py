"""Fixtures for the service tests (loaded with ``pytest_plugins``): a tiny model, an app, a client.

The tiny model trains in about a second from the project's own hand-labelled
corpus; it is written to a temporary directory, never into ``models/``.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from newssift.classifier.resources import packaged

TINY_CONFIG = str(packaged("training/configs/tiny.toml"))
TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLE = packaged("training/gold/article.txt").read_text(encoding="utf-8")


def train_tiny(out_dir: Path, labels_files: list[Path] = ()) -> Path:
    from newssift.training.card import write_trained_model
    from newssift.training.config import load_config

    with threadpool_limits(1):
        return write_trained_model(load_config(TINY_CONFIG), out_dir, list(labels_files),
                                   evaluate=False, config_path=None, progress=False)


@pytest.fixture(scope="session")
def seed_model_dir(tmp_path_factory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("seed") / "tiny1")


def make_app(tmp_path: Path, seed: Path | None, **settings):
    from newssift.service import create_app

    config = {"data_dir": tmp_path / "data", "seed_model": seed, "api_token": TOKEN,
              "train_config": TINY_CONFIG, "cv_folds": 0, "full_eval": False,
              "reload_interval": 0.0, "access_log": False, "TESTING": True}
    config.update(settings)
    return create_app(config)


@pytest.fixture
def app(tmp_path, seed_model_dir):
    return make_app(tmp_path, seed_model_dir)


@pytest.fixture
def client(app):
    return app.test_client()


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Every error has one shape: {"error": {"code", "message", "request_id"}}, and the id is the
    response's X-Request-Id."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["request_id"] == response.headers["X-Request-Id"]
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def wait_for_job(client, job_id: int, timeout: float = 120.0, headers=None) -> dict:
    """The job once it stops running (reading it needs the token: its log names sites)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/v1/retrain/{job_id}", headers=AUTH if headers is None else headers)
        body = body.get_json() if hasattr(body, "get_json") else body.json()
        if body["status"] != "running":
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still running after {timeout}s: {body}")


START_TIMEOUT_S = 60
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The real server: ``python -m newssift.service.cli`` under gunicorn on a free
    127.0.0.1 port, with the tiny config, killed with its whole process group."""

    def __init__(self, data_dir: Path, seed: Path, workers: int = 2, **env: str) -> None:
        self.data_dir, self.seed, self.workers, self.env = data_dir, seed, workers, env
        self.proc, self.port = None, 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"server-{self.port}.log"

    def start(self) -> None:
        self.port = free_port()
        env = {**os.environ, "NEWSSIFT_API_TOKEN": TOKEN, "NEWSSIFT_CV_FOLDS": "0",
               "NEWSSIFT_FULL_EVAL": "false", "NEWSSIFT_RELOAD_INTERVAL": "0.2",
               "NEWSSIFT_GATE_TOLERANCE": "1.0", **self.env}
        env = {k: v for k, v in env.items() if v is not None}  # None: leave the setting unset
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newssift.service.cli", "--port", str(self.port),
             "--workers", str(self.workers), "--data-dir", str(self.data_dir),
             "--seed-model", str(self.seed), "--train-config", TINY_CONFIG],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            assert self.proc.poll() is None, "server exited during start-up"
            time.sleep(0.2)
        raise AssertionError("server not ready in time")

    def kill(self) -> None:
        """SIGKILL the whole process group: master, workers and any training process."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()

    def wait_job(self, job_id: int, timeout: float = 180) -> dict:
        """The retrain job's record once it is no longer running (polled with the token)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.request("GET", f"/v1/retrain/{job_id}", auth=True)[1]
            if job["status"] != "running":
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish: {job}")

    def request(self, method: str, path: str, body=None, auth: bool = False, conn=None):
        """(status, body): JSON bodies decoded, others as bytes."""
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if auth:
            headers["Authorization"] = f"Bearer {TOKEN}"
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            r = conn.getresponse()
            data = r.read()
        finally:
            if own:
                conn.close()
        ctype = r.getheader("Content-Type", "")
        return r.status, json.loads(data) if ctype.startswith("application/json") else data


@contextmanager
def running(server: Server) -> Iterator[Server]:
    """``server`` started, and killed however the block ends."""
    try:
        server.start()
        yield server
    finally:
        server.kill()
