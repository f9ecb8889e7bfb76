"""Model directories are loaded only when their files match the manifest."""

from __future__ import annotations

import json
import shutil

import pytest

from classifier import ModelError, load_model, save_model
from classifier.persist import MANIFEST_FILE, MODEL_FILE


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


def test_a_saved_model_loads_and_labels(copy_of):
    model = load_model(copy_of)
    assert model.segment("A headline\nA paragraph.").segments[0].role in {"main", "teaser", "boilerplate"}


def test_altered_model_file_is_refused(copy_of):
    with open(copy_of / MODEL_FILE, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="sha256 does not match"):
        load_model(copy_of)


def test_other_sklearn_version_is_refused(copy_of):
    edit_manifest(copy_of, sklearn_version="0.24.2")
    with pytest.raises(ModelError, match="trained with scikit-learn 0.24.2"):
        load_model(copy_of)


def test_manifest_cannot_point_outside_the_directory(copy_of):
    edit_manifest(copy_of, files={"../../etc/passwd": "0" * 64})
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


def test_saving_over_a_model_replaces_it_whole(tiny_model, tmp_path):
    out = tmp_path / "v1"
    save_model(tiny_model, out, {"note": "first"})
    save_model(tiny_model, out, {"note": "second"})
    assert json.loads((out / MANIFEST_FILE).read_text())["note"] == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1"]  # no temporary leftovers
    load_model(out)


def test_a_failed_save_leaves_nothing_behind(tmp_path):
    with pytest.raises(TypeError, match="not JSON serializable"):
        save_model(object(), tmp_path / "v1", {"bad": {1, 2}})  # a set is not JSON
    assert list(tmp_path.iterdir()) == []
