"""The evaluation gate: the shipped model must not fall below the floors pinned in
training/floors.json, measured on data it never trained on."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, SHIPPED, needs_shared

FLOORS = json.loads((ROOT / "training" / "floors.json").read_text())


@pytest.fixture(scope="module")
def cfg():
    from newssift.training.config import config_from_manifest

    return config_from_manifest(SHIPPED)


@needs_shared
def test_roles_on_a_source_never_trained_on(shipped_model, cfg):
    from newssift.training.corpus import block_docs
    from newssift.training.evaluate import score_pages, summarize

    docs = list(block_docs(cfg, ["dragnet"]))
    figures = summarize(score_pages(shipped_model, docs))
    assert figures["token_f1"] >= FLOORS["unseen_dragnet_token_f1"]


@needs_shared
def test_three_roles_on_held_out_composed_pages(shipped_model, cfg):
    from newssift.training.evaluate import three_class_eval

    report = three_class_eval(shipped_model, cfg)
    assert report["_overall"]["macro_f1"] >= FLOORS["three_class_macro_f1"]


@needs_shared
def test_topics_on_held_out_rows_of_every_file(shipped_model, cfg):
    from newssift.training.evaluate import topic_eval

    report = topic_eval(shipped_model, cfg, baselines=False, progress=False)
    below = {s: round(row["newssift"], 3) for s, row in report["sources"].items()
             if row["newssift"] < FLOORS["topic_accuracy"].get(s, 0.0)}
    assert not below, f"topic accuracy below the floor: {below}"
