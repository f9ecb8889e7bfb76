"""Shared fixtures: a tiny model trained from the project's own labels, the shipped model,
and the user's seed article (read from ../shared, never copied into the project).

Missing third-party data: a test that needs it is skipped, saying what is missing, on a
developer's machine; under CI (``CI=true``, where ../shared is checked out) it fails
instead, so that the evaluation gate cannot pass by not running.

Markers (registered in pyproject.toml): ``slow`` (trains or evaluates on ../shared, or
builds a wheel), ``server`` (starts gunicorn), ``browser`` (drives Chromium).  They are
set here, by module, so that ``make test-fast`` (``-m "not slow and not server and not
browser"``) is the edit loop and ``make test`` the whole suite.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

pytest.register_assert_rewrite("service_fixtures")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "training" / "gold"  # the packaged gold documents (examples/article.* among them)
SHIPPED = ROOT / "models" / "default"
FLOORS = json.loads((ROOT / "training" / "floors.json").read_text(encoding="utf-8"))

# A test needing ../shared/data carries this marker; see pytest_runtest_setup.
needs_shared = pytest.mark.needs_shared

# Markers by module, for what makes a module's tests slow (seconds to minutes each).  A module
# that imports service_fixtures' ``running`` starts gunicorn: it is ``server`` by that alone.
SERVER_MODULES = {"test_wheel"}
BROWSER_MODULES = {"test_page"}
SLOW_MODULES = {"test_wheel", "test_clean_dask", "test_clean_crash", "test_clean_fuzz",
                "test_service_fuzz", "test_service_framing_fuzz", "test_service_retrain",
                # measured 2026-12-07, load 6 on 2 cores: 32 s, 16 s and 10 s of the fast set
                "test_adapt", "test_service_leftovers", "test_pooling"}

# Single tests of other modules that take seconds (measured with --durations): slow too.
SLOW_TESTS = {"test_classify_and_clean_refuse_the_same_records_with_the_same_error_record",
              "test_a_20_mb_text_in_a_folder_is_an_error_record_and_the_rest_is_cleaned",
              "test_a_txt_file_is_read_no_further_than_the_limit"}


def _starts_servers(module) -> bool:
    fixtures = sys.modules.get("service_fixtures")
    return fixtures is not None and getattr(module, "running", None) is getattr(fixtures, "running", 0)


def in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    """CI sets CI=true (GitHub Actions, GitLab, most others)."""
    return environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing(what: str, fix: str, environ: Mapping[str, str] = os.environ) -> None:
    """Skip, naming what is missing and how to get it; under CI, fail instead."""
    if in_ci(environ):
        pytest.fail(f"{what} (CI=true: the data must be present in CI; {fix})", pytrace=False)
    pytest.skip(f"{what}; {fix}")


def require_shared(shared: Path = SHARED, environ: Mapping[str, str] = os.environ) -> Path:
    data = shared / "data"
    if not data.is_dir():
        missing(f"{data} is not beside the project", "check out the shared data as ../shared", environ)
    return data


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if item.module else ""
        if (module in SLOW_MODULES or item.originalname in SLOW_TESTS
                or item.get_closest_marker("needs_shared")):
            item.add_marker(pytest.mark.slow)
        if module in SERVER_MODULES or (item.module and _starts_servers(item.module)):
            item.add_marker(pytest.mark.server)
        if module in BROWSER_MODULES:
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item) -> None:
    if item.get_closest_marker("needs_shared"):
        require_shared()


@pytest.fixture(scope="session", autouse=True)
def _cache_in_tmp(tmp_path_factory):
    """Training caches go to the session's temporary folder, not ~/.cache (subprocesses
    inherit it)."""
    from newssift.training.cache import CACHE_ENV

    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = before


def unmet_floors(measured: Mapping[str, float], floors: Mapping[str, float]) -> dict[str, str]:
    """Each measured figure below its floor, and each with no floor at all: a figure nobody
    pinned is an error, not a pass (add its floor to training/floors.json)."""
    out = {name: "no floor in training/floors.json" for name in measured if name not in floors}
    out.update({name: f"{value:.3f} < floor {floors[name]}" for name, value in measured.items()
                if name in floors and value < floors[name]})
    return out


def read_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A model trained in about a second on training/data only."""
    from newssift.training.card import write_trained_model
    from newssift.training.config import load_config

    out = tmp_path_factory.mktemp("models") / "tiny"
    cfg = load_config(ROOT / "training" / "configs" / "tiny.toml")
    return write_trained_model(cfg, out, evaluate=False, progress=False)


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    from newssift import load_model

    return load_model(tiny_model_dir)


@pytest.fixture(scope="session")
def shipped_model():
    from newssift import load_model

    if not (SHIPPED / "manifest.json").is_file():
        missing("no shipped model in models/default", "git checkout models/default")
    return load_model(SHIPPED)


# A story followed by a user-comment thread (our own text), for the comment rule: each comment
# signed below its text, the layout on which the role model alone keeps most of the comments.
_COMMENTS = [
    ["My cousin lives two streets from the crossing and says the shelling has not stopped for a week.",
     "Thank you for reporting what is really happening there, and for naming the people who stayed."],
    ["The bridges were built in the 1960s and the rail bridge was already closed for repairs before "
     "the fighting started, so the road bridge is the only one that matters now.",
     "Whoever controls it controls the harvest, which is why both sides have spent so much on holding it."],
    ["According to the regional governor's office, residents of Kelvada have been without power since "
     "Sunday, and the road to the capital is closed to all but military traffic.",
     "Aid convoys have been turned back twice this week."],
    ["This is the third time this year that the crossing has changed hands, and each time the civilians "
     "who stay behind pay the price.",
     "The international monitors should be allowed back in before the harvest begins."],
]
STORY_WITH_COMMENTS = "\n".join(
    (ROOT / "examples" / "article.txt").read_text(encoding="utf-8").splitlines()[:8]
    + [line for i, body in enumerate(_COMMENTS)
       for line in body + [f"Posted by Reader{i} on March {i + 4}, 2025 at 9:1{i} am | permalink | Reply"]])
COMMENT_WORDS = "Whoever controls it controls the harvest"


@pytest.fixture(scope="session")
def seed():
    text_path = SHARED / "seed" / "seed-article.txt"
    if not text_path.is_file():
        missing(f"{text_path} is not beside the project", "check out the shared data as ../shared")
    return text_path.read_text(encoding="utf-8"), read_labels(SHARED / "seed" / "seed-article.labels.jsonl")
