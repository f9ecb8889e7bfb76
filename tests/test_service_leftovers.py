"""A retrain killed at any point leaves no version that skipped the gate, and nothing else:
the trainer is SIGKILLed for real after saving its candidate and in the middle of training;
what older kills left is swept when the server starts; only a judged version is activated."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from service_fixtures import AUTH, assert_error, make_app, wait_for_job

from newssift.service.db import connect, now
from newssift.service.versions import read_pointer, record_version

pytest_plugins = ["service_fixtures"]

WAIT_S = 120  # a hang guard only
TEXT = ("Harbour council approves new ferry timetable\n"
        "The harbour council on Tuesday approved a new ferry timetable.\n"
        "Read more local news\n")


def dirs(app) -> tuple[Path, Path]:
    settings = app.extensions["newssift"]
    return Path(settings["model_dir"]), Path(settings["data_dir"]) / "jobs"


def wait_until(what: str, check, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"waited {timeout} s for {what}")


def job_row(app, job_id: int):
    conn = connect(app.extensions["newssift"]["db"])
    try:
        return conn.execute("SELECT status, stage, pid FROM jobs WHERE id = ?", (job_id,)).fetchone()
    finally:
        conn.close()


def of_job(models_dir: Path, jobs_dir: Path, job_id: int) -> list[str]:
    """Everything on disk that names the job, but its log."""
    names = [p.name for p in models_dir.iterdir() if f"-job{job_id}" in p.name]
    return names + [p.name for p in jobs_dir.iterdir()
                    if p.name.startswith(f"job-{job_id}.") and not p.name.endswith(".log")]


def listed(client) -> list[str]:
    return [m["version"] for m in client.get("/v1/models").get_json()["models"]]


@pytest.fixture
def labelled(tmp_path, seed_model_dir):
    app = make_app(tmp_path, seed_model_dir, gate_tolerance=1.0)
    client = app.test_client()
    r = client.post("/v1/labels", json={"text": TEXT, "labels": [{"index": 2, "role": "boilerplate"}]},
                    headers=AUTH)
    assert r.status_code == 201
    return app, client


def test_a_trainer_killed_after_saving_its_candidate_leaves_no_version(labelled):
    app, client = labelled
    models_dir, jobs_dir = dirs(app)
    job_id = client.post("/v1/retrain", json={"mode": "adapt"}, headers=AUTH).get_json()["id"]
    wait_until("the trainer to adapt", lambda: job_row(app, job_id)["stage"].startswith("adapting"))
    # Hold the store's write lock: the trainer saves its candidate, then waits to say so.
    lock = connect(app.extensions["newssift"]["db"], timeout=WAIT_S)
    lock.execute("BEGIN IMMEDIATE")
    try:
        saved = wait_until("the candidate saved", lambda: [
            p for p in models_dir.iterdir() if f"-job{job_id}" in p.name and (p / "manifest.json").is_file()])
        assert lock.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()[0] == "running"
        os.kill(job_row(app, job_id)["pid"], signal.SIGKILL)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    job = wait_for_job(client, job_id)
    assert job["status"] == "failed" and job["version"] is None, job
    name = saved[0].name.strip(".").removesuffix(".candidate")
    assert listed(client) == ["tiny1"]
    assert_error(client.post(f"/v1/models/{name}/activate", headers=AUTH), 404, "not_found")
    assert read_pointer(models_dir) == "tiny1"
    wait_until("the job's leftovers swept", lambda: not of_job(models_dir, jobs_dir, job_id), timeout=30)
    # The next retrain runs and is judged as usual.
    again = wait_for_job(client, client.post("/v1/retrain", headers=AUTH).get_json()["id"])
    assert again["status"] == "promoted", again


def test_a_trainer_killed_while_training_leaves_neither_staging_nor_labels_copy(labelled):
    app, client = labelled
    models_dir, jobs_dir = dirs(app)
    job_id = client.post("/v1/retrain", json={"mode": "full"}, headers=AUTH).get_json()["id"]
    row = wait_until("the trainer to train", lambda: (lambda r: r if r["stage"].startswith("training")
                                                      else None)(job_row(app, job_id)))
    assert (jobs_dir / f"job-{job_id}.labels.jsonl").is_file()  # its copy of the labels, in use
    os.kill(row["pid"], signal.SIGKILL)
    job = wait_for_job(client, job_id)
    assert job["status"] == "failed", job
    wait_until("the job's leftovers swept", lambda: not of_job(models_dir, jobs_dir, job_id), timeout=30)
    assert listed(client) == ["tiny1"]


def test_a_finished_job_leaves_no_labels_copy(labelled):
    app, client = labelled
    models_dir, jobs_dir = dirs(app)
    started = client.post("/v1/retrain", json={"mode": "full"}, headers=AUTH).get_json()
    job = wait_for_job(client, started["id"])
    assert job["status"] == "promoted", job
    assert [p.name for p in jobs_dir.iterdir()] == [f"job-{job['id']}.log"]
    assert [p.name for p in models_dir.iterdir() if p.name.startswith(".")] == []


def test_what_killed_jobs_left_is_swept_at_start_but_not_a_running_jobs(tmp_path, seed_model_dir):
    app = make_app(tmp_path, seed_model_dir)
    models_dir, jobs_dir = dirs(app)
    jobs_dir.mkdir(exist_ok=True)
    conn = connect(app.extensions["newssift"]["db"])
    for job_id, status in ((7, "failed"), (8, "running")):
        conn.execute("INSERT INTO jobs (id, status, stage, progress, params, created, pid) "
                     "VALUES (?, ?, 'x', 0, '{}', ?, ?)", (job_id, status, now(), os.getpid()))
    leftovers = {7: [], 8: []}
    for job_id in leftovers:
        name = f"v20261207-010000-job{job_id}"
        # built, half-written, unjudged
        for entry in (f".{name}.candidate", f"..{name}.candidate.k2x9", name):
            shutil.copytree(models_dir / "tiny1", models_dir / entry)
            leftovers[job_id].append(entry)
        (jobs_dir / f"job-{job_id}.labels.jsonl").write_text('{"text": "x", "labels": []}\n')
        leftovers[job_id].append(f"job-{job_id}.labels.jsonl")
    record_version(conn, "kept", "rejected", "judged")
    shutil.copytree(models_dir / "tiny1", models_dir / "kept")
    conn.close()
    # As a trainer's own process would look to the server: job 8's pid is alive and a trainer's.
    monkey = pytest.MonkeyPatch()
    monkey.setattr("newssift.service.jobs._alive", lambda pid: True)
    try:
        client = make_app(tmp_path, seed_model_dir).test_client()  # a start
    finally:
        monkey.undo()
    assert of_job(models_dir, jobs_dir, 7) == []
    assert sorted(of_job(models_dir, jobs_dir, 8)) == sorted(leftovers[8])
    assert sorted(listed(client)) == ["kept", "tiny1", "v20261207-010000-job8"]


def test_only_a_version_the_gate_judged_or_the_seed_is_activated(app, client):
    models_dir, _ = dirs(app)
    conn = connect(app.extensions["newssift"]["db"])
    for name, status in (("judged-worse", "rejected"), ("by-hand", None)):
        shutil.copytree(models_dir / "tiny1", models_dir / name)
        if status:
            record_version(conn, name, status, "measured")
    conn.close()
    statuses = {m["version"]: m["status"] for m in client.get("/v1/models").get_json()["models"]}
    assert statuses == {"tiny1": "seed", "judged-worse": "rejected", "by-hand": "ungated"}
    refused = client.post("/v1/models/by-hand/activate", headers=AUTH)
    message = assert_error(refused, 409, "not_gated")["message"]
    assert "never judged by the promotion gate" in message and read_pointer(models_dir) == "tiny1"
    # A rejected version was measured: rolling back to it is a choice made knowing why.
    activated = client.post("/v1/models/judged-worse/activate", headers=AUTH).get_json()
    assert activated["active"] == "judged-worse"
    assert client.post("/v1/models/tiny1/activate", headers=AUTH).get_json()["active"] == "tiny1"
