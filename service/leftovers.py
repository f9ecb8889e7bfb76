"""What retrain jobs leave behind when they stop before their end, swept away.

A trainer killed at the wrong moment (SIGKILL, the machine going down) can leave, in the
model directory, the candidate it was building or measuring (a dot-folder: never listed,
never offered for activation, :mod:`newssift.service.trainer`), a half-copied model
(``save_model``'s own dot-folder), a version of an older release that was saved but never
judged, and, in the jobs folder, its copy of the stored labels (one a job: 157 MB after 11
jobs on a large store).  :func:`sweep` removes those of every job that is not running; it
runs when the server starts, after each job ends and when a dead job is found.

What belongs to a running job is kept, by its job id in the name (``-job<N>``).  The
directory is listed before the running jobs are read: an entry a job made after that read
belongs to a job already running when the directory was listed, so it is seen as running.
A dot-entry naming no job (the seed being copied in at first start, a pointer being
replaced) is removed only once it is older than :data:`STALE_S`.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from newssift.service.versions import VERSION_RE, discard_version, read_pointer, version_records

__all__ = ["sweep", "job_of", "STALE_S", "LABELS_COPY_SUFFIX"]

STALE_S = 600  # a dot-entry naming no job is some writer's work in progress until this old
LABELS_COPY_SUFFIX = ".labels.jsonl"
_JOB_IN_NAME = re.compile(r"-job(\d+)(?![0-9])")
_LABELS_COPY = re.compile(r"job-(\d+)" + re.escape(LABELS_COPY_SUFFIX))


def job_of(name: str) -> int | None:
    """The id of the job a version, staging folder or labels copy belongs to, if it names one."""
    match = _LABELS_COPY.fullmatch(name) or _JOB_IN_NAME.search(name)
    return int(match.group(1)) if match else None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _leftovers(models_dir: Path, jobs_dir: Path) -> list[Path]:
    """Candidates for removal, before anything is known of the running jobs."""
    out = []
    if models_dir.is_dir():
        for path in models_dir.iterdir():
            if path.name.startswith(".") or (VERSION_RE.fullmatch(path.name) and job_of(path.name)):
                out.append(path)
    if jobs_dir.is_dir():
        out.extend(p for p in jobs_dir.iterdir() if _LABELS_COPY.fullmatch(p.name))
    return out


def sweep(conn: sqlite3.Connection, models_dir: Path, jobs_dir: Path) -> list[str]:
    """Remove what jobs that are not running left behind; returns the names removed.

    Call it after the running jobs whose process is gone were marked failed
    (:func:`newssift.service.jobs.reap`).  Never raises for a file it cannot remove (another
    worker sweeping at the same time, a permission): it says so on stderr and goes on."""
    models_dir, jobs_dir = Path(models_dir), Path(jobs_dir)
    found = _leftovers(models_dir, jobs_dir)  # first: see the module docstring
    running = {row[0] for row in conn.execute("SELECT id FROM jobs WHERE status = 'running'")}
    recorded = set(version_records(conn))
    active = read_pointer(models_dir)
    removed = []
    for path in found:
        job = job_of(path.name)
        if job in running:
            continue
        try:
            if path.parent == models_dir and not path.name.startswith("."):
                # a version a job saved but never judged (an older release saved it in place)
                if path.name not in recorded and path.name != active and \
                        discard_version(conn, models_dir, path.name):
                    removed.append(path.name)
                continue
            if job is None and time.time() - path.lstat().st_mtime < STALE_S:
                continue
            _remove(path)
            removed.append(path.name)
        except OSError as exc:
            print(f"newssift: cannot remove {path}, left by a retrain job: {exc}", file=sys.stderr)
    return removed
