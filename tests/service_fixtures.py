"""Fixtures for the service tests (loaded with ``pytest_plugins``): a tiny model, an app, a client.

The tiny model trains in about a second from the project's own hand-labelled
corpus; it is written to a temporary directory, never into ``models/``.
"""

from __future__ import annotations

import time
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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/v1/retrain/{job_id}", headers=headers or {})
        body = body.get_json() if hasattr(body, "get_json") else body.json()
        if body["status"] != "running":
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still running after {timeout}s: {body}")
