"""Shared fixtures: a tiny model trained from the project's own labels, the shipped model,
and the user's seed article (read from ../shared, never copied into the project)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.register_assert_rewrite("service_fixtures")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHIPPED = ROOT / "models" / "default"

needs_shared = pytest.mark.skipif(not (SHARED / "data").is_dir(),
                                  reason="../shared/data is not beside the project")


def read_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A model trained in about a second on training/data only."""
    from training.card import write_trained_model
    from training.config import load_config

    out = tmp_path_factory.mktemp("models") / "tiny"
    cfg = load_config(ROOT / "training" / "configs" / "tiny.toml")
    return write_trained_model(cfg, out, evaluate=False, progress=False)


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    from classifier import load_model

    return load_model(tiny_model_dir)


@pytest.fixture(scope="session")
def shipped_model():
    from classifier import load_model

    if not (SHIPPED / "manifest.json").is_file():
        pytest.skip("no shipped model in models/default")
    return load_model(SHIPPED)


@pytest.fixture(scope="session")
def seed():
    text_path = SHARED / "seed" / "seed-article.txt"
    if not text_path.is_file():
        pytest.skip("../shared/seed/seed-article.txt is not beside the project")
    return text_path.read_text(encoding="utf-8"), read_labels(SHARED / "seed" / "seed-article.labels.jsonl")
