"""Retraining through the API: jobs, the gate, labels that change the model, crash recovery."""

import json
import os

import pytest
from service_fixtures import AUTH, assert_error, make_app, wait_for_job

from newssift.service.db import connect, now
from newssift.service.versions import read_pointer

pytest_plugins = ["service_fixtures"]

# Made up for this test; block 1 is a plain news sentence the model calls main.
TEXT = ("Harbour council approves new ferry timetable\n"
        "The harbour council on Tuesday approved a new ferry timetable that adds two evening "
        "crossings to the island from next month, after residents asked for later services.\n"
        "Councillors said the extra crossings would be paid for from the port budget.\n"
        "Read more local news\n")


def block_role(client, index: int) -> tuple[str, str]:
    """The model's own label (the correction memory off)."""
    body = client.post("/v1/segment", json={"text": TEXT, "use_corrections": False}).get_json()
    return body["model"], body["segments"][index]["role"]


@pytest.mark.parametrize("mode", ["adapt", "full"])
def test_a_corrected_block_flips_after_retrain(tmp_path, seed_model_dir, mode):
    # Tolerance 1: this test is about labels reaching the model, not about the gate.
    client = make_app(tmp_path, seed_model_dir, gate_tolerance=1.0).test_client()
    before_model, before = block_role(client, 2)
    corrected = "boilerplate" if before != "boilerplate" else "main"
    assert client.post("/v1/labels", json={"text": TEXT, "labels": [{"index": 2, "role": corrected}]},
                       headers=AUTH).status_code == 201
    r = client.post("/v1/retrain", json={"note": "flip", "mode": mode}, headers=AUTH)
    assert r.status_code == 202 and r.headers["Location"] == f"/v1/retrain/{r.get_json()['id']}"
    job = wait_for_job(client, r.get_json()["id"])
    assert job["status"] == "promoted", job
    assert job["progress"] == 1.0 and job["note"] == "flip"
    assert job["evaluation"]["metrics"]["candidate"]["gold_role_accuracy"] > 0.5
    assert any("promoted" in line for line in job["log_tail"])
    after_model, after = block_role(client, 2)
    assert after_model == job["version"] != before_model
    assert after == corrected, f"block 2 was {before}, corrected to {corrected}, model says {after}"


def test_gate_rejects_and_keeps_the_old_model(tmp_path, seed_model_dir):
    app = make_app(tmp_path, seed_model_dir, gate_tolerance=-1.0)  # demand +1.0: never met
    client = app.test_client()
    job = wait_for_job(client, client.post("/v1/retrain", json={"mode": "full"},
                                           headers=AUTH).get_json()["id"])
    assert job["status"] == "rejected" and "worse than the active model" in job["reason"]
    assert read_pointer(app.extensions["newssift"]["model_dir"]) == "tiny1"
    versions = {m["version"]: m for m in client.get("/v1/models").get_json()["models"]}
    assert versions[job["version"]]["status"] == "rejected"
    assert versions[job["version"]]["reason"] == job["reason"]


def test_one_job_at_a_time(app, client):
    conn = connect(app.extensions["newssift"]["db"])
    conn.execute("INSERT INTO jobs (status, stage, pid, params, created) VALUES "
                 "('running', 'training', ?, '{}', ?)", (os.getpid(), now()))
    # Our own pid is alive but is not a trainer process, so the row is stale and reaped:
    first = client.post("/v1/retrain", headers=AUTH)
    assert first.status_code == 202
    assert_error(client.post("/v1/retrain", headers=AUTH), 409, "retrain_running")
    wait_for_job(client, first.get_json()["id"])
    assert client.get("/v1/retrain/1", headers=AUTH).get_json()["status"] == "failed"


def test_interrupted_job_is_failed_on_next_start(tmp_path, seed_model_dir):
    app = make_app(tmp_path, seed_model_dir)
    conn = connect(app.extensions["newssift"]["db"])
    conn.execute("INSERT INTO jobs (status, stage, pid, params, created) VALUES "
                 "('running', 'training', 999999999, '{}', ?)", (now(),))
    client = make_app(tmp_path, seed_model_dir).test_client()
    job = client.get("/v1/retrain/1", headers=AUTH).get_json()
    assert job["status"] == "failed" and "interrupted" in job["reason"]


def test_a_failing_training_is_reported(tmp_path, seed_model_dir):
    bad = tmp_path / "bad.toml"
    bad.write_text("[data]\nno_such_setting = 1\n")
    client = make_app(tmp_path, seed_model_dir, train_config=str(bad)).test_client()
    job = wait_for_job(client, client.post("/v1/retrain", headers=AUTH).get_json()["id"])
    assert job["status"] == "failed" and "no_such_setting" in job["reason"]


@pytest.mark.parametrize("body, status", [(b"{", 400), (b'{"note": 5}', 422), (b'{"x": 1}', 422)])
def test_bad_retrain_bodies(client, body, status):
    assert_error(client.post("/v1/retrain", data=body, content_type="application/json",
                             headers=AUTH), status)


def test_unknown_job(client):
    assert_error(client.get("/v1/retrain/42", headers=AUTH), 404, "not_found")
    assert_error(client.get("/v1/retrain/abc", headers=AUTH), 404)


def test_cross_validated_labels_feed_the_gate(tmp_path, seed_model_dir):
    client = make_app(tmp_path, seed_model_dir, cv_folds=2, gate_tolerance=1.0).test_client()
    for n in range(2):
        text = TEXT.replace("Tuesday", f"day {n}")
        client.post("/v1/labels", json={"text": text, "labels": [{"index": 3, "role": "boilerplate"}]},
                    headers=AUTH)
    job = wait_for_job(client, client.post("/v1/retrain", headers=AUTH).get_json()["id"])
    metrics = job["evaluation"]["metrics"]
    assert "labels_cv_role_accuracy" in metrics["active"]
    assert "labels_cv_role_accuracy" in metrics["candidate"], json.dumps(job)


def test_an_adapt_retrain_without_labels_says_what_to_do(client):
    job = wait_for_job(client, client.post("/v1/retrain", headers=AUTH).get_json()["id"])
    assert job["status"] == "failed" and "no stored labels" in job["reason"]


def test_a_full_retrains_progress_moves_during_training(tmp_path, seed_model_dir):
    client = make_app(tmp_path, seed_model_dir, gate_tolerance=1.0).test_client()
    job_id = client.post("/v1/retrain", json={"mode": "full"}, headers=AUTH).get_json()["id"]
    seen = set()
    while True:
        job = client.get(f"/v1/retrain/{job_id}", headers=AUTH).get_json()
        seen.add((job["stage"], job["progress"]))
        if job["status"] != "running":
            break
    training = sorted(p for stage, p in seen if stage.startswith("training: "))
    assert job["status"] == "promoted", job
    assert len(set(training)) >= 3 and training[-1] > training[0], seen  # not one flat 0.1


# ---- without the training data (an installed wheel, NEWSSIFT_DATA unset) -----------------------

DEFAULT_CONFIG = "training/configs/default.toml"  # reads the third-party data


def listed_versions(client) -> list[str]:
    return [m["version"] for m in client.get("/v1/models").get_json()["models"]]


def version_dirs(app) -> list[str]:
    return sorted(p.name for p in app.extensions["newssift"]["model_dir"].iterdir())


def test_an_adapt_retrain_without_training_data_is_gated_on_what_is_there(tmp_path, seed_model_dir,
                                                                          monkeypatch):
    monkeypatch.setenv("NEWSSIFT_DATA", str(tmp_path / "nowhere"))
    client = make_app(tmp_path, seed_model_dir, train_config=DEFAULT_CONFIG, full_eval=True,
                      cv_folds=3, gate_tolerance=1.0).test_client()
    client.post("/v1/labels", json={"text": TEXT, "labels": [{"index": 3, "role": "boilerplate"}]},
                headers=AUTH)
    job = wait_for_job(client, client.post("/v1/retrain", headers=AUTH).get_json()["id"])
    assert job["status"] == "promoted", job
    unchecked = job["evaluation"]["unchecked"]
    assert unchecked["held-out data"] == f"no training data at {tmp_path / 'nowhere'}"
    assert "1 labelled text" in unchecked["labels cross-validation"]
    assert "not checked: held-out data (no training data at" in job["reason"]
    assert "labels cross-validation (1 labelled text" in job["reason"]
    assert "gold_role_accuracy" in job["evaluation"]["compared"]  # what was there was checked


def test_a_full_retrain_without_training_data_fails_at_once_and_leaves_nothing(
        tmp_path, seed_model_dir, monkeypatch):
    monkeypatch.setenv("NEWSSIFT_DATA", str(tmp_path / "nowhere"))
    app = make_app(tmp_path, seed_model_dir, train_config=DEFAULT_CONFIG)
    client = app.test_client()
    job = wait_for_job(client, client.post("/v1/retrain", json={"mode": "full"},
                                           headers=AUTH).get_json()["id"])
    assert job["status"] == "failed" and job["version"] is None
    assert job["reason"].startswith("a full retrain needs the training data: no training data at")
    assert "NEWSSIFT_DATA" in job["reason"] and '"mode": "adapt"' in job["reason"]
    assert listed_versions(client) == ["tiny1"] and version_dirs(app) == ["ACTIVE", "tiny1"]


def test_a_job_that_fails_after_building_leaves_only_its_record(tmp_path, seed_model_dir,
                                                               monkeypatch):
    """NEWSSIFT_DATA names a folder that is not the data: the held-out check fails after
    the version is built, and the version goes with the job."""
    (tmp_path / "not-the-data").mkdir()
    monkeypatch.setenv("NEWSSIFT_DATA", str(tmp_path / "not-the-data"))
    app = make_app(tmp_path, seed_model_dir, train_config=DEFAULT_CONFIG, full_eval=True)
    client = app.test_client()
    client.post("/v1/labels", json={"text": TEXT, "labels": [{"index": 3, "role": "boilerplate"}]},
                headers=AUTH)
    job = wait_for_job(client, client.post("/v1/retrain", headers=AUTH).get_json()["id"])
    assert job["status"] == "failed" and job["version"] is None, job
    assert any("removed the unjudged version" in line for line in job["log_tail"]), job["log_tail"]
    assert listed_versions(client) == ["tiny1"] and version_dirs(app) == ["ACTIVE", "tiny1"]
    conn = connect(app.extensions["newssift"]["db"])
    assert conn.execute("SELECT name FROM versions WHERE status != 'seed'").fetchall() == []


def test_the_gate_names_the_checks_it_could_not_run():
    from newssift.service.gate import decide

    d = decide({"gold_role_accuracy": 0.9}, {"gold_role_accuracy": 0.9}, 0.02,
               {"held-out data": "no training data found"})
    assert d.promote and d.unchecked == {"held-out data": "no training data found"}
    assert d.reason.endswith("; not checked: held-out data (no training data found)")
    assert "not checked" not in decide({"gold_role_accuracy": 0.9}, {"gold_role_accuracy": 0.9},
                                       0.02).reason


def test_the_training_data_setting_is_where_a_full_retrain_looks(tmp_path, seed_model_dir):
    client = make_app(tmp_path, seed_model_dir, train_config=DEFAULT_CONFIG,
                      training_data=tmp_path / "elsewhere").test_client()
    job = wait_for_job(client, client.post("/v1/retrain", json={"mode": "full"},
                                           headers=AUTH).get_json()["id"])
    assert job["status"] == "failed"
    assert f"no training data at {tmp_path / 'elsewhere'}" in job["reason"], job["reason"]


def test_a_job_killed_after_building_leaves_no_version_behind(tmp_path, seed_model_dir):
    """The server (and its training process) killed while a built version was being judged:
    the next start fails the job and removes the version."""
    import shutil

    app = make_app(tmp_path, seed_model_dir)
    models_dir = app.extensions["newssift"]["model_dir"]
    shutil.copytree(models_dir / "tiny1", models_dir / "v20261207-000000-job1")
    conn = connect(app.extensions["newssift"]["db"])
    conn.execute("INSERT INTO jobs (status, stage, pid, params, created, version) VALUES "
                 "('running', 'evaluating', 999999999, ?, ?, 'v20261207-000000-job1')",
                 (json.dumps({"model_dir": str(models_dir)}), now()))
    restarted = make_app(tmp_path, seed_model_dir)
    client = restarted.test_client()
    job = client.get("/v1/retrain/1", headers=AUTH).get_json()
    assert job["status"] == "failed" and "interrupted" in job["reason"] and job["version"] is None
    assert listed_versions(client) == ["tiny1"] and version_dirs(restarted) == ["ACTIVE", "tiny1"]


# Made up for this test: a page whose promotion box sits between the story's paragraphs.
PAGE = ("<html><body><article><h1>Harbour council approves new ferry timetable</h1>"
        "<p>The harbour council on Tuesday approved a new ferry timetable that adds two evening "
        "crossings to the island from next month.</p><div class='promo-box'><p>Readers who join our "
        "supporters' circle this month receive a printed almanac of the island's walks.</p></div>"
        "<p>Councillors said the extra crossings would be paid for from the port budget.</p>"
        "</article></body></html>")


def test_an_adapt_retrain_learns_a_corrected_page_as_a_page(tmp_path, seed_model_dir):
    """Corrections sent with the page reach the retrained model with their markup: its
    adapter's shift reads the markup tokens as well as the words."""
    from newssift import load_model

    app = make_app(tmp_path, seed_model_dir, gate_tolerance=1.0)
    client = app.test_client()
    labels = [{"index": 2, "role": "boilerplate"}, {"index": 1, "role": "main"}]
    assert client.post("/v1/labels", json={"html": PAGE, "site": "harbour.example", "labels": labels},
                       headers=AUTH).status_code == 201
    job = wait_for_job(client, client.post("/v1/retrain", headers=AUTH).get_json()["id"])
    assert job["status"] == "promoted", job
    model = load_model(app.extensions["newssift"]["model_dir"] / job["version"])
    shift = model.adapter.scopes["harbour.example"].main_coef
    words = len(model.featurizer.idf_)
    assert len(shift) > words and abs(shift[words:]).max() > 0  # the markup tokens have weights
    body = client.post("/v1/segment", json={"html": PAGE, "site": "harbour.example",
                                            "use_corrections": False}).get_json()
    assert [s["role"] for s in body["segments"]][1:3] == ["main", "boilerplate"]
