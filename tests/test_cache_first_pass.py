"""The role heads' fold models of the base corpus, cached beside it (training/first_pass.py):
a warm full retrain gives the model a cold one gives, and the labels still shape the heads."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from newssift.training.config import TrainConfig, load_config

pytestmark = pytest.mark.slow  # each test trains the tiny config a few times

TEXT = ("Storm closes mountain roads as snow piles up in northern valleys\n"
        "Heavy snow closed three mountain passes on Monday, stranding lorries and cutting off "
        "villages in the northern valleys for the second time this winter.\n"
        "Subscribe to our weekly newsletter for more stories like this one")


def _same_model(a, b) -> bool:
    (config_a, arrays_a), (config_b, arrays_b) = a.to_arrays(), b.to_arrays()
    return config_a == config_b and arrays_a.keys() == arrays_b.keys() and all(
        np.array_equal(arrays_a[k], arrays_b[k]) for k in arrays_a)


def _labels(path, role: str):
    path.write_text(json.dumps({"text": TEXT, "labels": [{"index": 2, "role": role}]}) + "\n")
    return path


@pytest.fixture
def tiny(tmp_path) -> TrainConfig:
    """The tiny config over a copy of the handwritten corpus (a test may change it)."""
    handwritten = tmp_path / "handwritten.jsonl"
    shutil.copy(TrainConfig().path("training/data/handwritten.jsonl"), handwritten)
    return load_config(TrainConfig().path("training/configs/tiny.toml")).replace(handwritten=str(handwritten))


@pytest.mark.parametrize("own_words", [False, True])
def test_a_warm_retrain_fits_no_fold_model_and_equals_a_cold_one(tiny, tmp_path, monkeypatch, own_words):
    import newssift.training.first_pass as first_pass
    from newssift.training.train import train

    tiny = tiny.replace(main_own_words=own_words)
    fits = []
    real = first_pass._fit_base
    monkeypatch.setattr(first_pass, "_fit_base", lambda *a: fits.append(1) or real(*a))
    labels, cache = _labels(tmp_path / "labels.jsonl", "boilerplate"), tmp_path / "cache"

    cold, _ = train(tiny, [labels], progress=False, cache=False)
    train(tiny, progress=False, cache_dir=cache)  # fills the cache, no labels
    assert len(fits) == 2
    warm, _ = train(tiny, [labels], progress=False, cache_dir=cache)
    assert len(fits) == 2  # the fold models came from the cache
    assert _same_model(warm.main, cold.main) and _same_model(warm.teaser, cold.teaser)

    with open(tiny.handwritten, "a", encoding="utf-8") as f:  # changed data: a stale entry
        f.write(json.dumps({"text": "Markets rally\nShare this story",
                            "labels": [{"index": 0, "role": "main"},
                                       {"index": 1, "role": "boilerplate"}]}) + "\n")
    train(tiny, [labels], progress=False, cache_dir=cache)
    assert len(fits) == 3


def test_labels_still_change_the_heads_when_their_folds_are_cached(tiny, tmp_path):
    from newssift.training.train import train

    cache = tmp_path / "cache"
    before, _ = train(tiny, progress=False, cache_dir=cache)
    assert before.segment(TEXT).segments[2].role == "main"
    story = _labels(tmp_path / "story.jsonl", "main")
    kept, _ = train(tiny, [story], progress=False, cache_dir=cache)
    dropped, _ = train(tiny, [_labels(tmp_path / "dropped.jsonl", "boilerplate")],
                       progress=False, cache_dir=cache)
    assert dropped.segment(TEXT).segments[2].role == "boilerplate"
    first, second = (kept.main.to_arrays()[1], dropped.main.to_arrays()[1])
    assert not np.array_equal(first["first.coef"], second["first.coef"])
    assert not all(np.array_equal(first[k], second[k]) for k in first if k.startswith("second."))


@pytest.mark.parametrize("own_words", [False, True])
def test_without_labels_the_cached_scores_are_the_heads_own(tiny, own_words):
    """The fold models fitted apart give each head exactly the out-of-fold scores it
    computes itself (with ``main_own_words``, the own-words log-odds too): a run without
    labels is the model it always was."""
    from newssift.training.base_corpus import build_base_corpus
    from newssift.training.first_pass import base_first_pass, first_pass_scores
    from newssift.training.train import fit_role_heads

    tiny = tiny.replace(main_own_words=own_words)
    base = build_base_corpus(tiny)
    folds = base_first_pass(tiny, base, None)
    assert (folds.main.words is not None) == own_words
    main, teaser = fit_role_heads(tiny, base.roles, first_pass_scores(tiny, folds, None))
    assert main.own_words == own_words
    own_main, own_teaser = fit_role_heads(tiny, base.roles)
    assert _same_model(main, own_main) and _same_model(teaser, own_teaser)
