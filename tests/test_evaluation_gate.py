"""The evaluation gate: the shipped model must not fall below the floors pinned in
training/floors.json, measured on data it never trained on.

Without ../shared these tests skip, saying so; under CI (CI=true) they fail instead
(tests/conftest.py), and a figure with no floor is an error, not a pass."""

from __future__ import annotations

import pytest
from conftest import FLOORS, SHIPPED, missing, needs_shared, require_shared, unmet_floors


@pytest.fixture(scope="module")
def cfg():
    from newssift.training.config import config_from_manifest

    return config_from_manifest(SHIPPED)


def test_missing_shared_data_skips_locally_and_fails_under_ci(tmp_path):
    with pytest.raises(pytest.skip.Exception, match="not beside the project"):
        require_shared(tmp_path, environ={})
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_shared(tmp_path, environ={"CI": "true"})
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        missing("no shipped model", "git checkout models/default", environ={"CI": "true"})
    (tmp_path / "data").mkdir()
    assert require_shared(tmp_path, environ={"CI": "true"}) == tmp_path / "data"


def test_a_figure_without_a_floor_is_an_error_not_a_pass():
    floors = {"bbc": 0.9, "agnews": 0.8}
    assert unmet_floors({"bbc": 0.95, "agnews": 0.85}, floors) == {}
    assert unmet_floors({"bbc": 0.95, "new-file": 0.99}, floors) == {
        "new-file": "no floor in training/floors.json"}
    assert unmet_floors({"bbc": 0.85}, floors) == {"bbc": "0.850 < floor 0.9"}


def test_every_topic_file_of_the_shipped_config_has_a_floor(cfg):
    assert set(cfg.topic_files) <= set(FLOORS["topic_accuracy"]), \
        "add a floor for each new topic file to training/floors.json"


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
    measured = {s: row["newssift"] for s, row in report["sources"].items()}
    assert set(measured) == set(cfg.topic_files)
    assert not unmet_floors(measured, FLOORS["topic_accuracy"]), unmet_floors(
        measured, FLOORS["topic_accuracy"])
