"""The short-text topic evaluations and the project's own short texts: what `newssift
evaluate` prints about headlines and teasers, and the data it reads."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from conftest import ROOT, needs_shared

from newssift.classifier.errors import TrainingError
from newssift.classifier.labels import DEFAULT_TOPICS
from newssift.training.config import load_config
from newssift.training.corpus import ROLE_CODES, short_text_examples
from newssift.training.evaluate import (
    format_teaser_topics,
    heldout_composed_docs,
    project_short_text_eval,
    teaser_topic_eval,
)
from newssift.training.metrics import format_confusion
from newssift.training.train import _topic_targets, fit_featurizer, gather_inputs

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
    ('{"text": 7, "topic": "legal"}', "text is not a string"),
])
def test_bad_short_text_lines_are_a_one_line_error(tmp_path, line, message):
    path = tmp_path / "short.jsonl"
    path.write_text('{"text": "Court jails smuggler", "topic": "legal"}\n' + line + "\n")
    with pytest.raises(TrainingError, match="line 2: " + message.replace("{", r"\{")):
        short_text_examples(path, 1.0)


def test_short_texts_reach_the_topic_head_only_when_configured(tmp_path):
    cfg = load_config(ROOT / "training" / "configs" / "tiny.toml")
    plain = gather_inputs(cfg)
    assert plain.short_texts == []  # off by default
    inputs = gather_inputs(cfg.replace(short_texts=str(TRAIN)))
    assert len(inputs.short_texts) == len(_texts(TRAIN))
    assert {e.source for e in inputs.short_texts} == {"handwritten"}
    # They are topic examples ...
    texts = _topic_targets(inputs)[0]
    assert set(_texts(TRAIN)) <= set(texts)
    assert len(texts) == len(_topic_targets(plain)[0]) + len(inputs.short_texts)
    # ... but not vocabulary: every other head sees the same features with or without them.
    assert fit_featurizer(cfg, inputs).terms == fit_featurizer(cfg, plain).terms
    with pytest.raises(TrainingError, match="short_texts file not found"):
        gather_inputs(cfg.replace(short_texts=str(tmp_path / "missing.jsonl")))


class _Answers:
    """A stand-in model that gives every text the same article topic."""

    def __init__(self, topic):
        self.topic = topic

    def segment_many(self, texts):
        return [SimpleNamespace(article=SimpleNamespace(topic=self.topic)) for _ in texts]


def test_project_short_text_eval_scores_each_line_against_its_topic():
    gold = [json.loads(line)["topic"] for line in HELD_OUT.read_text(encoding="utf-8").splitlines()]
    report = project_short_text_eval(_Answers("legal"))
    assert report["n"] == len(gold)
    assert report["accuracy"] == pytest.approx(gold.count("legal") / len(gold))
    assert report["per_topic"]["legal"]["accuracy"] == 1.0
    assert all(v["accuracy"] == 0.0 for t, v in report["per_topic"].items() if t != "legal")


def test_confusion_lists_the_largest_mistakes_first():
    text = format_confusion("T", {"legal": {"legal": 5, "politics": 3},
                                  "politics": {"politics": 9, "null": 1}}, ["legal", "politics"])
    lines = text.splitlines()
    assert lines[2].split() == ["legal", "5", "3", "0"]
    assert lines[-1] == "  most confused: legal -> politics 3, politics -> null 1"


class _SaysConflict:
    """A stand-in SVC baseline that calls every text conflict."""

    def fit(self, texts, topics):
        return self

    def predict(self, texts):
        return ["conflict"] * len(texts)


@needs_shared
def test_teaser_topic_eval_scores_each_teaser_against_its_own_entry(tiny_model, monkeypatch):
    """Every gold teaser is scored against the pool entry it was drawn from, and the
    baselines' answers line up with the right teasers, file by file."""
    import newssift.training.eval_topics as topics

    monkeypatch.setattr(topics, "topic_svc", _SaysConflict)  # what TopicBaselines fits
    cfg = load_config(None)
    report = teaser_topic_eval(tiny_model, cfg, n_docs=30)
    docs = heldout_composed_docs(cfg, 30, seed_offset=2)
    entries = [o for d in docs for o, r in zip(d.origins, d.roles) if r == ROLE_CODES["teaser"]]
    assert report["teasers"] == len(entries) > 0
    for name, row in report["by_file"].items():
        mine = [e for e in entries if e.source == name]
        assert row["n"] == len(mine)
        expected = sum(e.topic == "conflict" for e in mine) / len(mine)
        assert row["svc_all_sets"] == pytest.approx(expected)
        assert row["svc_this_set"] == pytest.approx(expected)
    assert report["end_to_end"] <= report["teaser_topic_accuracy"]
    assert "teasers from" in format_teaser_topics(report)


def test_a_truncated_lead_is_the_text_after_its_headline():
    from newssift.training.evaluate import _truncated_lead

    body = " ".join(f"word{i}" for i in range(30))
    lead = _truncated_lead(f"The headline of it all\n\n{body}\n\nMore.", "k", "The headline of it all")
    assert lead.startswith("word0 word1") and lead.endswith(("…", "..."))
    # A text that does not start with its headline (HuffPost: headline and description on
    # one line) is cut from its first line.
    one_line = "Headline words here " + body
    assert _truncated_lead(one_line, "k", "Headline words here").startswith("Headline words here")
