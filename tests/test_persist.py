"""Model directories: arrays and JSON, loaded only when their files match the manifest,
and the saved model is the model that was evaluated."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import FIXTURES, SHIPPED, needs_shared

from newssift import ModelError, load_model, save_model
from newssift.classifier.persist import CONFIG_FILE, MANIFEST_FILE, WEIGHTS_FILE, sha256_file


@pytest.fixture
def copy_of(tiny_model_dir, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(tiny_model_dir, target)
    return target


def edit_manifest(model_dir, **changes):
    path = model_dir / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def rehash(model_dir, name):
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    manifest["files"][name] = sha256_file(model_dir / name)
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest))


def test_a_saved_model_loads_and_labels(copy_of):
    model = load_model(copy_of)
    assert model.segment("A headline\nA paragraph.").segments[0].role in {"main", "teaser", "boilerplate"}


@pytest.mark.parametrize("name", [WEIGHTS_FILE, CONFIG_FILE])
def test_altered_model_files_are_refused(copy_of, name):
    with open(copy_of / name, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="sha256 does not match"):
        load_model(copy_of)


@pytest.mark.parametrize("which", ["tiny", "shipped"])
def test_a_model_directory_holds_no_pickle(copy_of, which):
    model_dir = copy_of
    if which == "shipped":
        if not (SHIPPED / MANIFEST_FILE).is_file():
            pytest.skip("no shipped model in models/default")
        model_dir = SHIPPED
    assert {p.suffix for p in model_dir.iterdir() if p.name != "__init__.py"} <= {
        ".json", ".npz", ".md", ".txt"}
    with np.load(model_dir / WEIGHTS_FILE, allow_pickle=False) as npz:
        assert npz.files and all(npz[k].dtype != object for k in npz.files)


def test_weights_that_need_pickle_are_refused_unrun(copy_of):
    """An object array (which only pickle can read) among the weights: refused, never unpickled."""
    with np.load(copy_of / WEIGHTS_FILE, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["topic.intercept"] = np.array([object()], dtype=object)
    np.savez(copy_of / WEIGHTS_FILE, **arrays)
    rehash(copy_of, WEIGHTS_FILE)
    with pytest.raises(ModelError, match="cannot load model"):
        load_model(copy_of)


def test_an_old_pickle_model_is_refused_with_the_way_out(copy_of):
    (copy_of / "model.joblib").write_bytes(b"\x80\x04.")
    rehash(copy_of, "model.joblib")
    with pytest.raises(ModelError, match="old pickle format.*newssift train"):
        load_model(copy_of)


def test_another_format_version_is_refused(copy_of):
    doc = json.loads((copy_of / CONFIG_FILE).read_text())
    doc["format_version"] = 99
    (copy_of / CONFIG_FILE).write_text(json.dumps(doc))
    rehash(copy_of, CONFIG_FILE)
    with pytest.raises(ModelError, match="model format 99"):
        load_model(copy_of)


def test_manifest_cannot_point_outside_the_directory(copy_of):
    edit_manifest(copy_of, files={"../../etc/passwd": "0" * 64, CONFIG_FILE: "0" * 64})
    with pytest.raises(ModelError, match="missing file"):
        load_model(copy_of)


@pytest.mark.parametrize("setup, message", [
    (lambda d: (d / MANIFEST_FILE).unlink(), "no manifest.json"),
    (lambda d: (d / MANIFEST_FILE).write_text("{"), "unreadable manifest"),
    (lambda d: shutil.rmtree(d), "no such model directory"),
])
def test_broken_directories_say_what_is_wrong(copy_of, setup, message):
    setup(copy_of)
    with pytest.raises(ModelError, match=message):
        load_model(copy_of)


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]
    return texts + ["A lone headline", "", "Posted by: jo at 5:10 PM\nReply\nGreat story."]


def test_saved_model_labels_every_page_as_the_model_that_was_saved(tmp_path):
    """The round trip: the model as trained (and evaluated) is the model that loads."""
    from newssift.training.config import load_config
    from newssift.training.train import train

    trained, _ = train(load_config("training/configs/tiny.toml"), progress=False)
    save_model(trained, tmp_path / "m", {})
    again = load_model(tmp_path / "m")
    again.version = trained.version  # a loaded model is named after its directory
    assert [r.to_dict() for r in again.segment_many(_texts())] == [
        r.to_dict() for r in trained.segment_many(_texts())]
    assert again.decision == trained.decision


@needs_shared
def test_shipped_model_survives_a_round_trip(shipped_model, tmp_path):
    save_model(shipped_model, tmp_path / "m", {})
    again = load_model(tmp_path / "m")
    again.version = shipped_model.version  # a loaded model is named after its directory
    assert [r.to_dict() for r in again.segment_many(_texts())] == [
        r.to_dict() for r in shipped_model.segment_many(_texts())]


def test_saving_over_a_model_replaces_it_whole(tiny_model, tmp_path):
    out = tmp_path / "v1"
    save_model(tiny_model, out, {"note": "first"})
    save_model(tiny_model, out, {"note": "second"})
    assert json.loads((out / MANIFEST_FILE).read_text())["note"] == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1"]  # no temporary leftovers
    load_model(out)


def test_a_failed_save_leaves_nothing_behind(tiny_model, tmp_path):
    with pytest.raises(TypeError, match="not JSON serializable"):
        save_model(tiny_model, tmp_path / "v1", {"bad": {1, 2}})  # a set is not JSON
    assert list(tmp_path.iterdir()) == []


# model.json says what its columns are: a model fitted to other columns is refused, not misread.

def edit_document(model_dir, change):
    doc = json.loads((model_dir / CONFIG_FILE).read_text())
    change(doc)
    (model_dir / CONFIG_FILE).write_text(json.dumps(doc))
    rehash(model_dir, CONFIG_FILE)


def test_a_saved_model_records_its_columns_and_what_built_it(copy_of):
    import importlib.metadata

    from newssift.classifier.features import dense_names

    doc = json.loads((copy_of / CONFIG_FILE).read_text())
    params = doc["model"]["featurizer"]["params"]
    assert doc["dense_columns"] == dense_names(params["comment_features"], params["language_features"])
    assert doc["dense_columns"][:3] == ["log_chars", "log_units", "unit_len"]
    assert doc["built_with"] == {"newssift": importlib.metadata.version("newssift"),
                                 "scikit-learn": importlib.metadata.version("scikit-learn"),
                                 "py3langid": importlib.metadata.version("py3langid")}


def test_a_model_whose_recorded_columns_differ_is_refused(copy_of):
    def swap(doc):
        cols = doc["dense_columns"]
        cols[1], cols[2] = cols[2], cols[1]

    edit_document(copy_of, swap)
    with pytest.raises(ModelError, match=r"other dense feature columns than this newssift makes "
                                         r"\(column 1: 'unit_len', here 'log_units'\); retrain it "
                                         r"with `newssift train`, or use the newssift it was built with"):
        load_model(copy_of)


def test_a_main_head_whose_parameters_do_not_fit_its_trees_is_refused(copy_of):
    """``own_words`` says whether the main head's trees read one column more: flipped in
    ``model.json`` (a hand edit, a damaged file), the model is refused at load, not at the
    first page it labels."""
    def flip(doc):
        params = doc["model"]["main"]["params"]
        params["own_words"] = not params.get("own_words", False)

    edit_document(copy_of, flip)
    with pytest.raises(ModelError, match=r"the main head's trees read \d+ columns, its parameters "
                                         r"make \d+; the model is damaged"):
        load_model(copy_of)


def test_a_newssift_that_makes_other_columns_refuses_the_model(copy_of, monkeypatch):
    from newssift.classifier import features

    real = features.dense_names
    monkeypatch.setattr(features, "dense_names", lambda *flags: [*real(*flags), "new_one"])
    width = len(json.loads((copy_of / CONFIG_FILE).read_text())["dense_columns"])
    with pytest.raises(ModelError, match=rf"column {width}: 'none', here 'new_one'"):
        load_model(copy_of)


def test_a_model_saved_before_the_record_loads_when_its_columns_fit(copy_of):
    edit_document(copy_of, lambda doc: [doc.pop("dense_columns"), doc.pop("built_with")])
    load_model(copy_of).segment("A headline\nA paragraph of the story.")
    with np.load(copy_of / WEIGHTS_FILE, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    width = len(arrays["featurizer.mean"])
    for name in ("featurizer.mean", "featurizer.scale"):
        arrays[name] = arrays[name][:-2]  # as if fitted to two columns fewer
    np.savez(copy_of / WEIGHTS_FILE, **arrays)
    rehash(copy_of, WEIGHTS_FILE)
    with pytest.raises(ModelError, match=f"fitted to {width - 2} dense feature columns, "
                                         f"this newssift makes {width}; retrain it"):
        load_model(copy_of)


def test_the_shipped_model_says_what_its_columns_are(shipped_model):
    from newssift.classifier.defaults import LANGUAGE_FEATURES
    from newssift.classifier.features import dense_names

    doc = json.loads((SHIPPED / CONFIG_FILE).read_text())
    params = doc["model"]["featurizer"]["params"]
    assert params["language_features"] is LANGUAGE_FEATURES  # trained with today's defaults
    assert doc["dense_columns"] == dense_names(params["comment_features"], params["language_features"])
    assert set(doc["built_with"]) == {"newssift", "scikit-learn", "py3langid"}
