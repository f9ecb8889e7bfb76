"""The short-text topic evaluations and the project's own short texts: what `newssift
evaluate` prints about headlines and teasers, and the data it reads."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, needs_shared

from newssift.classifier.errors import TrainingError
from newssift.classifier.labels import DEFAULT_TOPICS
from newssift.training.config import load_config
from newssift.training.corpus import short_text_examples
from newssift.training.evaluate import (
    format_teaser_topics,
    project_short_text_eval,
    teaser_topic_eval,
)
from newssift.training.metrics import format_confusion
from newssift.training.train import gather_inputs

TRAIN = ROOT / "training" / "data" / "short_texts.jsonl"
HELD_OUT = ROOT / "training" / "gold" / "short_texts.jsonl"


def _texts(path):
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_held_out_short_texts_are_not_trained_on():
    train = {" ".join(t.lower().split()) for t in _texts(TRAIN)}
    held = [" ".join(t.lower().split()) for t in _texts(HELD_OUT)]
    assert held and not train & set(held)
    assert {e.topic for e in short_text_examples(HELD_OUT, 1.0)} <= set(DEFAULT_TOPICS)


@pytest.mark.parametrize("line, message", [
    ('{"text": "A headline", "topic": "weather"}', "unknown topic 'weather'"),
    ('{"text": "A headline"}', 'not a {"text", "topic"} object'),
    ("not json", 'not a {"text", "topic"} object'),
])
def test_bad_short_text_lines_are_a_one_line_error(tmp_path, line, message):
    path = tmp_path / "short.jsonl"
    path.write_text('{"text": "Court jails smuggler", "topic": "legal"}\n' + line + "\n")
    with pytest.raises(TrainingError, match="line 2: " + message.replace("{", r"\{")):
        short_text_examples(path, 1.0)


def test_short_texts_reach_the_topic_head_only_when_configured(tmp_path):
    cfg = load_config(ROOT / "training" / "configs" / "tiny.toml")
    assert gather_inputs(cfg).short_texts == []  # off by default
    inputs = gather_inputs(cfg.replace(short_texts=str(TRAIN)))
    assert len(inputs.short_texts) == len(_texts(TRAIN))
    assert {e.source for e in inputs.short_texts} == {"handwritten"}


def test_project_short_text_eval_counts_every_line(tiny_model):
    report = project_short_text_eval(tiny_model)
    assert report["n"] == len(_texts(HELD_OUT))
    assert sum(v["n"] for v in report["per_topic"].values()) == report["n"]
    weighted = sum(v["n"] * v["accuracy"] for v in report["per_topic"].values()) / report["n"]
    assert weighted == pytest.approx(report["accuracy"])


def test_confusion_lists_the_largest_mistakes_first():
    text = format_confusion("T", {"legal": {"legal": 5, "politics": 3},
                                  "politics": {"politics": 9, "null": 1}}, ["legal", "politics"])
    lines = text.splitlines()
    assert lines[2].split() == ["legal", "5", "3", "0"]
    assert lines[-1] == "  most confused: legal -> politics 3, politics -> null 1"


@needs_shared
def test_teaser_topic_eval_breaks_down_by_file(tiny_model):
    report = teaser_topic_eval(tiny_model, load_config(None), n_docs=30, baselines=False)
    assert report["teasers"] > 0
    assert sum(r["n"] for r in report["by_file"].values()) == report["teasers"]
    assert report["end_to_end"] <= report["teaser_topic_accuracy"]
    assert "teasers from" in format_teaser_topics(report)
