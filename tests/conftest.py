"""Shared fixtures: a tiny model trained from the project's own labels, the shipped model,
and the user's seed article (read from ../shared, never copied into the project)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.register_assert_rewrite("service_fixtures")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "training" / "gold"  # the packaged gold documents (examples/article.* among them)
SHIPPED = ROOT / "models" / "default"

needs_shared = pytest.mark.skipif(not (SHARED / "data").is_dir(),
                                  reason="../shared/data is not beside the project")


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
        pytest.skip("no shipped model in models/default")
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
        pytest.skip("../shared/seed/seed-article.txt is not beside the project")
    return text_path.read_text(encoding="utf-8"), read_labels(SHARED / "seed" / "seed-article.labels.jsonl")
