"""Retrain jobs as the server sees them: start one, report on it, clean up after a crash.

A job is a row in the ``jobs`` table and a separate process (``python -m
service.trainer``).  A partial unique index allows one ``running`` row at a
time, so two workers racing to start a job cannot both win: the loser gets 409.
A running row whose process is gone (the server was killed, the trainer
crashed) is marked failed by :func:`reap`, which runs at start-up and before
every new job; a version such a job had built but not judged is removed, as the
trainer removes it when a job fails (a failed job leaves only its record).
"""

from __future__ import annotations

import calendar
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from newssift.classifier.errors import NewssiftError
from newssift.service.db import connect, now
from newssift.service.errors import ApiError
from newssift.service.leftovers import sweep
from newssift.service.versions import candidate_path, discard_version, version_path

__all__ = ["start_job", "reap", "clean_up", "job_view", "LOG_TAIL_LINES", "TRAINER_MODULE"]

LOG_TAIL_LINES = 40
LOG_TAIL_BYTES = 32 * 1024
TRAINER_MODULE = "newssift.service.trainer"
STARTING_GRACE_S = 60  # a row may have no pid for this long while its process starts
INTERRUPTED = "interrupted: the training process stopped before the job finished (server killed?)"


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():  # a reused pid is not our trainer
        try:
            return TRAINER_MODULE.encode() in cmdline.read_bytes()
        except OSError:
            return False
    return True


def reap(conn: sqlite3.Connection) -> int:
    """Mark running jobs whose process is gone as failed; returns how many."""
    rows = conn.execute("SELECT id, pid, created, version, params FROM jobs "
                        "WHERE status = 'running'").fetchall()
    dead = []
    for row in rows:
        starting = row["pid"] is None and _age_s(row["created"]) < STARTING_GRACE_S
        if not starting and not _alive(row["pid"]):
            dead.append(row)
    for row in dead:
        changed = conn.execute("UPDATE jobs SET status = 'failed', stage = 'failed', reason = ?, "
                               "finished = ? WHERE id = ? AND status = 'running'",
                               (INTERRUPTED, now(), row["id"])).rowcount
        if changed and row["version"]:
            _discard_unjudged(conn, row["id"], row["params"], row["version"])
    return len(dead)


def _discard_unjudged(conn: sqlite3.Connection, job_id: int, params: str, version: str) -> None:
    """The version a dead job built, unless the job got as far as recording it."""
    try:
        models_dir = Path(json.loads(params)["model_dir"])
        shutil.rmtree(candidate_path(models_dir, version), ignore_errors=True)
        discard_version(conn, models_dir, version)
        if not version_path(models_dir, version).is_dir():  # the job names no version, then
            conn.execute("UPDATE jobs SET version = NULL WHERE id = ?", (job_id,))
    except (OSError, ValueError, KeyError, NewssiftError) as exc:
        # a row from an older release, a version already gone: the job's record says failed
        print(f"newssift: cannot remove version {version!r} of a failed job: {exc}", file=sys.stderr)


def clean_up(conn: sqlite3.Connection, settings: dict[str, Any], always: bool = False) -> int:
    """:func:`reap`, then sweep what jobs that stopped left behind (candidates, labels copies;
    :mod:`newssift.service.leftovers`): when a dead job was found, or ``always`` (at start,
    after a job).  Returns how many jobs were marked failed."""
    failed = reap(conn)
    if failed or always:
        removed = sweep(conn, Path(settings["model_dir"]), Path(settings["data_dir"]) / "jobs")
        if removed:
            print(f"newssift: removed what stopped retrain jobs left: {', '.join(sorted(removed))}",
                  file=sys.stderr)
    return failed


def _age_s(stamp: str) -> float:
    return time.time() - calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def start_job(conn: sqlite3.Connection, settings: dict[str, Any], note: str | None,
              mode: str = "adapt") -> int:
    """Insert the job row and start its process; 409 when one is already running."""
    clean_up(conn, settings)
    params = {k: str(settings[k]) if isinstance(settings[k], Path) else settings[k]
              for k in ("train_config", "model_dir", "data_dir", "gate_tolerance", "cv_folds",
                        "full_eval", "db_timeout", "seed_model")}
    params["mode"] = mode
    data = settings.get("training_data")  # None: $NEWSSIFT_DATA or the checkout's ../shared/data
    params["training_data"] = str(data) if data else None
    try:
        job_id = conn.execute(
            "INSERT INTO jobs (status, stage, progress, params, note, created) "
            "VALUES ('running', 'starting', 0, ?, ?, ?)", (json.dumps(params), note, now())).lastrowid
    except sqlite3.IntegrityError:
        running = conn.execute("SELECT id FROM jobs WHERE status = 'running'").fetchone()
        raise ApiError(409, "retrain_running",
                       f"retrain job {running['id'] if running else '?'} is still running; "
                       "wait for it (GET /v1/retrain/<job>)") from None
    log_dir = Path(settings["data_dir"]) / "jobs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"job-{job_id}.log"
    env = {**os.environ, "OMP_NUM_THREADS": str(settings["threads"]), "PYTHONUNBUFFERED": "1"}
    try:
        with open(log_path, "ab") as log:
            proc = subprocess.Popen([sys.executable, "-m", TRAINER_MODULE, str(job_id),
                                     str(settings["db"])], stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, env=env, close_fds=True)
    except OSError as exc:
        conn.execute("UPDATE jobs SET status = 'failed', stage = 'failed', reason = ?, finished = ? "
                     "WHERE id = ?", (f"cannot start the training process: {exc}", now(), job_id))
        raise ApiError(503, "retrain_unavailable", f"cannot start the training process: {exc}") from None
    conn.execute("UPDATE jobs SET pid = ?, log_path = ? WHERE id = ?", (proc.pid, str(log_path), job_id))
    threading.Thread(target=_wait, args=(proc, settings, job_id), daemon=True).start()
    return job_id


def _wait(proc: subprocess.Popen, settings: dict[str, Any], job_id: int) -> None:
    """Collect the process; a trainer that died without saying so leaves a failed job."""
    code = proc.wait()
    conn = connect(settings["db"], settings["db_timeout"])
    try:
        row = conn.execute("SELECT version, params FROM jobs WHERE id = ?", (job_id,)).fetchone()
        changed = conn.execute("UPDATE jobs SET status = 'failed', stage = 'failed', finished = ?, "
                               "reason = COALESCE(reason, ?) WHERE id = ? AND status = 'running'",
                               (now(), f"training process exited with status {code}", job_id)).rowcount
        if changed and row is not None and row["version"]:
            _discard_unjudged(conn, job_id, row["params"], row["version"])
        clean_up(conn, settings, always=True)
    except sqlite3.Error as exc:  # the store went away: the next start sweeps
        print(f"newssift: cannot record the end of retrain job {job_id}: {exc}", file=sys.stderr)
    finally:
        conn.close()


def _tail(path: str | None) -> list[str]:
    if not path:
        return []
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - LOG_TAIL_BYTES))
            data = handle.read().decode("utf-8", "replace")
    except OSError:
        return []
    lines = [line.rstrip() for line in data.replace("\r", "\n").split("\n") if line.strip()]
    return lines[-LOG_TAIL_LINES:]


def job_view(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "status": row["status"], "stage": row["stage"],
            "progress": row["progress"], "created": row["created"], "finished": row["finished"],
            "version": row["version"], "reason": row["reason"],
            "evaluation": json.loads(row["evaluation"]) if row["evaluation"] else None,
            "log_tail": _tail(row["log_path"]), "note": row["note"]}
