"""Training pieces on tiny inline data: metrics, composed pages, comment handling, configs, labels."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from newssift import TrainingError
from newssift.training.compose import compose_document, truncate_teaser
from newssift.training.config import TrainConfig, load_config
from newssift.training.corpus import labelled_docs, main_after_body
from newssift.training.metrics import class_report, token_f1


def test_token_f1_is_a_bag_of_words_score():
    assert token_f1("The cat sat", "the cat ran") == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert token_f1("", "") == (1.0, 1.0, 1.0)
    assert token_f1("", "gold text")[2] == 0.0


def test_class_report_counts_per_class():
    report = class_report(["main", "main", "teaser"], ["main", "teaser", "teaser"], ["main", "teaser"])
    assert report["main"]["precision"] == 1.0 and report["main"]["recall"] == 0.5
    assert report["_overall"]["accuracy"] == pytest.approx(2 / 3)


def test_composed_page_keeps_story_order_and_labels_by_construction():
    rng = random.Random(0)
    paragraphs = [f"Paragraph {i} of the story, with enough words to be a paragraph." for i in range(5)]
    teasers = [(f"Headline number {i} about another story entirely, with more words here", "sport")
               for i in range(10)]
    doc = compose_document(rng, "The headline", paragraphs, teasers, ["Home", "Contact us"],
                           comments=["I disagree with this article."])
    story = [t for t, r in zip(doc.texts, doc.roles) if r == "main"]
    assert story[-5:] == paragraphs
    assert all(topic == "sport" for r, topic in zip(doc.roles, doc.topics) if r == "teaser")
    assert len(doc.texts) == len(doc.roles) == len(doc.topics) == len(doc.origins)
    # Each teaser names the pool entry it shows (cut or whole), so an evaluation can score
    # it against that entry's labels; other blocks name none.
    for text, role, origin in zip(doc.texts, doc.roles, doc.origins):
        assert (origin in teasers) == (role == "teaser")
        if origin:
            assert origin[0].startswith(text.rstrip(" ….").rstrip(",;:"))


def test_truncated_teasers_end_with_a_mark():
    text = truncate_teaser(random.Random(1), " ".join(f"word{i}" for i in range(30)))
    assert text.endswith(("…", "...")) and len(text.split()) < 30


def test_comments_after_the_main_body_are_found():
    main = np.array([0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1])
    assert np.flatnonzero(main_after_body(main)).tolist() == [10, 12]
    assert not main_after_body(np.array([0, 1, 0, 1, 1])).any()


def test_config_reads_sections_and_rejects_typos(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("[heads]\nboost_iter = 7\n[data]\nblock_sources = ['canola']\n")
    cfg = load_config(good)
    assert cfg.boost_iter == 7 and cfg.block_sources == ("canola",)
    bad = tmp_path / "bad.toml"
    bad.write_text("boost_iters = 7\n")
    with pytest.raises(TrainingError, match="unknown setting"):
        load_config(bad)
    with pytest.raises(TrainingError, match="not found"):
        load_config(tmp_path / "missing.toml")


@pytest.mark.parametrize("label, message", [
    ({"index": 9, "role": "main"}, "out of range"),
    ({"index": 0, "role": "headline"}, "unknown role"),
    ({"index": 0, "topic": "gardening"}, "unknown topic"),
])
def test_labels_files_are_validated(tmp_path, label, message):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"text": "One\nTwo", "labels": [label]}) + "\n")
    with pytest.raises(TrainingError, match=message):
        labelled_docs(path, "labels", 1.0)


@pytest.mark.slow  # trains twice
def test_a_correction_changes_the_retrained_model(tmp_path):
    from newssift.training.train import train

    cfg = load_config(TrainConfig().path("training/configs/tiny.toml"))
    text = ("Storm closes mountain roads as snow piles up in northern valleys\n"
            "Heavy snow closed three mountain passes on Monday, stranding lorries and cutting off "
            "villages in the northern valleys for the second time this winter.\n"
            "Subscribe to our weekly newsletter for more stories like this one")
    before, _ = train(cfg, progress=False)
    path = tmp_path / "corrections.jsonl"
    assert before.segment(text).segments[2].role == "main"
    path.write_text(json.dumps({"text": text, "labels": [{"index": 2, "role": "boilerplate"}]}) + "\n")
    after, summary = train(cfg, labels_files=[path], progress=False)
    assert summary["labelled_documents"] == before_docs(cfg) + 1
    seg = after.segment(text).segments
    assert seg[2].role == "boilerplate"


def before_docs(cfg: TrainConfig) -> int:
    return sum(1 for _ in open(cfg.path(cfg.handwritten), encoding="utf-8"))


def test_the_lodo_report_names_each_sources_best_threshold():
    from newssift.training.evaluate import format_lodo

    cell = {"token_f1": 0.8, "block_f1": 0.7, "pages": 3}
    report = {"best_length_rule": 15, "sources": {"a": {"newssift": cell}, "b": {"newssift": cell}},
              "all": {"newssift": cell}, "threshold_sweep": {"0.3": 0.80, "0.5": 0.82},
              "threshold_sweep_by_source": {"a": {"0.3": 0.90, "0.5": 0.85},
                                            "b": {"0.3": 0.70, "0.5": 0.79}}}
    text = format_lodo(report)
    assert "best threshold per source (token F1): a 0.3 (0.900), b 0.5 (0.790)" in text


def test_the_comment_rule_needs_the_comment_features(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[features]\ncomment_features = false\n[heads]\ndrop_comment_threads = true\n")
    with pytest.raises(TrainingError, match="drop_comment_threads needs comment_features"):
        load_config(path)


def test_recording_an_evaluation_rewrites_the_figures_and_the_model_still_loads(tiny_model_dir, tmp_path):
    import shutil

    from newssift import load_model
    from newssift.training.card import record_evaluation

    model_dir = tmp_path / "m"
    shutil.copytree(tiny_model_dir, model_dir)
    roles = ["main", "teaser", "boilerplate"]
    report = {"three_class": class_report(roles, roles, roles),
              "topics": {"sources": {"bbc": {"n": 10, "newssift": 0.9}},
                         "per_class": class_report(["sport"], ["sport"], ["sport"])},
              "unseen_sources": {"dragnet": {"token_f1": 0.8, "block_precision": 0.5,
                                             "block_recall": 0.7, "block_f1": 0.6, "pages": 4}}}
    lodo_cell = {"token_f1": 0.8, "block_f1": 0.7, "pages": 3}
    report["lodo"] = {"best_length_rule": 15, "sources": {"a": {"newssift": lodo_cell}},
                      "all": {"newssift": lodo_cell}}
    record_evaluation(model_dir, report)
    assert "Shipped model on dragnet (never trained on): token F1 0.800" in (
        model_dir / "EVALUATION.txt").read_text()
    lodo_text = (model_dir / "EVALUATION_LODO.txt").read_text()
    assert lodo_text.startswith("Role, leave-one-dataset-out") and "Shipped model" not in lodo_text
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert manifest["evaluation"]["unseen_sources"]["dragnet"]["token_f1"] == 0.8
    assert "EVALUATION.txt" in manifest["files"]
    load_model(model_dir)  # every hashed file still matches its manifest


def test_an_interrupted_recording_leaves_the_model_as_it_was(tiny_model_dir, tmp_path, monkeypatch):
    import shutil

    import newssift.classifier.persist as persist
    from newssift import load_model
    from newssift.training.card import record_evaluation

    model_dir = tmp_path / "m"
    shutil.copytree(tiny_model_dir, model_dir)
    before = {p.name: p.read_bytes() for p in model_dir.iterdir()}

    def disk_full(path):
        raise OSError("No space left on device")

    monkeypatch.setattr(persist, "sha256_file", disk_full)
    lodo_cell = {"token_f1": 0.8, "block_f1": 0.7, "pages": 3}
    report = {"three_class": class_report(["main"], ["main"], ["main"]),
              "topics": {"sources": {}, "per_class": class_report(["sport"], ["sport"], ["sport"])},
              "lodo": {"best_length_rule": 15, "sources": {"a": {"newssift": lodo_cell}},
                       "all": {"newssift": lodo_cell}}}
    with pytest.raises(OSError):
        record_evaluation(model_dir, report)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in model_dir.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no half-written copy left
    load_model(model_dir)


def _same_model(a, b) -> bool:
    (config_a, arrays_a), (config_b, arrays_b) = a.to_arrays(), b.to_arrays()
    return config_a == config_b and arrays_a.keys() == arrays_b.keys() and all(
        np.array_equal(arrays_a[k], arrays_b[k]) for k in arrays_a)


@pytest.mark.slow  # trains four times
def test_a_second_full_training_featurizes_only_the_labels(tmp_path, monkeypatch):
    """The featurized base corpus is cached: the same config and data are featurized once,
    the model is the one a fresh run gives, a changed data file is featurized again, and a
    model never needs the cache (it stays arrays and JSON)."""
    import shutil

    import newssift.training.base_corpus as corpus_module
    import newssift.training.train as training
    from newssift import load_model
    from newssift.training.card import write_trained_model

    handwritten = tmp_path / "handwritten.jsonl"
    shutil.copy(TrainConfig().path("training/data/handwritten.jsonl"), handwritten)
    cfg = load_config(TrainConfig().path("training/configs/tiny.toml")).replace(handwritten=str(handwritten))
    cache = tmp_path / "cache"
    builds, topic_fits = [], []
    real_build, real_fit = corpus_module.build_base_corpus, training.fit_topic_data
    monkeypatch.setattr(corpus_module, "build_base_corpus",
                        lambda *a, **k: builds.append(1) or real_build(*a, **k))
    monkeypatch.setattr(training, "fit_topic_data", lambda *a, **k: topic_fits.append(1) or real_fit(*a, **k))

    fresh, _ = training.train(cfg, progress=False, cache=False)
    assert len(builds) == 1 and not cache.exists()
    first, _ = training.train(cfg, progress=False, cache_dir=cache)
    assert len(builds) == 2 and any(cache.iterdir())
    labels = tmp_path / "corrections.jsonl"
    labels.write_text(json.dumps({"text": "Storm closes mountain roads\nSubscribe to our newsletter",
                                  "labels": [{"index": 1, "role": "boilerplate"}]}) + "\n")
    out = write_trained_model(cfg, tmp_path / "models" / "m1", [labels], evaluate=False, progress=False,
                              cache_dir=cache)
    assert len(builds) == 2  # from the cache: only the labels were featurized
    assert len(topic_fits) == 2  # labels naming no topic: the base corpus's topic head, cached
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["training_data"]["labelled_documents"] == before_docs(cfg) + 1
    again, _ = training.train(cfg, progress=False, cache_dir=cache)
    assert len(builds) == 2 and _same_model(again, fresh) and _same_model(first, fresh)
    labels.write_text(json.dumps({"text": "Storm closes mountain roads\nSubscribe to our newsletter",
                                  "labels": [{"index": 0, "role": "main", "topic": "science-tech"}]}) + "\n")
    training.train(cfg, labels_files=[labels], progress=False, cache_dir=cache)
    assert len(builds) == 2 and len(topic_fits) == 3  # a corrected topic: the topic head refitted

    with handwritten.open("a", encoding="utf-8") as f:  # a changed data file: a stale entry
        f.write(json.dumps({"text": "Markets rally\nShare this story",
                            "labels": [{"index": 0, "role": "main", "topic": "business"},
                                       {"index": 1, "role": "boilerplate"}]}) + "\n")
    training.train(cfg, progress=False, cache_dir=cache)
    assert len(builds) == 3

    assert not [p for p in out.rglob("*") if p.suffix not in {".json", ".npz", ".txt", ".md"}]
    shutil.rmtree(cache)
    load_model(out)


def test_the_cache_key_follows_config_data_and_code(tmp_path, monkeypatch):
    import os

    from newssift.training.cache import CACHE_ENV, code_modules, default_cache_dir, fingerprint

    own = tmp_path / "own.jsonl"
    own.write_text('{"text": "A", "labels": []}\n')
    cfg = load_config(TrainConfig().path("training/configs/tiny.toml")).replace(handwritten=str(own))
    key = fingerprint(cfg)
    assert fingerprint(cfg) == key
    assert fingerprint(cfg.replace(min_df=2)) != key
    os.utime(own, ns=(1, 1))
    assert fingerprint(cfg) != key
    assert {"config", "data", "newssift", "code"} <= set(key)
    hashed = {f"{p.parent.name}/{p.name}" for p in code_modules()}  # the code that makes the rows
    assert {"training/base_corpus.py", "training/corpus.py", "classifier/features.py",
            "classifier/counting.py"} <= hashed and "classifier/role.py" not in hashed
    monkeypatch.setenv(CACHE_ENV, "off")
    assert default_cache_dir() is None
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "newssift"
