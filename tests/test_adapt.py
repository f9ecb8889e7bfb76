"""Adapters: a model adapted to corrections gives them itself (no memory), on its own
text and on the same lines elsewhere in their scope, changes little else, and saves."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from newssift import load_model, save_model
from newssift.cli import cli
from newssift.training.adapt import adapt_model

STORY = (FIXTURES / "election.txt").read_text(encoding="utf-8")
SITE_LINE = "Subscribe to the Valley Courier for 99 cents a week"


def flip(role: str) -> str:
    return "boilerplate" if role == "main" else "main"


def test_an_adapted_model_gives_the_corrections_without_a_memory(tiny_model):
    own = [s.role for s in tiny_model.segment(STORY).segments]
    labels = [{"index": 1, "role": flip(own[1])}, {"index": 2, "role": "teaser", "topic": "legal"}]
    adapted = adapt_model(tiny_model, [{"text": STORY, "labels": labels}])
    segs = adapted.segment(STORY).segments
    assert (segs[1].role, segs[2].role, segs[2].topic) == (flip(own[1]), "teaser", "legal")
    assert all(s.correction is None for s in segs)  # the model's own labels now
    assert [s.role for s in tiny_model.segment(STORY).segments] == own  # the base is untouched


def test_corrections_reach_the_same_line_on_other_pages_of_the_site_only(tiny_model):
    page = f"A story about the valley's new bridge, opened on Monday by the mayor.\n{SITE_LINE}\n"
    other = f"The harvest festival drew record crowds this weekend, organisers said.\n{SITE_LINE}\n"
    target = flip(tiny_model.segment(other).segments[1].role)
    adapted = adapt_model(tiny_model, [{"text": page, "site": "courier.example",
                                        "labels": [{"index": 1, "role": target}]}])
    assert adapted.segment(other, site="courier.example").segments[1].role == target
    assert adapted.segment(other, site="elsewhere.example").segments[1].role != target
    assert adapted.segment(other).segments[1].role != target


def test_correcting_two_paragraphs_leaves_an_unrelated_page_alone(shipped_model):
    article = (FIXTURES / "article.txt").read_text(encoding="utf-8")
    adapted = adapt_model(shipped_model, [{"text": article, "labels": [
        {"index": 2, "role": "boilerplate"}, {"index": 5, "role": "boilerplate"}]}])
    roles = [s.role for s in adapted.segment(article).segments]
    assert roles[2] == roles[5] == "boilerplate"
    assert roles[:2] + roles[3:5] + roles[6:8] == ["main"] * 6  # the story's other paragraphs stay
    base_p = shipped_model.score([STORY.splitlines()]).p_main
    adapted_p = adapted.score([STORY.splitlines()]).p_main
    assert np.abs(adapted_p - base_p).max() < 0.1


def test_an_adapter_is_saved_and_loaded_with_its_model(tiny_model, tmp_path):
    adapted = adapt_model(tiny_model, [{"text": STORY, "site": "courier.example",
                                        "labels": [{"index": 0, "role": "boilerplate"}]}])
    save_model(adapted, tmp_path / "m", {})
    again = load_model(tmp_path / "m")
    again.version = adapted.version  # a loaded model is named after its directory
    texts = [STORY, f"Other text\n{STORY.splitlines()[0]}"]
    for site in (None, "courier.example"):
        assert [r.to_dict() for r in again.segment_many(texts, sites=[site] * 2)] == [
            r.to_dict() for r in adapted.segment_many(texts, sites=[site] * 2)]


def test_newssift_train_base_adapts_offline(tiny_model_dir, tmp_path):
    labels = tmp_path / "corrections.jsonl"
    labels.write_text(json.dumps({"text": STORY, "labels": [{"index": 0, "role": "boilerplate"}]})
                      + "\n", encoding="utf-8")
    out = tmp_path / "adapted"
    result = CliRunner().invoke(cli, ["train", "--base", str(tiny_model_dir), "--labels", str(labels),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["adapted"]["labelled_blocks"] == 1 and manifest["adapted"]["scopes"] == [""]
    assert load_model(out).segment(STORY).segments[0].role == "boilerplate"


@pytest.mark.parametrize("args, message", [
    (["--base", "{model}", "--out", "{tmp}/x"], "give them with --labels"),
    (["--base", "{tmp}/nope", "--labels", "{labels}", "--out", "{tmp}/x"], "no such model directory"),
])
def test_train_base_mistakes_are_one_clear_line(tiny_model_dir, tmp_path, args, message):
    labels = tmp_path / "l.jsonl"
    labels.write_text(json.dumps({"text": STORY, "labels": [{"index": 0, "role": "main"}]}) + "\n")
    argv = [a.format(model=tiny_model_dir, tmp=tmp_path, labels=labels) for a in args]
    result = CliRunner().invoke(cli, ["train", *argv])
    assert result.exit_code == 2 and message in result.output
