"""Model versions: names that cannot escape, the atomic pointer, activation and hot reload."""

import shutil

import pytest
from service_fixtures import ARTICLE, AUTH, assert_error, make_app, wait_for_job

from newssift.classifier.errors import InvalidInput
from newssift.service.holder import ModelHolder
from newssift.service.versions import POINTER_FILE, read_pointer, version_path, write_pointer

pytest_plugins = ["service_fixtures"]


@pytest.mark.parametrize("name", ["..", ".", "../x", "a/b", ".hidden", "", "a" * 65, "v1\n", "v 1",
                                  "%2e%2e", "v1/../../etc"])
def test_version_names_cannot_leave_the_models_dir(tmp_path, name):
    with pytest.raises(InvalidInput, match="version name"):
        version_path(tmp_path, name)


def test_pointer_is_replaced_whole(tmp_path):
    write_pointer(tmp_path, "v1")
    write_pointer(tmp_path, "v2")
    assert read_pointer(tmp_path) == "v2"
    assert [p.name for p in tmp_path.iterdir()] == [POINTER_FILE]  # no temporary files left


def test_first_start_copies_the_seed_model(app, client):
    models_dir = app.extensions["newssift"]["model_dir"]
    assert read_pointer(models_dir) == "tiny1" and (models_dir / "tiny1" / "manifest.json").is_file()
    body = client.get("/v1/models").get_json()
    assert body["active"] == body["serving"] == "tiny1"
    (seed,) = body["models"]
    assert seed.pop("reason").startswith("the seed model, copied in from ") and seed.pop("created")
    assert seed == {"version": "tiny1", "active": True, "status": "seed", "job": None,
                    "labels": None, "withdrawn_labels": []}


def _add_version(app, name, status="promoted"):
    """A copy of the seed, recorded as a retrain's gate would have judged it."""
    from newssift.service.db import connect
    from newssift.service.versions import record_version

    models_dir = app.extensions["newssift"]["model_dir"]
    shutil.copytree(models_dir / "tiny1", models_dir / name)
    if status is not None:
        conn = connect(app.extensions["newssift"]["db"])
        record_version(conn, name, status, "judged for this test")
        conn.close()
    return models_dir


def test_activate_switches_the_served_model(app, client):
    _add_version(app, "v2")
    r = client.post("/v1/models/v2/activate", headers=AUTH)
    assert r.status_code == 200 and r.get_json()["active"] == "v2"
    assert client.post("/v1/segment", json={"text": "Hello."}).get_json()["model"] == "v2"


@pytest.mark.parametrize("version, status", [("nope", 404), ("..", 404), (".tiny1", 404)])
def test_activate_unknown_versions(client, version, status):
    assert_error(client.post(f"/v1/models/{version}/activate", headers=AUTH), status, "not_found")


def test_activate_refuses_an_altered_model(app, client):
    models_dir = _add_version(app, "bad")
    with open(models_dir / "bad" / "weights.npz", "ab") as handle:
        handle.write(b"tampered")
    assert "sha256" in assert_error(client.post("/v1/models/bad/activate", headers=AUTH),
                                    422, "model_error")["message"]
    assert read_pointer(models_dir) == "tiny1"


def test_holder_follows_the_pointer_and_survives_a_bad_version(app):
    models_dir = _add_version(app, "v2")
    holder = ModelHolder(models_dir, interval=0.0)
    first = holder.get()
    assert first[0] == "tiny1"
    write_pointer(models_dir, "v2")
    assert holder.get()[0] == "v2"
    assert first[1] is not holder.get()[1]  # a request holding the old object keeps it
    write_pointer(models_dir, "missing")
    assert holder.get()[0] == "v2"  # keeps serving what it has


def test_a_stored_version_of_the_old_pickle_format_is_refused_with_how_to_reseed(app, client):
    """A data directory from before format 2: its pickle is never loaded, and the message
    says how to get a working version back."""
    import json

    from newssift.classifier.persist import sha256_file

    models_dir = _add_version(app, "old")
    (models_dir / "old" / "model.joblib").write_bytes(b"\x80\x04.")  # a pickle; never opened
    manifest = json.loads((models_dir / "old" / "manifest.json").read_text())
    manifest["files"] = {"model.joblib": sha256_file(models_dir / "old" / "model.joblib")}
    (models_dir / "old" / "manifest.json").write_text(json.dumps(manifest))
    message = assert_error(client.post("/v1/models/old/activate", headers=AUTH), 422,
                           "model_error")["message"]
    assert "old pickle format" in message and "seeds it from the shipped model" in message
    assert read_pointer(models_dir) == "tiny1"
    assert client.post("/v1/segment", json={"text": "Hello."}).get_json()["model"] == "tiny1"


# Made up for this test: block 3 is a promotion line the tiny model does not call boilerplate.
HARBOUR = ("Harbour council approves new ferry timetable\n"
           "The harbour council on Tuesday approved a new ferry timetable that adds two evening "
           "crossings to the island from next month, after residents asked for later services.\n"
           "Councillors said the extra crossings would be paid for from the port budget.\n"
           "Read more local news\n")


def own_role(client, index: int) -> str:
    body = client.post("/v1/segment", json={"text": HARBOUR, "use_corrections": False}).get_json()
    return body["segments"][index]["role"]


def test_a_withdrawn_correction_stays_in_the_versions_trained_with_it(tmp_path, seed_model_dir):
    client = make_app(tmp_path, seed_model_dir, gate_tolerance=1.0).test_client()
    seed_role = own_role(client, 3)
    corrected = "boilerplate" if seed_role != "boilerplate" else "main"
    ids = client.post("/v1/labels", json={"text": HARBOUR, "labels": [
        {"index": 3, "role": corrected}, {"index": 0, "role": "teaser"}]}, headers=AUTH).get_json()["ids"]
    first = wait_for_job(client, client.post("/v1/retrain", headers=AUTH).get_json()["id"])
    assert first["status"] == "promoted", first
    assert own_role(client, 3) == corrected  # the retrained model learnt the correction

    withdrawn = client.delete(f"/v1/labels/{ids[0]}", headers=AUTH).get_json()
    assert withdrawn == {"withdrawn": ids[0], "still_in_versions": [first["version"]]}
    models = {m["version"]: m for m in client.get("/v1/models", headers=AUTH).get_json()["models"]}
    assert (models[first["version"]]["labels"], models[first["version"]]["withdrawn_labels"]) == (2, [ids[0]])
    anonymous = {m["version"]: m for m in client.get("/v1/models").get_json()["models"]}
    assert anonymous[first["version"]]["withdrawn_labels"] == []  # label ids only with the token
    assert (models["tiny1"]["labels"], models["tiny1"]["withdrawn_labels"]) == (None, [])
    # Withdrawn, the correction no longer applies, but the active version still says it:
    segs = client.post("/v1/segment", json={"text": HARBOUR}).get_json()["segments"]
    assert segs[3]["correction"] is None and segs[3]["role"] == corrected

    second = wait_for_job(client, client.post("/v1/retrain", headers=AUTH).get_json()["id"])
    assert second["status"] == "promoted", second
    models = {m["version"]: m for m in client.get("/v1/models").get_json()["models"]}
    assert (models[second["version"]]["labels"], models[second["version"]]["withdrawn_labels"]) == (1, [])
    assert own_role(client, 3) == seed_role  # retrained without it, the model's own label is back



def _another_release(tmp_path, seed_model_dir):
    """The model a later release of the package might ship: same version name, other files."""
    from dataclasses import replace as changed

    from newssift.classifier.persist import load_model as load
    from newssift.classifier.persist import read_manifest, save_model

    model = load(seed_model_dir)
    model.decision = changed(model.decision, main_threshold=0.61)
    manifest = {k: v for k, v in read_manifest(seed_model_dir).items() if k != "files"}
    return save_model(model, tmp_path / "release2" / "tiny1", manifest)


def _served(client) -> tuple[str, dict]:
    body = client.get("/v1/models").get_json()
    return body["active"], {m["version"]: m["status"] for m in body["models"]}


def test_an_upgrade_that_ships_another_model_serves_it_in_place_of_the_old_seed(tmp_path, seed_model_dir):
    """A data directory from an earlier release, serving that release's shipped model: after
    the upgrade the new shipped model is copied in beside it and served (the old one stays,
    for going back); a restart changes nothing more."""
    make_app(tmp_path, seed_model_dir)
    release2 = _another_release(tmp_path, seed_model_dir)
    client = make_app(tmp_path, release2).test_client()
    active, versions = _served(client)
    assert active.startswith("tiny1-") and versions == {"tiny1": "seed", active: "seed"}
    assert client.post("/v1/segment", json={"text": ARTICLE}).get_json()["model"] == active
    again = make_app(tmp_path, release2).test_client()
    assert _served(again) == (active, versions)
    # Going back to the earlier release serves its model again: a seed follows the package.
    assert _served(make_app(tmp_path, seed_model_dir).test_client()) == ("tiny1", versions)


def test_an_upgrade_leaves_a_retrained_model_active_and_lists_the_new_one(tmp_path, seed_model_dir, caplog):
    app = make_app(tmp_path, seed_model_dir)
    _add_version(app, "v2")
    write_pointer(app.extensions["newssift"]["model_dir"], "v2")
    release2 = _another_release(tmp_path, seed_model_dir)
    with caplog.at_level("WARNING", logger="newssift.service"):
        client = make_app(tmp_path, release2).test_client()
    active, versions = _served(client)
    (new,) = set(versions) - {"tiny1", "v2"}
    assert active == "v2" and versions[new] == "seed"
    assert f"/v1/models/{new}/activate" in caplog.text
    assert client.post(f"/v1/models/{new}/activate", headers=AUTH).get_json()["active"] == new
